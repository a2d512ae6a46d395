"""The teacher, in the spirit of the thesis' 55-GFLOP "EmilSeg": a U-Net decoder (bilinear 2x
upsampling, concatenated skips, two 3x3 convs per level) on a ResNet34 encoder, with full-resolution
skips so fine boundaries survive. ``width`` scales every channel count (FLOPs ~ width^2)."""

from __future__ import annotations

import keras
from keras import layers

from ..errors import require
from .blocks import basic_block, conv_bn, dropout_layer, normalize, scaled

STEM_FILTERS = (32, 64)  # full and 1/2 resolution
STAGE_FILTERS = (64, 128, 256, 512)  # 1/4 .. 1/32
STAGE_BLOCKS = (3, 4, 6, 3)  # ResNet34
# 1/16 .. full resolution: 31.7 GFLOPs at width 1. (256, 128, 128, 128, 96) gives EmilSeg's
# ~57 GFLOPs, but the full-resolution levels dominate CPU training time (width 0.5: 2x slower).
DECODER_FILTERS = (256, 128, 96, 96, 48)


def build_teacher(
    *,
    input_size: int,
    num_classes: int,
    dropout: float,
    width: float,
    blocks: tuple[int, ...] = STAGE_BLOCKS,
    decoder: tuple[int, ...] = DECODER_FILTERS,
) -> keras.Model:
    """Residual U-Net at ``input_size`` (a multiple of 32).

    ``blocks``: basic blocks per encoder stage (4 values); ``decoder``: channels per decoder level
    from 1/16 to full resolution (5 values), both before ``width`` scaling.
    """
    require(
        len(blocks) == len(STAGE_FILTERS) and all(int(b) >= 1 for b in blocks),
        f"teacher blocks must be {len(STAGE_FILTERS)} positive integers, got {list(blocks)}",
    )
    require(
        len(decoder) == len(DECODER_FILTERS) and all(int(c) >= 1 for c in decoder),
        f"teacher decoder must be {len(DECODER_FILTERS)} positive integers, got {list(decoder)}",
    )
    inputs = keras.Input((input_size, input_size, 3), name="image")
    x = normalize(inputs)
    x = conv_bn(x, scaled(STEM_FILTERS[0], width), 3)
    skips = [x]
    x = conv_bn(x, scaled(STEM_FILTERS[1], width), 3, 2)
    skips.append(x)
    for stage, (filters, count) in enumerate(zip(STAGE_FILTERS, blocks)):
        for block in range(count):
            x = basic_block(x, scaled(filters, width), 2 if block == 0 else 1)
        if stage < len(STAGE_FILTERS) - 1:
            skips.append(x)
    x = dropout_layer(x, dropout)
    for filters, skip in zip(decoder, reversed(skips)):
        x = layers.UpSampling2D(2, interpolation="bilinear")(x)
        x = layers.Concatenate()([x, skip])
        x = conv_bn(x, scaled(filters, width), 3)
        x = conv_bn(x, scaled(filters, width), 3)
    logits = layers.Conv2D(num_classes, 1, name="logits")(x)
    return keras.Model(inputs, logits, name="teacher")
