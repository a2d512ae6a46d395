"""FastLinkNet (the thesis): LinkNet with every encoder convolution depthwise-separable, run on a
2x-downscaled input, its logits bilinearly upscaled 2x at the end.
Budget: <= 0.3 GFLOPs at 256x256."""

from __future__ import annotations

import keras

from .blocks import downscale2x, linknet_decoder, linknet_head, normalize, upscale_logits
from .linknet import resnet18_encoder


def build_fastlinknet(*, input_size: int, num_classes: int, dropout: float, width: float) -> keras.Model:
    """FastLinkNet at ``input_size`` (logits at full resolution)."""
    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = downscale2x(normalize(inputs))
    features = resnet18_encoder(x, width, separable=True)
    x = linknet_decoder(features)
    logits = upscale_logits(linknet_head(x, num_classes, width, dropout), 2)
    return keras.Model(inputs, logits, name="fastlinknet")
