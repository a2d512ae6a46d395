"""footseg.train on the tiny dataset with tiny Keras models (fast, real training)."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from footseg.data.loader import make_training_dataset
from footseg.data.train_augment import AugmentSpec
from footseg.errors import FootsegError
from footseg.train.loop import WarmupCosine, load_model, save_model, train_model
from footseg.train.metrics import evaluate_model, keras_predict_fn
from footseg.train.recipe import Phase, Recipe, student_recipe
from footseg.train.students import StudentJob, expected_cost
from footseg.train.teacher import DataSpec
from footseg.workers import balanced_lanes
from tiny_data import load_tiny_split, make_tiny_dataset

SIZE = 32


def tiny_net(name: str = "tiny", filters: int = 8, dropout: float = 0.0, size: int = SIZE) -> keras.Model:
    inputs = keras.Input((size, size, 3))
    x = keras.layers.Rescaling(1 / 255.0)(inputs)
    x = keras.layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Conv2D(2, 1)(x)
    return keras.Model(inputs, outputs, name=name)


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory):
    return make_tiny_dataset(tmp_path_factory.mktemp("tiny"), n=20, size=SIZE, seed=0)


@pytest.fixture(scope="module")
def tiny(tiny_files):
    composites, split = tiny_files
    return load_tiny_split(composites, split, "train"), load_tiny_split(composites, split, "val")


def recipe(images: int = 480, phases=((16, 0.5, 8), (32, 0.5, 8)), lr: float = 1e-2, evals: int = 4) -> Recipe:
    return Recipe(
        images=images,
        phases=tuple(Phase(*p) for p in phases),
        lr=lr,
        evals=evals,
        warmup=0.05,
        augment=AugmentSpec(jpeg_prob=0.0),
    )


def builder(name: str = "tiny", filters: int = 8):
    return lambda size: tiny_net(name, filters, size=size)


def datasets(composites, split, recipe_, logits=None):
    return lambda i, phase: make_training_dataset(
        composites,
        split,
        batch_size=phase.batch,
        size=phase.size,
        seed=i,
        augment=recipe_.augment,
        teacher_logits=logits,
    )


def test_recipe_plan_spends_the_images_in_phases():
    plan = Recipe(images=40000, phases=(Phase(128, 0.8, 32), Phase(256, 0.2, 16)), lr=1e-3, evals=10).plan()
    assert [(p.size, p.evals) for p in plan] == [(128, 8), (256, 2)]
    assert plan[0].steps * plan[0].evals * 32 == 32000 and plan[1].steps * plan[1].evals * 16 == 8000


def test_student_budget_is_its_own_else_the_shared_one():
    train = {"images": 800, "phases": [{"size": 64, "share": 1.0, "batch": 8}]}
    student = {"lr": 0.01, "images": {"enet": 200, "linknet": None}}
    assert student_recipe(train, student, "enet").images == 200
    assert student_recipe(train, student, "linknet").images == 800
    assert student_recipe(train, student, "enet", images=50).images == 50
    with pytest.raises(FootsegError, match=r"student\.images\.enet"):
        student_recipe(train, {**student, "images": {"enet": -1}}, "enet")
    with pytest.raises(FootsegError, match=r"train\.images must"):  # no budget of its own: train.images' key
        student_recipe({**train, "images": -1}, student, "nanoseg")


def test_student_cost_grows_with_budget_model_and_width(tiny_files):
    """distill-students splits its runs into lanes by expected_cost: more images, a costlier model, a wider one
    all cost more."""
    composites, split = tiny_files
    data = DataSpec(str(composites), str(split), 0, 4, 4)

    def cost(name: str, images: int, width: float = 1.0) -> float:
        return expected_cost(StudentJob(name, data, recipe(images=images), width=width))

    assert cost("nanoseg", 960) > cost("nanoseg", 480)
    assert cost("linknet", 480) > cost("enet", 480) > cost("fastlinknet", 480) > cost("nanoseg", 480)
    assert cost("nanoseg", 480, width=2.0) > cost("nanoseg", 480)


def test_lanes_end_together():
    """The students' costs of the laptop run (linknet, nanoseg, mobileseg, enet, fastlinknet): a
    shared queue longest first ends at 1731; the best split of them into two lanes at 1597."""
    costs = [895, 589, 702, 488, 440]
    lanes = balanced_lanes(costs, 2)
    assert sorted(i for lane in lanes for i in lane) == list(range(5))
    assert max(sum(costs[i] for i in lane) for lane in lanes) == 1597
    assert all([costs[i] for i in lane] == sorted((costs[i] for i in lane), reverse=True) for lane in lanes)
    # Too many jobs to try every split: longest first onto the least loaded lane.
    many = balanced_lanes([1.0] * 20, 2)
    assert [len(lane) for lane in many] == [10, 10]
    assert balanced_lanes([3.0], 2) == [[0], []]


def test_warmup_then_cosine_to_zero():
    schedule = WarmupCosine(1e-2, total_steps=100, warmup_steps=10)
    values = [float(schedule(step)) for step in (0, 9, 10, 55, 99, 100)]
    assert values[0] == pytest.approx(1e-3) and values[1] == pytest.approx(1e-2)
    assert values[2] == pytest.approx(1e-2) and values[3] == pytest.approx(5e-3, rel=0.05)
    assert values[4] < 1e-5 and values[5] == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("loss", ["ce", "iou"])
def test_training_learns_the_tiny_task_across_resolutions(tiny_files, loss, tmp_path):
    composites, split = tiny_files
    val_x, val_y = load_tiny_split(composites, split, "val")
    keras.utils.set_random_seed(0)
    before = evaluate_model(keras_predict_fn(tiny_net()), val_x, val_y, 4)
    keras.utils.set_random_seed(0)
    r = recipe()
    result = train_model(
        builder(),
        datasets(composites, split, r),
        val_x,
        val_y,
        r,
        loss=loss,
        eval_batch=4,
        live_dir=tmp_path / "live",
        progress=False,
    )
    assert result.best_val["iou"] > max(0.6, before["iou"] + 0.1)
    assert result.epochs_run == 4 and result.images_seen == r.images_planned() == 480
    assert [row["px"] for row in result.history] == [16, 16, 32, 32]
    # The returned model is built at the validation size and holds the best evaluation's weights.
    assert result.model.input_shape[1:3] == (SIZE, SIZE)
    again = evaluate_model(keras_predict_fn(result.model), val_x, val_y, 4)
    assert again["iou"] == pytest.approx(result.best_val["iou"])
    curve = (tmp_path / "live" / "plots" / "metrics" / "val_iou.tsv").read_text().splitlines()
    assert len(curve) == 1 + 4
    assert not (tmp_path / "live" / "dvc.yaml").exists()


def test_distillation_from_cached_logits_trains_the_student(tiny_files, tmp_path):
    from footseg.train.teacher_logits import cache_teacher_logits

    composites, split = tiny_files
    val_x, val_y = load_tiny_split(composites, split, "val")
    keras.utils.set_random_seed(1)
    r = recipe()
    teacher = train_model(builder("teacher", 16), datasets(composites, split, r), val_x, val_y, r, progress=False).model
    train_x, _ = load_tiny_split(composites, split, "train")
    cache = cache_teacher_logits(teacher, composites, split, tmp_path / "cache.npy", batch=4, progress=False)
    online = np.asarray(teacher(train_x.astype(np.float32), training=False))
    np.testing.assert_allclose(np.load(cache), online[..., 1] - online[..., 0], atol=2e-2)
    result = train_model(
        builder("student"),
        datasets(composites, split, r, cache),
        val_x,
        val_y,
        r,
        loss="distillation",
        temperature=2.0,
        lam=0.5,
        progress=False,
    )
    assert result.best_val["iou"] > 0.5
    assert result.model.output_shape == (None, SIZE, SIZE, 2)  # the student itself, not the wrapper


def test_augmented_batches_are_deterministic_and_aligned(tiny_files, tmp_path):
    """The warp moves image, mask and cached logits together: the logits cache here IS the mask, so
    after augmentation (logits > 0.5) must equal the warped mask up to resampling at the edges."""
    composites, split = tiny_files
    _, train_y = load_tiny_split(composites, split, "train")
    cache = tmp_path / "mask_as_logits.npy"
    np.save(cache, train_y.astype(np.float16))  # train split rows are ascending indices in tiny data
    spec = AugmentSpec(
        rotation_deg=30,
        scale=(0.7, 1.4),
        translate=0.2,
        jpeg_prob=0.5,
        blur_prob=0.5,
        saturation=(0.6, 1.4),  # the colour changes are off by default: exercise them here
        hue_deg=12,
        white_balance=0.08,
    )

    def first(seed):
        ds = make_training_dataset(
            composites, split, batch_size=4, size=48, seed=seed, augment=spec, teacher_logits=cache
        )
        (images, logits), masks = next(iter(ds))
        return images.numpy(), logits.numpy(), masks.numpy()

    a, b, c = first(5), first(5), first(6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    images, logits, masks = a
    assert images.shape == (4, 48, 48, 3) and logits.shape == (4, 48, 48, 2) and masks.shape == (4, 48, 48)
    assert 0 <= images.min() and images.max() <= 255
    agreement = np.mean((logits[..., 1] > 0.5) == (masks == 1))
    assert agreement > 0.97


@pytest.mark.parametrize(("low_res", "stripe"), [("crop", 8), ("resize", 4)])
def test_low_resolution_phases_crop_at_native_scale_or_resize(low_res, stripe):
    """A 32-px phase of 64-px composites: a crop keeps 8-px stripes 8 px wide, a resize halves them."""
    import tensorflow as tf

    from footseg.data.train_augment import augment_batch

    masks = np.broadcast_to((np.arange(64) // 8 % 2).astype(np.uint8), (2, 64, 64)).copy()
    images = np.repeat(masks[..., None] * 255, 3, axis=-1).astype(np.uint8)
    spec = AugmentSpec(flip=False, scale=(1.0, 1.0), rotation_deg=0, translate=0, low_res=low_res)
    _, out, _ = augment_batch(
        tf.constant(images), tf.constant(masks), None, spec=spec, size=32, seed=0, batch_number=tf.constant(0, tf.int64)
    )
    row = out.numpy()[0, 16]
    runs = np.diff(np.flatnonzero(np.diff(row) != 0))  # lengths of the inner stripes
    assert runs.size >= 2 and np.all(runs == stripe), row


def test_augment_config_takes_integer_ranges():
    """A dotlist's [1, 1] is ints; the spec must still build float tensors (identity warp here)."""
    import tensorflow as tf

    from footseg.data.train_augment import augment_batch

    spec = AugmentSpec.from_config({"scale": [1, 1], "rotation_deg": 0, "translate": 0, "gamma": [1, 1], "flip": False})
    images = np.random.default_rng(0).integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    masks = (images[..., 0] > 127).astype(np.uint8)
    _, out, _ = augment_batch(
        tf.constant(images), tf.constant(masks), None, spec=spec, size=32, seed=0, batch_number=tf.constant(0, tf.int64)
    )
    np.testing.assert_array_equal(out.numpy(), masks)


