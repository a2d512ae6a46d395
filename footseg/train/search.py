"""Hyperparameter search with hyperopt over the thesis' space, on one machine or scaled out.

Space (Demborg 2018): lr log-uniform in [1e-6, 1e-2], dropout uniform in [0, cap), and when
distilling T uniform in [1, 100] and lambda uniform in [0, 10]; with loss "search" hyperopt also
picks the loss (ce | iou | distillation, T and lambda only on the distillation branch).

Backends: ``local`` (hyperopt.Trials, sequential), ``spark`` (hyperopt.SparkTrials: trials run in
parallel on a Spark cluster, or in local mode on this machine; needs the ``spark`` extra),
``mongo`` (hyperopt.mongoexp.MongoTrials: workers started with ``hyperopt-mongo-worker`` on any
machine pull trials from MongoDB). The objective must be picklable for spark and mongo.
"""

from __future__ import annotations

import contextlib
import logging
import math
import sys
import time
from typing import Any, Callable, Iterator

import numpy as np

from ..errors import FootsegError

ALGOS = ("rand", "tpe")
BACKENDS = ("local", "spark", "mongo")
SEARCH_LOSSES = ("ce", "iou", "distillation")

# The thesis' ranges; dropout's upper end is capped by config (0.99 dropout only wastes trials).
DEFAULT_RANGES: dict[str, tuple[float, float]] = {
    "lr": (1e-6, 1e-2),
    "dropout": (0.0, 0.5),
    "temperature": (1.0, 100.0),
    "lam": (0.0, 10.0),
}


