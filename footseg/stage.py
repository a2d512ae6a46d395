"""What every DVC stage does before its work: check the seed, and remove the temporaries a killed
run of this stage left beside its outputs.

footseg.io writes each output into a sibling ``.<name>.tmp-XXXX`` and renames it at the end; a
SIGKILL (OOM killer, a closed laptop, Ctrl-\\) skips the clean-up, so the next run of the same
stage removes them before it writes anything (241 MB per killed composite-feet otherwise).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any, Iterable

from .errors import require

SEED_MAX = 2**32 - 1  # numpy's SeedSequence and Keras take any int; TF ops want 32-bit seeds


def check_seed(value: Any, key: str = "seed") -> int:
    """``value`` as an int in [0, 2**32 - 1], or FootsegError naming ``key``.

    Strings ("abc"), floats (42.7 would silently become 42) and booleans are refused.
    """
    require(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= SEED_MAX,
        f"{key} must be an integer in [0, {SEED_MAX}], got {value!r}",
    )
    return int(value)


def stale_temporaries(outputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The ``.<name>.tmp-*`` siblings of ``outputs`` (what footseg.io's atomic writers create)."""
    found: list[Path] = []
    for output in outputs:
        output = Path(output)
        if output.parent.is_dir():
            found.extend(sorted(output.parent.glob(f".{output.name}.tmp-*")))
    return found


def remove_stale_temporaries(outputs: Iterable[str | os.PathLike[str]]) -> list[Path]:
    """Delete what :func:`stale_temporaries` finds; returns what was removed.

    Only this stage's own outputs are looked at, so another stage's run in flight is never touched
    (DVC runs one stage of a workspace at a time).
    """
    removed = stale_temporaries(outputs)
    for path in removed:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return removed


def begin_stage(cfg: Any, outputs: Iterable[str | os.PathLike[str]], *, seed: bool = True) -> int | None:
    """Check ``cfg.seed`` (when the stage uses it) and clear stale temporaries of ``outputs``.

    Returns the seed (None with ``seed=False``). Call first in a stage, before any slow import.
    """
    value = check_seed(cfg.get("seed")) if seed else None
    remove_stale_temporaries(outputs)
    return value