def test_augment_config_errors_name_the_key():
    with pytest.raises(FootsegError, match=r"train\.augment\.scale"):
        AugmentSpec.from_config({"scale": [1.2, 0.8]})
    with pytest.raises(FootsegError, match=r"train\.augment: unknown key"):
        AugmentSpec.from_config({"sharpen": 1})


def test_save_and_load_round_trip(tiny, tmp_path):
    (_, _), (val_x, _) = tiny
    model = tiny_net()
    model.compile(loss="sparse_categorical_crossentropy")
    path = tmp_path / "models" / "m.keras"
    save_model(model, path)
    assert [p.name for p in path.parent.iterdir()] == ["m.keras"]  # no temporary left behind
    loaded = load_model(path)
    np.testing.assert_allclose(
        loaded.predict(val_x[:2].astype(np.float32), verbose=0),
        model.predict(val_x[:2].astype(np.float32), verbose=0),
        rtol=1e-5,
    )


def test_load_model_errors_name_the_file(tmp_path):
    with pytest.raises(FootsegError, match="missing.keras"):
        load_model(tmp_path / "missing.keras")
    bad = tmp_path / "bad.keras"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FootsegError, match="bad.keras"):
        load_model(bad)


def test_set_bn_momentum_reaches_nested_models():
    from footseg.train.batch_norm import set_bn_momentum

    inner_in = keras.Input((SIZE, SIZE, 3))
    inner = keras.Model(inner_in, keras.layers.BatchNormalization()(inner_in))
    outer_in = keras.Input((SIZE, SIZE, 3))
    outer = keras.Model(outer_in, keras.layers.BatchNormalization()(inner(outer_in)))
    assert set_bn_momentum(outer, 0.9) == 2
    assert inner.layers[-1].momentum == 0.9 and outer.layers[-1].momentum == 0.9


