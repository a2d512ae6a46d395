"""Side-by-side TensorFlow jobs (the students, the export of each model): a pool of spawned worker
processes, each with its share of the cores. On 2 cores two single-threaded processes get through
~1.6x the work of one process with two threads: small convolutions do not scale across threads.
Spawned, because a forked TensorFlow runtime deadlocks."""

from __future__ import annotations

import multiprocessing
import os
from typing import Any


def init_threads(threads: int) -> None:
    """Size this process' TensorFlow thread pools (before TensorFlow runs anything)."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)


def spawn_pool(workers: int, threads: int | None = None) -> Any:
    """A pool of ``workers`` fresh processes with ``threads`` threads each (default: cores / workers);
    one task per process, so each task starts from a clean TensorFlow runtime."""
    threads = threads or max(1, (os.cpu_count() or workers) // workers)
    context = multiprocessing.get_context("spawn")
    return context.Pool(workers, initializer=init_threads, initargs=(threads,), maxtasksperchild=1)
