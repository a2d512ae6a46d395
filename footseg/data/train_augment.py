"""On-the-fly augmentation of training batches, in TensorFlow ops on the whole batch at once.

Applied on top of the warp composite-feet stored with each image, so every time an image is seen
it looks different: flips, scale / rotation / translation jitter (one projective resample that
also resizes the 256 px composite to the phase's training resolution), then photometric changes
(gamma, brightness, contrast, blur, sensor noise, JPEG; saturation, hue and white balance are
available but off by default).

The geometric resample is applied identically to the mask (nearest) and, when distilling, to the
teacher's cached logits (bilinear), so the targets stay aligned with the pixels.

Deterministic for a seed: every random draw is a stateless op keyed by (seed, batch number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from footseg.errors import require

GRAY = (0.299, 0.587, 0.114)


@dataclass(frozen=True)
class AugmentSpec:
    """Ranges of the on-the-fly augmentation (the train.augment config group)."""

    flip: bool = True
    scale: tuple[float, float] = (0.8, 1.25)  # zoom factor, log-uniform
    rotation_deg: float = 15.0  # uniform in +-rotation_deg
    translate: float = 0.08  # shift, fraction of the side, uniform in +-
    gamma: tuple[float, float] = (0.8, 1.25)  # log-uniform
    brightness: float = 0.1  # additive on 0..1 pixels, uniform in +-
    contrast: tuple[float, float] = (0.75, 1.3)
    # Colour jitter is off: it teaches the models to ignore colour, and skin colour is what tells a
    # real foot from the floor. scripts/ablate_recipe.py (nanoseg, cross entropy, 3 seeds) with
    # saturation 0.6-1.4, hue +-12 deg and white balance 1 +- 0.08: real-photo IoU 0.602 against
    # 0.701 without, synthetic test 0.802 against 0.797 (docs/notes.md).
    saturation: tuple[float, float] = (1.0, 1.0)
    hue_deg: float = 0.0  # chroma rotation, uniform in +-
    white_balance: float = 0.0  # per-channel gain, uniform in 1 +-
    blur_prob: float = 0.25  # share of images blurred (strength uniform)
    noise: float = 0.03  # sensor noise sigma on 0..1 pixels, uniform in 0..
    jpeg_prob: float = 0.1  # share of images re-encoded as JPEG
    jpeg_quality: tuple[int, int] = (35, 90)
    # How a phase below the composites' side sees them: "crop" a window at the native pixel scale
    # (objects keep the size they have at inference), or "resize" the whole composite down.
    # Measured (scripts/ablate_recipe.py, nanoseg, 12 000 images, 128 then 256 px): crop val IoU
    # 0.747, resize 0.707; resize's val curve only rises once the 256-px phase starts.
    low_res: str = "crop"

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None) -> "AugmentSpec":
        """An AugmentSpec from the config group (None or {} = the defaults); unknown keys refused."""
        cfg = dict(cfg or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(cfg) - known)
        require(not unknown, f"train.augment: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        for key in ("scale", "gamma", "contrast", "saturation", "jpeg_quality"):
            if key in cfg:
                value = cfg[key]
                require(
                    isinstance(value, (list, tuple)) and len(value) == 2 and 0 < value[0] <= value[1],
                    f"train.augment.{key} must be [low, high] with 0 < low <= high, got {value!r}",
                )
                # Floats, so that [1, 1] (ints from a dotlist) builds float tensors like [1.0, 1.0].
                cfg[key] = tuple(int(v) if key == "jpeg_quality" else float(v) for v in value)
        for key in ("rotation_deg", "translate", "brightness", "hue_deg", "white_balance", "noise"):
            if key in cfg:
                require(
                    isinstance(cfg[key], (int, float)) and not isinstance(cfg[key], bool) and cfg[key] >= 0,
                    f"train.augment.{key} must be a number >= 0, got {cfg[key]!r}",
                )
                cfg[key] = float(cfg[key])
        for key in ("blur_prob", "jpeg_prob"):
            if key in cfg:
                require(
                    isinstance(cfg[key], (int, float)) and 0 <= cfg[key] <= 1,
                    f"train.augment.{key} must be in [0, 1], got {cfg[key]!r}",
                )
        if "flip" in cfg:
            require(isinstance(cfg["flip"], bool), f"train.augment.flip must be true or false, got {cfg['flip']!r}")
        if "low_res" in cfg:
            require(
                cfg["low_res"] in ("resize", "crop"),
                f"train.augment.low_res must be resize or crop, got {cfg['low_res']!r}",
            )
        if "jpeg_quality" in cfg:
            require(cfg["jpeg_quality"][1] <= 100, "train.augment.jpeg_quality must be within 1..100")
        return cls(**cfg)


def augment_batch(images, masks, logits, *, spec: AugmentSpec, size: int, seed: int, batch_number):
    """Augment one batch and resample it to ``size`` x ``size``.

    images uint8 (B, S, S, 3), masks uint8 (B, S, S), logits float16 (B, S, S) or None (the
    teacher's foot-minus-background logit), as stored: resampling before any cast keeps the
    per-pixel work at the output size. Returns images float32 0..255, masks int32 and logits
    float32 at ``size``.
    """
    import tensorflow as tf

    batch = tf.shape(images)[0]
    side = tf.cast(tf.shape(images)[1], tf.float32)

    def key(index: int):  # one independent stream per draw and batch
        return tf.stack([tf.cast(seed * 64 + index, tf.int64), tf.cast(batch_number, tf.int64)])

    def uniform(index: int, low: float, high: float, shape=None):
        shape = [batch] if shape is None else shape
        return tf.random.stateless_uniform(shape, seed=key(index), minval=low, maxval=high)

    transforms = _transforms(spec, batch, side, float(size), uniform)
    out_shape = tf.constant([size, size], tf.int32)

    def warp(x, interpolation: str):
        return tf.raw_ops.ImageProjectiveTransformV3(
            images=x,
            transforms=transforms,
            output_shape=out_shape,
            fill_value=tf.constant(0.0),
            interpolation=interpolation,
            fill_mode="REFLECT",
        )

    images = tf.cast(warp(images, "BILINEAR"), tf.float32)
    masks = tf.cast(warp(masks[..., None], "NEAREST")[..., 0], tf.int32)
    if logits is not None:
        logits = tf.cast(warp(logits[..., None], "BILINEAR")[..., 0], tf.float32)
    images = _photometric(images / 255.0, spec, batch, uniform, key) * 255.0
    return images, masks, logits


def _transforms(spec: AugmentSpec, batch, side, size: float, uniform):
    """(B, 8) projective transforms mapping output pixels to input pixels."""
    import tensorflow as tf

    log_lo, log_hi = math.log(spec.scale[0]), math.log(spec.scale[1])
    scale = tf.exp(uniform(0, log_lo, log_hi)) if log_hi > log_lo else tf.fill([batch], spec.scale[0])
    angle = uniform(1, -1.0, 1.0) * (spec.rotation_deg * math.pi / 180.0)
    flip = tf.where(uniform(2, 0.0, 1.0) < 0.5, -1.0, 1.0) if spec.flip else tf.ones([batch])
    k = (side / size if spec.low_res == "resize" else 1.0) / scale  # input pixels per output pixel
    # A crop may land anywhere its window fits (plus the jitter); a resize only jitters.
    reach = tf.maximum(spec.translate * side, (side - size * k) / 2.0)
    tx = uniform(3, -1.0, 1.0) * reach
    ty = uniform(4, -1.0, 1.0) * reach
    cos, sin = tf.cos(angle), tf.sin(angle)
    m00, m01, m10, m11 = k * cos * flip, -k * sin, k * sin * flip, k * cos
    c_out, c_in = (size - 1.0) / 2.0, (side - 1.0) / 2.0
    a2 = c_in + tx - (m00 + m01) * c_out
    b2 = c_in + ty - (m10 + m11) * c_out
    zeros = tf.zeros([batch])
    return tf.stack([m00, m01, a2, m10, m11, b2, zeros, zeros], axis=1)


def _photometric(x, spec: AugmentSpec, batch, uniform, key):
    """Colour and camera changes on 0..1 pixels (B, H, W, 3)."""
    import tensorflow as tf

    def per_image(v):
        return tf.reshape(v, [-1, 1, 1, 1])

    glo, ghi = math.log(spec.gamma[0]), math.log(spec.gamma[1])
    x = tf.pow(tf.maximum(x, 1e-6), per_image(tf.exp(uniform(10, glo, ghi))))
    x = x + per_image(uniform(11, -spec.brightness, spec.brightness))
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    x = (x - mean) * per_image(uniform(12, *spec.contrast)) + mean
    # Each draw has its own key, so skipping an identity change leaves every other draw as it was.
    if spec.saturation != (1.0, 1.0):
        gray = tf.reduce_sum(x * tf.constant(GRAY), axis=-1, keepdims=True)
        x = gray + (x - gray) * per_image(uniform(13, *spec.saturation))
    if spec.hue_deg > 0:
        x = _rotate_hue(x, uniform(14, -1.0, 1.0) * (spec.hue_deg * math.pi / 180.0))
    if spec.white_balance > 0:
        gains = uniform(15, 1.0 - spec.white_balance, 1.0 + spec.white_balance, shape=[batch, 3])
        x = x * tf.reshape(gains, [-1, 1, 1, 3])
    if spec.blur_prob > 0:
        strength = tf.where(uniform(16, 0.0, 1.0) < spec.blur_prob, uniform(17, 0.3, 1.0), 0.0)
        x = x + per_image(strength) * (_gaussian_blur(x) - x)
    if spec.noise > 0:
        sigma = per_image(uniform(18, 0.0, spec.noise))
        x = x + sigma * tf.random.stateless_normal(tf.shape(x), seed=key(21))
    x = tf.clip_by_value(x, 0.0, 1.0)
    if spec.jpeg_prob > 0:
        use = uniform(19, 0.0, 1.0) < spec.jpeg_prob
        quality = tf.cast(uniform(20, spec.jpeg_quality[0], spec.jpeg_quality[1] + 1), tf.int32)

        def encode(args):
            image, q, on = args
            return tf.cond(on, lambda: tf.image.adjust_jpeg_quality(image, q), lambda: image)

        x = tf.map_fn(encode, (x, quality, use), fn_output_signature=tf.float32)
    return x


def _rotate_hue(x, angle):
    """Rotate chroma by ``angle`` (B,) radians in YIQ space (hue shift, luma kept)."""
    import tensorflow as tf

    to_yiq = tf.constant([[0.299, 0.587, 0.114], [0.596, -0.274, -0.322], [0.211, -0.523, 0.312]])
    to_rgb = tf.linalg.inv(to_yiq)
    cos, sin = tf.cos(angle), tf.sin(angle)
    one, zero = tf.ones_like(angle), tf.zeros_like(angle)
    rotation = tf.stack(
        [tf.stack([one, zero, zero], -1), tf.stack([zero, cos, -sin], -1), tf.stack([zero, sin, cos], -1)], axis=1
    )  # (B, 3, 3)
    matrix = tf.einsum("ij,bjk,kl->bil", to_rgb, rotation, to_yiq)
    return tf.einsum("bhwc,bdc->bhwd", x, matrix)


def _gaussian_blur(x):
    """5x5 Gaussian (sigma 1.2) of every channel."""
    import numpy as np
    import tensorflow as tf

    taps = np.exp(-0.5 * (np.arange(-2, 3) / 1.2) ** 2)
    kernel = np.outer(taps, taps) / np.outer(taps, taps).sum()
    kernel = tf.constant(np.tile(kernel[:, :, None, None], (1, 1, 3, 1)), tf.float32)
    return tf.nn.depthwise_conv2d(x, kernel, strides=[1, 1, 1, 1], padding="SAME")
