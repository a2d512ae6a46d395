"""ENet (Paszke et al. 2016), as the thesis used it: max-unpooling in the decoder replaced by
adding the matching encoder feature map.

Faithful to the paper's layout (initial block, bottlenecks 1.x-5.x with projection ratio 4, PReLU,
dilated and asymmetric convolutions, spatial dropout 0.01 in stage 1 and ``dropout`` after).
"""

from __future__ import annotations

import keras
from keras import layers

from .blocks import activation, channel_pad, conv_bn, dropout_layer, normalize, scaled

# Stages 2 and 3 (stage 3 is stage 2 without its downsampling bottleneck): (kind, dilation).
STAGE_2_3 = (
    ("regular", 1),
    ("dilated", 2),
    ("asymmetric", 5),
    ("dilated", 4),
    ("regular", 1),
    ("dilated", 8),
    ("asymmetric", 5),
    ("dilated", 16),
)


def initial_block(x, filters: int):
    """3x3/2 conv with ``filters - 3`` outputs, concatenated with a 2x2 max-pool of the input."""
    conv = layers.Conv2D(filters - 3, 3, strides=2, padding="same", use_bias=False)(x)
    pool = layers.MaxPooling2D(2)(x)
    x = layers.Concatenate()([conv, pool])
    x = layers.BatchNormalization()(x)
    return activation(x, "prelu")


def bottleneck(x, filters: int, *, kind: str = "regular", dilation: int = 1, dropout: float = 0.0, skip=None):
    """One ENet bottleneck; ``kind`` in regular | dilated | asymmetric | downsample | upsample.

    ``upsample`` takes ``skip``, the encoder feature map of the target resolution, added to the
    upsampled main branch in place of max-unpooling (the thesis' change).
    """
    internal = max(4, filters // 4)
    main = x
    if kind == "downsample":
        main = layers.MaxPooling2D(2)(main)
        if filters > x.shape[-1]:
            main = channel_pad(main, filters - x.shape[-1])
    elif kind == "upsample":
        main = conv_bn(main, filters, 1, act=None)
        main = layers.UpSampling2D(2)(main)
        main = layers.Add()([main, skip])

    if kind == "downsample":
        ext = conv_bn(x, internal, 2, 2, act="prelu")
    else:
        ext = conv_bn(x, internal, 1, act="prelu")
    if kind == "upsample":
        ext = layers.Conv2DTranspose(internal, 3, strides=2, padding="same", use_bias=False)(ext)
        ext = activation(layers.BatchNormalization()(ext), "prelu")
    elif kind == "asymmetric":
        ext = layers.Conv2D(internal, (dilation, 1), padding="same", use_bias=False)(ext)
        ext = conv_bn(ext, internal, (1, dilation), act="prelu")
    else:
        ext = conv_bn(ext, internal, 3, dilation=dilation if kind == "dilated" else 1, act="prelu")
    ext = conv_bn(ext, filters, 1, act=None)
    ext = dropout_layer(ext, dropout)
    return activation(layers.Add()([main, ext]), "prelu")


def build_enet(*, input_size: int, num_classes: int, dropout: float, width: float) -> keras.Model:
    """ENet at ``input_size`` (a multiple of 8); logits at full resolution."""
    c16, c64, c128 = scaled(16, width), scaled(64, width), scaled(128, width)
    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = initial_block(normalize(inputs), c16)
    skip_half = x  # 1/2: target of bottleneck 5.0
    # Stage 1 (1/4).
    x = bottleneck(x, c64, kind="downsample", dropout=dropout / 10)
    for _ in range(4):
        x = bottleneck(x, c64, dropout=dropout / 10)
    skip_quarter = x  # 1/4: target of bottleneck 4.0
    # Stages 2 and 3 (1/8).
    x = bottleneck(x, c128, kind="downsample", dropout=dropout)
    for _ in range(2):
        for kind, dilation in STAGE_2_3:
            x = bottleneck(x, c128, kind=kind, dilation=dilation, dropout=dropout)
    # Stage 4 (1/4) and 5 (1/2): decoder.
    x = bottleneck(x, c64, kind="upsample", dropout=dropout, skip=skip_quarter)
    x = bottleneck(x, c64, dropout=dropout)
    x = bottleneck(x, c64, dropout=dropout)
    x = bottleneck(x, c16, kind="upsample", dropout=dropout, skip=skip_half)
    x = bottleneck(x, c16, dropout=dropout)
    logits = layers.Conv2DTranspose(num_classes, 2, strides=2, padding="same", name="logits")(x)
    return keras.Model(inputs, logits, name="enet")
