"""footseg.train.search: the thesis' space, trial records as JSON, rand/tpe, and SparkTrials in local mode."""

from __future__ import annotations

import importlib.util
import json
import math
import sys

import pytest

from footseg.errors import FootsegError
from footseg.train.search import build_space, flatten_params, run_search


def quadratic(params: dict) -> dict:
    """Cheap objective: best near lr = 1e-3, dropout = 0.2; reports a fake val IoU."""
    loss = (math.log10(params["lr"]) + 3) ** 2 + (params["dropout"] - 0.2) ** 2
    return {"loss": loss, "val_iou": 1.0 / (1.0 + loss)}


@pytest.mark.parametrize("algo", ["rand", "tpe"])
def test_search_returns_best_params_and_every_trial(algo):
    best, trials = run_search(quadratic, build_space("ce"), trials=6, algo=algo, seed=3, progress=False)
    assert len(trials) == 6
    json.dumps([best, trials])  # plain JSON types only (no numpy floats, no hp.choice indices)
    assert set(best) == {"lr", "dropout", "loss"} and best["loss"] == "ce"
    assert 1e-6 <= best["lr"] <= 1e-2 and 0.0 <= best["dropout"] <= 0.5
    best_trial = min(trials, key=lambda t: t["loss"])
    assert best_trial["params"] == best
    assert {"tid", "status", "params", "loss", "val_iou", "seconds"} <= set(best_trial)


def test_same_seed_same_trials():
    a = run_search(quadratic, build_space("distillation"), trials=4, algo="rand", seed=7, progress=False)
    b = run_search(quadratic, build_space("distillation"), trials=4, algo="rand", seed=7, progress=False)
    assert [t["params"] for t in a[1]] == [t["params"] for t in b[1]]


def test_distillation_space_has_temperature_and_lambda_in_range():
    _, trials = run_search(quadratic, build_space("distillation"), trials=5, algo="rand", seed=1, progress=False)
    for trial in trials:
        params = trial["params"]
        assert params["loss"] == "distillation"
        assert 1.0 <= params["temperature"] <= 100.0 and 0.0 <= params["lam"] <= 10.0


def test_search_loss_lets_hyperopt_pick_the_loss():
    seen = set()
    _, trials = run_search(quadratic, build_space("search"), trials=12, algo="rand", seed=0, progress=False)
    for trial in trials:
        params = trial["params"]
        seen.add(params["loss"])
        assert ("temperature" in params) == (params["loss"] == "distillation")
    assert seen == {"ce", "iou", "distillation"}


def test_flatten_params_casts():
    import numpy as np

    flat = flatten_params({"lr": np.float64(0.1), "dropout": 0, "loss": {"name": "iou"}})
    assert flat == {"lr": 0.1, "dropout": 0.0, "loss": "iou"} and type(flat["lr"]) is float


def test_bad_settings_name_the_key():
    with pytest.raises(FootsegError, match="search.algo"):
        run_search(quadratic, build_space("ce"), trials=1, algo="anneal")
    with pytest.raises(FootsegError, match="search.backend"):
        run_search(quadratic, build_space("ce"), trials=1, backend="ray")
    with pytest.raises(FootsegError, match="search.mongo_url"):
        run_search(quadratic, build_space("ce"), trials=1, backend="mongo")
    with pytest.raises(FootsegError, match="loss"):
        build_space("dice")


@pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="pyspark not installed (extra 'spark')")
def test_spark_trials_in_local_mode():
    from pyspark import cloudpickle

    # Spark's Python workers cannot import this test module: ship the objective by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    best, trials = run_search(
        quadratic, build_space("iou"), trials=2, algo="rand", seed=0, backend="spark", parallelism=2, progress=False
    )
    assert len(trials) == 2 and all(t["status"] == "ok" for t in trials)
    assert best["loss"] == "iou"
    json.dumps([best, trials])


@pytest.mark.parametrize("loss", ["ce", "distillation", "search"])
def test_start_point_is_the_first_trial(loss):
    from footseg.train.search import start_point

    start = {"lr": 1e-3, "dropout": 0.1, "temperature": 2.0, "lam": 0.25}
    _, trials = run_search(
        quadratic,
        build_space(loss),
        trials=3,
        algo="tpe",
        seed=0,
        progress=False,
        points_to_evaluate=[start_point(start, loss)],
    )
    assert len(trials) == 3
    first = trials[0]["params"]
    assert first["lr"] == pytest.approx(1e-3) and first["dropout"] == pytest.approx(0.1)
    if loss != "ce":
        assert first["loss"] == "distillation" and first["temperature"] == 2.0 and first["lam"] == 0.25
