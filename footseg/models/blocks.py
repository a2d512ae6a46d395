"""Building blocks shared by the architectures.

Only stock keras.layers (no tf.*, no custom layers), so every model also trains on the JAX backend,
loads with keras.models.load_model anywhere, and converts to TFLite builtins in fp32, fp16, int8.
"""

from __future__ import annotations

from keras import layers


def channel_pad(x, pad: int):
    """Append ``pad`` zero channels (ENet's downsampling shortcut: max-pool, then zero-pad).

    Built from stock layers (channels moved to a spatial axis, ZeroPadding2D, moved back) rather
    than a custom layer, so any process can keras.models.load_model the file without importing
    footseg; lowers to TRANSPOSE, PAD, TRANSPOSE in TFLite.
    """
    x = layers.Permute((3, 1, 2))(x)  # (C, H, W)
    x = layers.ZeroPadding2D(((0, pad), (0, 0)))(x)
    return layers.Permute((2, 3, 1))(x)  # (H, W, C + pad)


def scaled(channels: int, width: float, divisor: int = 8, minimum: int = 8) -> int:
    """``channels * width`` rounded to a multiple of ``divisor`` (SIMD-friendly), >= ``minimum``.

    Never rounds down by more than 10 %, as MobileNet's _make_divisible does.
    """
    value = max(minimum, int(channels * width + divisor / 2) // divisor * divisor)
    if value < 0.9 * channels * width:
        value += divisor
    return value


def normalize(inputs):
    """Raw pixels 0..255 -> -1..1 inside the model, so an exported .tflite takes raw pixels."""
    return layers.Rescaling(1.0 / 127.5, offset=-1.0, name="normalize")(inputs)


def activation(x, kind: str = "relu"):
    """ReLU / ReLU6 / PReLU (per-channel slopes shared over space, as ENet uses)."""
    if kind == "prelu":
        return layers.PReLU(shared_axes=[1, 2])(x)
    if kind == "relu6":
        return layers.ReLU(max_value=6.0)(x)
    return layers.ReLU()(x)


def conv_bn(
    x, filters: int, kernel: int | tuple[int, int] = 3, strides: int = 1, *, dilation: int = 1, act: str | None = "relu"
):
    """Conv (no bias: BatchNorm follows) -> BatchNorm -> optional activation."""
    if kernel == 1 and strides > 1 and x.shape[-1] < 16:
        # TF 2.21's oneDNN kernel segfaults training a 1x1 stride-2 conv on < 16 input channels
        # (measured here). Subsample first (a 1x1 max-pool, exact), then a stride-1 1x1 conv:
        # the same function, the same FLOPs.
        x = layers.MaxPooling2D(1, strides=strides)(x)
        strides = 1
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", dilation_rate=dilation, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return x if act is None else activation(x, act)


def sep_conv_bn(x, filters: int, kernel: int = 3, strides: int = 1, *, act: str | None = "relu"):
    """Depthwise-separable conv: depthwise k x k -> BN -> ReLU -> pointwise 1x1 -> BN -> ``act``."""
    x = layers.DepthwiseConv2D(kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = activation(x, "relu")
    return conv_bn(x, filters, 1, act=act)


def deconv_bn(x, filters: int, kernel: int = 3, strides: int = 2, *, act: str | None = "relu"):
    """Transposed conv (stride 2 doubles the resolution) -> BatchNorm -> optional activation."""
    x = layers.Conv2DTranspose(filters, kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return x if act is None else activation(x, act)


def basic_block(x, filters: int, strides: int = 1, *, separable: bool = False):
    """ResNet basic block (two 3x3 convs + identity or 1x1-projection shortcut).

    ``separable`` swaps both 3x3 convs for depthwise-separable ones (FastLinkNet's encoder).
    """
    conv = sep_conv_bn if separable else conv_bn
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = conv_bn(x, filters, 1, strides, act=None)
    y = conv(x, filters, 3, strides)
    y = conv(y, filters, 3, act=None)
    return layers.ReLU()(layers.Add()([shortcut, y]))


def linknet_decoder_block(x, out_filters: int):
    """LinkNet decoder block: 1x1 (m -> m/4) -> 3x3 transposed stride 2 -> 1x1 (m/4 -> n)."""
    mid = max(8, x.shape[-1] // 4)
    x = conv_bn(x, mid, 1)
    x = deconv_bn(x, mid, 3, 2)
    return conv_bn(x, out_filters, 1)


def linknet_decoder(features: list):
    """LinkNet's decoder over encoder features ordered shallow -> deep.

    Each decoder block doubles the resolution and its output is ADDED to the encoder feature of
    that resolution (LinkNet's bypass); returns the features at the shallowest encoder resolution.
    """
    x = features[-1]
    for skip in reversed(features[:-1]):
        x = linknet_decoder_block(x, skip.shape[-1])
        x = layers.Add()([x, skip])
    return x


def linknet_head(x, num_classes: int, width: float, dropout: float, factor: int = 4):
    """LinkNet's final block: 3x3 transposed conv (stride 2) -> 3x3 conv -> dropout -> 2x2
    transposed conv (stride 2) to ``num_classes`` logits: 4x in all, undoing a stem conv +
    max-pool. ``factor=2`` (an encoder whose first skip is at 1/2) swaps the first for a 3x3 conv.
    """
    filters = scaled(32, width)
    x = deconv_bn(x, filters, 3, 2) if factor == 4 else conv_bn(x, filters, 3)
    x = conv_bn(x, filters, 3)
    x = dropout_layer(x, dropout)
    return layers.Conv2DTranspose(num_classes, 2, strides=2, padding="same", name="logits")(x)


def dropout_layer(x, rate: float):
    """Channel-wise (spatial) dropout, skipped entirely at rate 0 so inference graphs stay clean."""
    return layers.SpatialDropout2D(rate)(x) if rate > 0 else x


def squeeze_excite(x, ratio: int = 4):
    """Squeeze-and-excite, hard sigmoid: MEAN, two 1x1 convs, MUL in TFLite (int8-friendly)."""
    channels = x.shape[-1]
    s = layers.GlobalAveragePooling2D(keepdims=True)(x)
    s = layers.Conv2D(max(8, channels // ratio), 1, activation="relu")(s)
    s = layers.Conv2D(channels, 1, activation="hard_sigmoid")(s)
    return layers.Multiply()([x, s])


def inverted_residual(x, filters: int, expansion: int, strides: int = 1, *, kernel: int = 3, se: bool = False):
    """MobileNetV2/V3 inverted residual: 1x1 expand -> depthwise -> (SE) -> 1x1 linear project."""
    inp = x
    hidden = x.shape[-1] * expansion
    if expansion != 1:
        x = conv_bn(x, hidden, 1, act="relu6")
    x = layers.DepthwiseConv2D(kernel, strides=strides, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = activation(x, "relu6")
    if se:
        x = squeeze_excite(x)
    x = conv_bn(x, filters, 1, act=None)
    if strides == 1 and inp.shape[-1] == filters:
        x = layers.Add()([inp, x])
    return x


def downscale2x(x):
    """Halve the input resolution first (FastLinkNet, NanoSeg): 2x2 average pooling."""
    return layers.AveragePooling2D(2, name="downscale_2x")(x)


def upscale_logits(x, factor: int = 2):
    """Bilinear upscaling of the logits back to the input resolution."""
    return layers.UpSampling2D(factor, interpolation="bilinear", name=f"upscale_{factor}x")(x)
