"""BatchNormalization settings for training: the moving-average momentum, and the training step on
TensorFlow's fused kernel.

Keras 3's BatchNormalization trains through separate moment, normalisation and update ops (and as
many again for the gradient); TensorFlow's FusedBatchNormV3 does each direction in one kernel:
+14 to +58 % training img/s on the machines measured (docs/notes.md, `scripts/bench_train.py`
with and without `--keras-bn`). Only the training call of the layers of a model about to be
trained is swapped, per instance: a saved model still holds stock BatchNormalization layers (it
loads anywhere without footseg), inference and export take Keras' own path, and on another
backend nothing changes.
"""

from __future__ import annotations

import types
from typing import Callable, Iterator

import keras


def _batch_norms(model: keras.Model) -> Iterator[keras.layers.BatchNormalization]:
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            yield layer
        elif isinstance(layer, keras.Model):
            yield from _batch_norms(layer)


def _apply(model: keras.Model, change: Callable[[keras.layers.BatchNormalization], None]) -> int:
    layers = list(_batch_norms(model))
    for layer in layers:
        change(layer)
    return len(layers)


def set_bn_momentum(model: keras.Model, momentum: float) -> int:
    """Set every BatchNormalization layer's moving-average momentum (nested models included);
    returns how many were set. Keras' 0.99 needs a few hundred steps before the moving statistics,
    which inference uses, forget their initial values: short runs score as if untrained."""
    return _apply(model, lambda layer: setattr(layer, "momentum", float(momentum)))


def _fused_training_call(self, inputs, training=None, mask=None):
    """BatchNormalization.call with the training branch on ``tf.nn.fused_batch_norm``: the same
    normalisation and the same moving-average update as Keras' (its biased batch variance)."""
    if (
        not (training and self.trainable)
        or mask is not None
        or self.renorm
        or len(inputs.shape) != 4
        or self.axis % 4 != 3
    ):
        return type(self).call(self, inputs, training=training, mask=mask)
    import tensorflow as tf

    x = tf.cast(inputs, tf.float32)  # Keras also normalises in float32
    channels = int(x.shape[-1])
    gamma = tf.cast(self.gamma, tf.float32) if self.scale else tf.ones((channels,))
    beta = tf.cast(self.beta, tf.float32) if self.center else tf.zeros((channels,))
    y, mean, variance = tf.compat.v1.nn.fused_batch_norm(x, gamma, beta, epsilon=self.epsilon, is_training=True)
    # The kernel returns the Bessel-corrected variance for the moving average; Keras keeps the biased one.
    count = tf.cast(tf.size(x) // channels, tf.float32)
    variance = variance * (count - 1.0) / count
    self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
    self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
    return tf.cast(y, self.compute_dtype)


def fuse_batch_norm(model: keras.Model) -> int:
    """Train every BatchNormalization layer of ``model`` (nested models included) on the fused
    kernel; returns how many. A no-op (0) off the TensorFlow backend."""
    if keras.backend.backend() != "tensorflow":
        return 0
    # object.__setattr__: a bound method is not state for Keras' attribute tracking.
    return _apply(model, lambda layer: object.__setattr__(layer, "call", types.MethodType(_fused_training_call, layer)))
