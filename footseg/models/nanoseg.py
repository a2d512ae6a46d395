"""NanoSeg: this project's own student in the class of MediaPipe's selfie segmenter
(<= 0.15M parameters, <= 0.4 MB as int8 .tflite).

Why this shape: MobileNetV3-style inverted residuals (ReLU6, squeeze-excite with a hard sigmoid,
all int8-friendly TFLite builtins) on a 2x-downscaled input, down to 1/16 of the input; a small
decoder that upsamples bilinearly and ADDS each skip (cheaper than concatenation), refined by one
depthwise-separable conv per level; logits at 1/2 resolution, upscaled 2x bilinearly.
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import (conv_bn, downscale2x, dropout_layer, inverted_residual, normalize, scaled,
                     sep_conv_bn, upscale_logits)

# Encoder after the stem: (filters, expansion, stride, squeeze-excite) per inverted residual.
ENCODER = ((16, 1, 1, False),
           (24, 4, 2, False), (24, 3, 1, False),
           (32, 4, 2, True), (32, 3, 1, True),
           (48, 4, 2, True), (48, 3, 1, True), (48, 3, 1, True))
STEM_FILTERS = (8, 16)


def build_nanoseg(*, input_size: int, num_classes: int, dropout: float,
                  width: float) -> keras.Model:
    """NanoSeg at ``input_size`` (a multiple of 32); logits at full resolution."""
    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = downscale2x(normalize(inputs))
    x = conv_bn(x, scaled(STEM_FILTERS[0], width), 3, act="relu6")
    skips = [x]
    x = conv_bn(x, scaled(STEM_FILTERS[1], width), 3, 2, act="relu6")
    for filters, expansion, strides, se in ENCODER:
        if strides == 2:
            skips.append(x)
        x = inverted_residual(x, scaled(filters, width), expansion, strides, se=se)
    x = dropout_layer(x, dropout)
    for skip in reversed(skips):
        x = conv_bn(x, skip.shape[-1], 1, act="relu6")  # project first: upsample fewer channels
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        x = layers.Add()([x, skip])
        x = sep_conv_bn(x, skip.shape[-1], 3, act="relu6")
    logits = layers.Conv2D(num_classes, 1, name="logits")(x)
    return keras.Model(inputs, upscale_logits(logits, 2), name="nanoseg")
