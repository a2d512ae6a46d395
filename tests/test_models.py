"""Every registered model: builds, has the contracted input/output, trains one step, and survives a
.keras save/load round trip without custom_objects."""

from __future__ import annotations

import numpy as np
import pytest

keras = pytest.importorskip("keras")

from footseg.errors import FootsegError  # noqa: E402
from footseg.models import MODELS, STRIDES, build_model, count_params  # noqa: E402
from footseg.models.facts import FACTS, MODEL_NAMES  # noqa: E402

SIZE = 64
# Narrower variants of the big models keep each test within a few seconds on 2 shared cores; at
# these widths the 1x1 stride-2 shortcuts see 8 channels (the oneDNN crash blocks.conv_bn avoids).
TEST_WIDTH = {"teacher": 0.125, "linknet": 0.125, "mobileseg": 0.5}


def tiny_batch(size: int = SIZE, batch: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    images = rng.uniform(0, 255, (batch, size, size, 3)).astype("float32")
    masks = np.zeros((batch, size, size), "int32")
    masks[:, size // 4 : 3 * size // 4, size // 3 : 2 * size // 3] = 1  # a "foot" block
    return images, masks


def test_registry_names_are_the_contract():
    # The registry derives from facts.FACTS; the thesis' five models are the fixed part of the contract.
    assert tuple(MODELS) == MODEL_NAMES and set(STRIDES) == set(MODELS)
    assert {name for name, facts in FACTS.items() if facts.thesis} == {
        "teacher",
        "enet",
        "linknet",
        "mobileseg",
        "fastlinknet",
    }


@pytest.mark.parametrize("name", sorted(MODELS))
def test_model_builds_trains_and_round_trips(name, tmp_path):
    keras.utils.set_random_seed(0)
    model = build_model(name, input_size=SIZE, dropout=0.1, width=TEST_WIDTH.get(name, 1.0))
    assert model.input_shape == (None, SIZE, SIZE, 3)
    assert model.output_shape == (None, SIZE, SIZE, 2)
    assert count_params(model) > 1000

    images, masks = tiny_batch()
    # Eager: tracing + graph-optimising a train step costs ~20-60 s per model here, eager ~1 s.
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        run_eagerly=True,
    )
    before = [w.copy() for w in model.get_weights()]
    loss = float(model.train_on_batch(images, masks))
    assert np.isfinite(loss) and loss > 0
    changed = sum(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    assert changed > len(before) // 2  # the step reached (most) weights: gradients flow

    logits = keras.ops.convert_to_numpy(model(images, training=False))
    assert logits.shape == (2, SIZE, SIZE, 2) and np.isfinite(logits).all()
    path = tmp_path / f"{name}.keras"
    model.save(path)
    loaded = keras.models.load_model(path)  # stock layers only: no custom_objects needed
    reloaded = keras.ops.convert_to_numpy(loaded(images, training=False))
    np.testing.assert_allclose(reloaded, logits, rtol=1e-5, atol=1e-5)


def test_output_is_at_full_resolution_for_the_pipeline_size():
    model = build_model("nanoseg", input_size=256)
    assert model.output_shape == (None, 256, 256, 2)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_width_scales_the_model(name):
    narrow = build_model(name, input_size=SIZE, width=0.25)
    wide = build_model(name, input_size=SIZE, width=0.5)
    assert count_params(narrow) < count_params(wide)


@pytest.mark.parametrize(
    "kwargs, key",
    [
        ({"name": "resnet"}, "unknown model"),
        ({"name": "linknet", "input_size": 100}, "input_size"),
        ({"name": "fastlinknet", "input_size": 32}, "input_size"),
        ({"name": "enet", "dropout": 1.5}, "dropout"),
        ({"name": "nanoseg", "width": 0}, "width"),
        ({"name": "nanoseg", "num_classes": 1}, "num_classes"),
        ({"name": "nanoseg", "depth": 3}, "nanoseg"),
        ({"name": "teacher", "blocks": [1, 1]}, "teacher blocks"),
        ({"name": "teacher", "decoder": [64, 32, 16, 8, 0]}, "teacher decoder"),
    ],
)
def test_bad_arguments_are_user_errors_naming_the_key(kwargs, key):
    with pytest.raises(FootsegError, match=key):
        build_model(**{"input_size": SIZE, **kwargs})
