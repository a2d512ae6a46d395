"""The thesis' three losses on 2-class logits (B, H, W, 2) and integer masks (B, H, W).

Written with keras.ops only (backend-agnostic). Each returns one value per image; Keras averages.
The distillation loss takes the student's and the (frozen) teacher's logits concatenated on the
last axis, (B, H, W, 4), so a plain ``model.fit`` trains a student with it: see footseg.train.loop.
"""

from __future__ import annotations

from typing import Callable

import keras
from keras import ops

LOSSES = ("ce", "iou", "distillation")
EPSILON = 1e-7


def _pixel_ce(y_true, logits):
    labels = ops.cast(ops.reshape(y_true, ops.shape(logits)[:-1]), "int32")
    return ops.sparse_categorical_crossentropy(labels, logits, from_logits=True)


@keras.saving.register_keras_serializable(package="footseg")
def cross_entropy(y_true, y_pred):
    """Mean pixel cross entropy per image; only the first two channels of y_pred are the logits."""
    return ops.mean(_pixel_ce(y_true, y_pred[..., :2]), axis=(1, 2))


@keras.saving.register_keras_serializable(package="footseg")
def soft_iou(y_true, y_pred):
    """Rahman & Wang's IoU loss 1 - I/U on the softmax foot probability p, per image:
    I = sum(y * p), U = sum(y + p - y * p)."""
    logits = y_pred[..., :2]
    p = ops.softmax(logits, axis=-1)[..., 1]
    y = ops.cast(ops.reshape(y_true, ops.shape(p)), p.dtype)
    intersection = ops.sum(y * p, axis=(1, 2))
    union = ops.sum(y + p - y * p, axis=(1, 2))
    return 1.0 - intersection / (union + EPSILON)


@keras.saving.register_keras_serializable(package="footseg")
class DistillationLoss(keras.losses.Loss):
    """Hinton's L = CE(y, s) + lambda * T^2 * CE(softmax(t / T), softmax(s / T)), per image.

    ``y_pred`` = concat(student logits s, teacher logits t) on the last axis. T^2 keeps the soft
    term's gradient scale independent of T. The teacher half receives no gradient.
    """

    def __init__(self, temperature: float = 1.0, lam: float = 1.0, name: str = "distillation", **kwargs):
        super().__init__(name=name, **kwargs)
        self.temperature = float(temperature)
        self.lam = float(lam)

    def call(self, y_true, y_pred):
        student, teacher = y_pred[..., :2], ops.stop_gradient(y_pred[..., 2:4])
        hard = ops.mean(_pixel_ce(y_true, student), axis=(1, 2))
        t = self.temperature
        soft_targets = ops.softmax(teacher / t, axis=-1)
        log_student = ops.log_softmax(student / t, axis=-1)
        soft = ops.mean(-ops.sum(soft_targets * log_student, axis=-1), axis=(1, 2))
        return hard + self.lam * t * t * soft

    def get_config(self) -> dict:
        return {**super().get_config(), "temperature": self.temperature, "lam": self.lam}


def make_loss(name: str, temperature: float = 1.0, lam: float = 1.0) -> Callable | keras.losses.Loss:
    """The loss called ``name`` (one of LOSSES); T and lambda only matter for distillation."""
    if name == "ce":
        return cross_entropy
    if name == "iou":
        return soft_iou
    if name == "distillation":
        return DistillationLoss(temperature=temperature, lam=lam)
    raise ValueError(f"unknown loss {name!r}; expected one of {', '.join(LOSSES)}")
