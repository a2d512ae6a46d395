"""Run a stage script (or `footseg`) and SIGKILL it at a chosen moment, as the OOM killer would.

    python tests/kill_at.py EVENT SCRIPT [ARGS...]

EVENT ``temp``: right after the first footseg temporary (``.<out>.tmp-*``) is created, i.e. as the
stage starts writing; ``replace``: at the first os.replace, when a temporary is full and about to
be renamed. Only the main process dies at the event (worker processes are left to the kernel).
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import tempfile

EVENT, SCRIPT, ARGS = sys.argv[1], sys.argv[2], sys.argv[3:]
MAIN = os.getpid()


def die() -> None:
    if os.getpid() == MAIN:
        sys.stdout.flush()
        os.kill(MAIN, signal.SIGKILL)


def ours(prefix: object) -> bool:
    return isinstance(prefix, str) and prefix.startswith(".") and ".tmp-" in prefix


if EVENT == "temp":
    for name in ("mkdtemp", "mkstemp"):
        original = getattr(tempfile, name)

        def patched(*args, _original=original, **kwargs):
            result = _original(*args, **kwargs)
            if ours(kwargs.get("prefix", args[1] if len(args) > 1 else None)):
                die()
            return result

        setattr(tempfile, name, patched)
elif EVENT == "replace":
    original_replace = os.replace

    def patched_replace(src, dst, *args, **kwargs):
        die()
        return original_replace(src, dst, *args, **kwargs)

    os.replace = patched_replace
else:
    raise SystemExit(f"unknown event {EVENT!r}")

sys.argv = [SCRIPT, *ARGS]
if SCRIPT == "footseg":
    from footseg.cli import main

    sys.exit(main(ARGS))
runpy.run_path(SCRIPT, run_name="__main__")