def test_fused_batch_norm_trains_like_keras():
    """One training step of a conv+BN model on the fused kernel matches Keras' own layer: outputs,
    gradients and moving statistics; inference is untouched and the saved layer stays stock."""
    import tensorflow as tf

    from footseg.train.batch_norm import fuse_batch_norm, set_bn_momentum

    def build():
        keras.utils.set_random_seed(3)
        inputs = keras.Input((SIZE, SIZE, 3))
        # No conv bias: a bias before BN has no gradient but noise.
        x = keras.layers.Conv2D(8, 3, padding="same", use_bias=False)(inputs)
        x = keras.layers.BatchNormalization()(x)
        inner = keras.Model(inputs, keras.layers.ReLU()(x))
        return keras.Model(inputs, keras.layers.BatchNormalization(scale=False)(inner(inputs)))

    rng = np.random.default_rng(0)
    images = rng.normal(2.0, 3.0, (4, SIZE, SIZE, 3)).astype(np.float32)
    weights = rng.normal(size=(4, SIZE, SIZE, 8)).astype(np.float32)  # a loss BN cannot normalise away
    stock, fused = build(), build()
    for model in (stock, fused):
        set_bn_momentum(model, 0.5)
    assert fuse_batch_norm(fused) == 2
    results = []
    for model in (stock, fused):
        with tf.GradientTape() as tape:
            out = model(images, training=True)
            loss = tf.reduce_sum(out * weights)
        grads = tape.gradient(loss, model.trainable_variables)
        results.append((out.numpy(), [g.numpy() for g in grads], [v.numpy() for v in model.non_trainable_variables]))
    (out_a, grads_a, stats_a), (out_b, grads_b, stats_b) = results
    np.testing.assert_allclose(out_b, out_a, atol=1e-4)
    # Relative to the largest gradient: BN's gamma gradient is a sum that nearly cancels, so the two
    # kernels' float32 summation orders alone move it by ~1e-5 of the terms' scale.
    scale = max(np.abs(g).max() for g in grads_a)
    for a, b in zip(grads_a, grads_b):
        np.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-4 * scale)
    for a, b in zip(stats_a, stats_b):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5)
    assert not np.allclose(stats_b[1], 1.0)  # the moving variance did move
    np.testing.assert_allclose(fused(images, training=False).numpy(), stock(images, training=False).numpy(), atol=1e-5)
    assert type(fused.layers[-1]) is keras.layers.BatchNormalization
