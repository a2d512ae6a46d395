"""The one convention for how a camera frame maps to a model's square input: squash.

A 3:4 portrait phone frame (any size, any aspect) is resized to the model's H x W as a whole,
aspect not kept. Why squash and not a centre crop or letterbox: in the real photos the feet sit
anywhere from the top third to the bottom half of the frame (a centre crop of a 3:4 frame cuts
1/8 off top and bottom, and with it toes); letterboxing spends a quarter of the pixels on bars;
a squash keeps every pixel of the frame and maps the predicted mask back exactly. Training
composites are rendered as 3:4 frames and squashed the same way (composite.scene=egocentric),
so the model sees feet with the same distortion it meets in use.

Everything that feeds a photo to a model uses these two functions: the benchmark's real set,
``footseg predict``, and any demo.
"""

from __future__ import annotations

import cv2
import numpy as np

CONVENTION = "squash"


def frame_to_input(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A frame (H, W, 3) resized whole to the model's ``size`` (height, width); area filter."""
    return cv2.resize(rgb, (int(size[1]), int(size[0])), interpolation=cv2.INTER_AREA)


def mask_to_input(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """A frame's label mask (H, W) at the model's ``size``: nearest neighbour, labels never blend."""
    return cv2.resize(mask, (int(size[1]), int(size[0])), interpolation=cv2.INTER_NEAREST)


def input_to_frame(labels: np.ndarray, frame_shape: tuple[int, ...]) -> np.ndarray:
    """A predicted label map (h, w) back at the frame's (H, W): the inverse of ``frame_to_input``."""
    return cv2.resize(labels, (int(frame_shape[1]), int(frame_shape[0])), interpolation=cv2.INTER_NEAREST)
