"""FLOPs from the TF profiler on the frozen graph: exact on a hand-countable model, and the
size budgets the students must meet at 256x256."""

from __future__ import annotations

import pytest

keras = pytest.importorskip("keras")

from footseg.models import build_model, count_params, flops  # noqa: E402


def test_flops_counts_two_per_multiply_accumulate():
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
    x = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False)(x)
    model = keras.Model(inputs, x)
    conv = 8 * 8 * 8 * (3 * 3 * 3) * 2
    depthwise = 8 * 8 * 8 * (3 * 3) * 2
    assert flops(model) == conv + depthwise


def test_flops_grow_with_resolution_and_ignore_batch():
    small, large = build_model("nanoseg", input_size=64), build_model("nanoseg", input_size=128)
    assert 3.5 < flops(large) / flops(small) < 4.5


def test_fastlinknet_stays_within_the_thesis_budget():
    assert flops(build_model("fastlinknet", input_size=256)) <= 0.3e9


def test_nanoseg_is_in_the_selfie_segmenter_class():
    model = build_model("nanoseg", input_size=256)
    assert count_params(model) <= 150_000
    assert flops(model) < flops(build_model("fastlinknet", input_size=256))
