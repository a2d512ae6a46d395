"""LinkNet (Chaurasia & Culurciello 2017): a ResNet18 encoder and a light decoder whose blocks
(1x1 -> 3x3 transposed stride 2 -> 1x1) add the matching encoder feature map."""

from __future__ import annotations

import keras
from keras import layers

from .blocks import basic_block, conv_bn, linknet_decoder, linknet_head, normalize, scaled

# ResNet18: four stages of two basic blocks.
STAGE_FILTERS = (64, 128, 256, 512)
STAGE_BLOCKS = (2, 2, 2, 2)


def resnet18_encoder(x, width: float, *, separable: bool = False) -> list:
    """ResNet18 body on a 7x7/2 stem + 3x3/2 max-pool; returns the four stage outputs (1/4 .. 1/32).

    ``separable`` makes every convolution depthwise-separable (FastLinkNet).
    """
    stem_filters = scaled(STAGE_FILTERS[0], width)
    if separable:
        x = layers.DepthwiseConv2D(7, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        x = conv_bn(x, stem_filters, 1)
    else:
        x = conv_bn(x, stem_filters, 7, 2)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    features = []
    for stage, (filters, blocks) in enumerate(zip(STAGE_FILTERS, STAGE_BLOCKS)):
        for block in range(blocks):
            strides = 2 if stage > 0 and block == 0 else 1
            x = basic_block(x, scaled(filters, width), strides, separable=separable)
        features.append(x)
    return features


def build_linknet(*, input_size: int, num_classes: int, dropout: float, width: float) -> keras.Model:
    """LinkNet at ``input_size``; logits at full resolution."""
    inputs = keras.Input((input_size, input_size, 3), name="image")
    features = resnet18_encoder(normalize(inputs), width)
    x = linknet_decoder(features)
    logits = linknet_head(x, num_classes, width, dropout)
    return keras.Model(inputs, logits, name="linknet")
