"""MobileSeg (the thesis): Keras' MobileNet v1 body as the encoder (alpha = width) and LinkNet's
decoder, with the encoder features added wherever the resolutions match."""

from __future__ import annotations

import keras

from .blocks import linknet_decoder, linknet_head, normalize

# MobileNet v1 layers ending each resolution (1/2, 1/4, 1/8, 1/16, 1/32).
SKIP_LAYERS = ("conv_pw_1_relu", "conv_pw_3_relu", "conv_pw_5_relu", "conv_pw_11_relu", "conv_pw_13_relu")


def build_mobileseg(
    *, input_size: int, num_classes: int, dropout: float, width: float, weights: str | None = None
) -> keras.Model:
    """MobileSeg at ``input_size``. ``weights="imagenet"`` downloads Keras' pretrained body
    (needs network, alpha in {0.25, 0.5, 0.75, 1.0}); the default None trains from scratch."""
    inputs = keras.Input((input_size, input_size, 3), name="image")
    # input_tensor= grafts MobileNet's layers into this graph (no nested model), so its inner
    # feature maps can serve as skips.
    body = keras.applications.MobileNet(input_tensor=normalize(inputs), alpha=width, include_top=False, weights=weights)
    features = [body.get_layer(name).output for name in SKIP_LAYERS]
    x = linknet_decoder(features)  # ends at 1/2 resolution
    logits = linknet_head(x, num_classes, width, dropout, factor=2)
    return keras.Model(inputs, logits, name="mobileseg")
