"""NanoSeg: this project's own student in the class of MediaPipe's selfie segmenter
(<= 0.15M parameters, <= 0.4 MB as int8 .tflite), shaped to run fast as a full-integer int8 .tflite
(uint8 in and out) on XNNPACK, where it must be no slower than the selfie segmenter on 1 thread
(scripts/bench_nanoseg_int8.py measures both in one run).

Why this shape (measured here by ablation, tf.lite.Interpreter + XNNPACK, 1 thread, int8):
- The uint8 I/O itself costs ~0.5 ms at 256x256 (QUANTIZE uint8 <-> int8 of the full-resolution
  input and output), so everything else has to fit in what is left.
- Thin int8 convolutions at high resolution are the slow part: a 3-channel 3x3 conv costs ~0.6 ms
  (stride 2) or ~1 ms after a 2x AveragePooling (the former stem: pool, 3x3 conv to 8, 3x3 stride-2
  conv to 16). A 4x4 stride-4 "patchify" stem (one conv, every pixel seen once, 48 inputs per
  output: a good int8 GEMM shape) costs ~0.25 ms and goes straight to 1/4 resolution.
- Hence no layer runs above 1/4 resolution except the single bilinear upscale of the logits:
  the decoder stops at 1/4 (adding the stem's 1/4 features as the finest skip), the 2-channel
  logits are computed there and upscaled 4x once (a 1/2-resolution decoder level cost ~0.5 ms).
- MobileNetV2 inverted residuals (ReLU6, linear bottleneck) down to 1/32 for context; channel
  counts are multiples of 16 (XNNPACK's int8 kernels), no squeeze-excite (its MEAN/MUL chain adds
  int8 requantisation for little here; the 1/32 stage gives the global view instead).
- A skip decoder that upsamples bilinearly and ADDS each encoder feature (cheaper than
  concatenation), refined by one depthwise-separable conv per level below 1/4.
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import conv_bn, dropout_layer, inverted_residual, normalize, scaled, sep_conv_bn, upscale_logits

STEM_FILTERS, STEM_STRIDE = 32, 4  # 4x4 stride-4 patchify stem: straight to 1/4 resolution
# Encoder after the stem: (filters, expansion, stride, squeeze-excite) per inverted residual.
ENCODER = (
    (32, 2, 1, False),
    (48, 3, 2, False),
    (48, 3, 1, False),
    (64, 3, 2, False),
    (64, 3, 1, False),
    (64, 3, 2, False),
    (64, 2, 1, False),
)


def build_nanoseg(*, input_size: int, num_classes: int, dropout: float, width: float) -> keras.Model:
    """NanoSeg at ``input_size`` (a multiple of 32); logits at full resolution."""
    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = normalize(inputs)
    x = conv_bn(x, scaled(STEM_FILTERS, width), STEM_STRIDE, STEM_STRIDE, act="relu6")
    skips = []
    for filters, expansion, strides, se in ENCODER:
        if strides == 2:
            skips.append(x)
        x = inverted_residual(x, scaled(filters, width), expansion, strides, se=se)
    x = dropout_layer(x, dropout)
    for level, skip in enumerate(reversed(skips)):
        x = conv_bn(x, skip.shape[-1], 1, act="relu6")  # project first: upsample fewer channels
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        x = layers.Add()([x, skip])
        if level < len(skips) - 1:  # no 3x3 at 1/4: the logits' 1x1 conv follows directly
            x = sep_conv_bn(x, skip.shape[-1], 3, act="relu6")
    logits = layers.Conv2D(num_classes, 1, name="logits")(x)
    return keras.Model(inputs, upscale_logits(logits, STEM_STRIDE), name="nanoseg")