def build_space(loss: str, ranges: dict[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """The hyperopt space for a student trained with ``loss`` (ce | iou | distillation | search)."""
    from hyperopt import hp

    r = {**DEFAULT_RANGES, **(ranges or {})}

    def distill_params(prefix: str = "") -> dict[str, Any]:
        return {
            "temperature": hp.uniform(f"{prefix}temperature", *r["temperature"]),
            "lam": hp.uniform(f"{prefix}lam", *r["lam"]),
        }

    space: dict[str, Any] = {
        "lr": hp.loguniform("lr", math.log(r["lr"][0]), math.log(r["lr"][1])),
        "dropout": hp.uniform("dropout", *r["dropout"]),
    }
    if loss == "search":
        space["loss"] = hp.choice(
            "loss",
            [
                {"name": "ce"},
                {"name": "iou"},
                {"name": "distillation", **distill_params()},
            ],
        )
    elif loss == "distillation":
        space["loss"] = {"name": "distillation", **distill_params()}
    elif loss in ("ce", "iou"):
        space["loss"] = {"name": loss}
    else:
        raise FootsegError(f"loss must be one of ce, iou, distillation, search; got {loss!r}")
    return space


def flatten_params(params: dict[str, Any]) -> dict[str, Any]:
    """A sampled point as plain JSON types: {"lr", "dropout", "loss", ["temperature", "lam"]}."""
    loss = dict(params["loss"])
    flat: dict[str, Any] = {
        "lr": float(params["lr"]),
        "dropout": float(params["dropout"]),
        "loss": str(loss.pop("name")),
    }
    flat.update({k: float(v) for k, v in loss.items()})
    return flat


def start_point(params: dict[str, Any], loss: str) -> dict[str, Any]:
    """``params`` ({"lr", "dropout"[, "temperature", "lam"]}) as a hyperopt point_to_evaluate for
    the space of ``loss``: the search tries it first, so it can only improve on it."""
    point = {"lr": float(params["lr"]), "dropout": float(params["dropout"])}
    if loss in ("distillation", "search"):
        point.update(temperature=float(params["temperature"]), lam=float(params["lam"]))
    if loss == "search":
        point["loss"] = SEARCH_LOSSES.index("distillation")
    return point


def _make_trials(
    backend: str,
    parallelism: int,
    mongo_url: str | None,
    exp_key: str | None,
    points_to_evaluate: list[dict[str, Any]] | None = None,
):
    if backend == "local":
        from hyperopt import Trials
        from hyperopt.fmin import generate_trials_to_calculate

        # fmin ignores points_to_evaluate when given a Trials object: seed the object instead.
        return generate_trials_to_calculate(points_to_evaluate) if points_to_evaluate else Trials()
    if backend == "spark":
        try:
            from hyperopt import SparkTrials
        except ImportError:  # pragma: no cover - hyperopt always ships it
            raise FootsegError("search.backend=spark needs hyperopt's SparkTrials") from None
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise FootsegError("search.backend=spark needs pyspark: pip install 'footseg[spark]'") from None
        return SparkTrials(parallelism=parallelism)
    if backend == "mongo":
        if not mongo_url:
            raise FootsegError("search.backend=mongo needs search.mongo_url (mongo://host:port/db/jobs)")
        try:
            from hyperopt.mongoexp import MongoTrials
        except ImportError as exc:
            raise FootsegError(f"search.backend=mongo needs pymongo ({exc}): pip install pymongo") from None
        return MongoTrials(mongo_url, exp_key=exp_key)
    raise FootsegError(f"search.backend must be one of {', '.join(BACKENDS)}; got {backend!r}")


def _trial_records(trials: Any, space: dict[str, Any]) -> list[dict[str, Any]]:
    from hyperopt import space_eval

    records = []
    for trial in trials.trials:
        vals = {k: v[0] for k, v in trial["misc"]["vals"].items() if len(v)}
        result = dict(trial.get("result") or {})
        record = {"tid": int(trial["tid"]), "status": str(result.pop("status", "unknown"))}
        if vals:
            record["params"] = flatten_params(space_eval(space, vals))
        record.update({k: _plain(v) for k, v in result.items()})
        records.append(record)
    return records


def _plain(value: Any) -> Any:
    """numpy scalars and nested containers -> JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@contextlib.contextmanager
def _stderr_progress(initial: int, total: int) -> Iterator[Any]:
    """hyperopt's trial bar on stderr (its default writes to stdout, the stage's summary channel)."""
    from tqdm import tqdm

    with tqdm(
        total=total,
        initial=initial,
        unit="trial",
        desc="search",
        file=sys.stderr,
        dynamic_ncols=True,
        postfix={"best loss": "?"},
    ) as bar:
        yield bar


def run_search(
    objective: Callable[[dict[str, Any]], dict[str, Any]],
    space: dict[str, Any],
    *,
    trials: int,
    algo: str = "tpe",
    seed: int = 0,
    backend: str = "local",
    parallelism: int = 2,
    mongo_url: str | None = None,
    exp_key: str | None = None,
    progress: bool = True,
    points_to_evaluate: list[dict[str, Any]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Minimise ``objective`` over ``space`` for ``trials`` evaluations.

    ``objective`` receives flattened params (see ``flatten_params``) and returns a dict with at least
    "loss" (lower is better); the other keys are kept in the trial records. Returns (best params,
    every trial as {"tid", "status", "params", "loss", ...}), all plain JSON types.
    ``points_to_evaluate`` (see ``start_point``) are tried first and count towards ``trials``
    (local backend with trials > len(points); otherwise the search starts from random points).
    """
    from hyperopt import STATUS_OK, fmin, rand, space_eval, tpe

    if algo not in ALGOS:
        raise FootsegError(f"search.algo must be one of {', '.join(ALGOS)}; got {algo!r}")
    if trials < 1:
        raise FootsegError(f"search.trials must be >= 1 to search, got {trials}")

    def wrapped(params: dict[str, Any]) -> dict[str, Any]:
        start = time.perf_counter()
        result = dict(objective(flatten_params(params)))
        result.setdefault("status", STATUS_OK)
        result.setdefault("seconds", time.perf_counter() - start)
        return _plain(result)

    # hyperopt logs every TPE step at INFO; the stage's stdout carries only its summary line.
    for logger in ("hyperopt", "hyperopt-spark", "py4j"):
        logging.getLogger(logger).setLevel(logging.WARNING)
    # Seeded points come on top of fmin's max_evals; with no room left for a search, skip them.
    points = list(points_to_evaluate or []) if backend == "local" and trials > len(points_to_evaluate or []) else []
    hyperopt_trials = _make_trials(backend, parallelism, mongo_url, exp_key, points)
    try:
        best = fmin(
            wrapped,
            space,
            algo={"rand": rand.suggest, "tpe": tpe.suggest}[algo],
            max_evals=trials - len(points),
            trials=hyperopt_trials,
            rstate=np.random.default_rng(seed),
            show_progressbar=_stderr_progress if progress else False,
        )
    except Exception as exc:
        # Distributed backends record a failing objective and fmin then finds no result.
        if "no evaluation tasks" not in str(exc):
            raise
        raise FootsegError(f"search: all {trials} trials failed on backend {backend!r} (see the log above)") from None
    best_params = flatten_params(space_eval(space, best))
    return best_params, _trial_records(hyperopt_trials, space)
