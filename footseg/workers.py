"""Side-by-side TensorFlow jobs (the students, the export of each model): a pool of spawned worker
processes, each with its share of the cores. On 2 cores two single-threaded processes get through
~1.6x the work of one process with two threads: small convolutions do not scale across threads.
Spawned, because a forked TensorFlow runtime deadlocks."""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any


def init_threads(threads: int) -> None:
    """Size this process' TensorFlow thread pools (before TensorFlow runs anything)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def threads_per_worker(workers: int) -> int:
    """Each of ``workers`` side-by-side processes' share of the cores (at least one thread)."""
    return max(1, (os.cpu_count() or workers) // workers)


def spawn_pool(workers: int, threads: int | None = None) -> Any:
    """A pool of ``workers`` fresh processes with ``threads`` threads each (default: cores / workers);
    one task per process, so each task starts from a clean TensorFlow runtime."""
    threads = threads or threads_per_worker(workers)
    context = multiprocessing.get_context("spawn")
    return context.Pool(workers, initializer=init_threads, initargs=(threads,), maxtasksperchild=1)


def balanced_lanes(costs: Sequence[float], lanes: int) -> list[list[int]]:
    """The indices of ``costs`` split into ``lanes`` lists (each costliest first) so that the
    costliest list is as cheap as possible: every assignment is tried when there are few jobs,
    else longest first onto the least loaded lane. A shared queue, even longest first, can leave
    one core idle for a whole run at the end (the laptop's five students: one core idled for the
    last 7 minutes)."""
    order = sorted(range(len(costs)), key=lambda i: -costs[i])
    if lanes ** len(costs) <= 100_000:

        def load(assign: tuple[int, ...]) -> float:
            return max(sum(costs[i] for i, lane in zip(order, assign) if lane == k) for k in range(lanes))

        best = min(itertools.product(range(lanes), repeat=len(costs)), key=load)
    else:
        totals, best = [0.0] * lanes, []
        for i in order:
            lane = totals.index(min(totals))
            totals[lane] += costs[i]
            best.append(lane)
    return [[i for i, lane in zip(order, best) if lane == k] for k in range(lanes)]


def run_in_lanes(func: Callable[..., Any], tasks: Sequence[tuple], costs: Sequence[float], workers: int) -> list[Any]:
    """``func(*task)`` for every task, in ``workers`` lanes side by side (``balanced_lanes`` of the
    costs), each task in a fresh spawned process with cores / workers threads. Results in task order."""
    threads = threads_per_worker(workers)

    def run_lane(lane: list[int]) -> list[tuple[int, Any]]:
        done = []
        for i in lane:
            with spawn_pool(1, threads) as pool:
                done.append((i, pool.apply(func, tasks[i])))
        return done

    lanes = [lane for lane in balanced_lanes(costs, workers) if lane]
    with ThreadPoolExecutor(len(lanes)) as executor:
        results = dict(pair for done in executor.map(run_lane, lanes) for pair in done)
    return [results[i] for i in range(len(tasks))]
