"""footseg.data.frames: the one frame -> model input convention (squash)."""

from __future__ import annotations

import numpy as np

from footseg.data.frames import CONVENTION, frame_to_input, input_to_frame, mask_to_input


def test_a_portrait_frame_is_squashed_whole_and_the_mask_maps_back():
    frame = np.zeros((960, 720, 3), np.uint8)
    frame[:120] = 255  # the top eighth: a centre crop would lose it
    small = frame_to_input(frame, (256, 256))
    assert CONVENTION == "squash" and small.shape == (256, 256, 3)
    assert small[:30].mean() > 250 and small[40:].max() == 0
    mask = np.zeros((960, 720), np.uint8)
    mask[480:, 360:] = 1
    down = mask_to_input(mask, (256, 256))
    assert set(np.unique(down)) == {0, 1} and down[128:, 128:].all() and not down[:127].any()
    back = input_to_frame(down, frame.shape)
    assert back.shape == (960, 720) and (back == mask).mean() > 0.99
