"""Writing outputs so that a failed run leaves nothing half-written.

Every stage writes into a temporary sibling and renames it into place at the end: a crash or a
user error mid-way leaves the previous output (or nothing) behind, never a mix.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

# The image files read from a folder (real set, scans, local floors, `footseg predict`): what
# OpenCV and Pillow both decode; lower-case, compared with a path's lower-cased suffix.
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _as_if_created_normally(path: Path, mode: int) -> None:
    """mkstemp/mkdtemp create private (0600/0700) paths; give outputs the usual umask-based mode."""
    os.chmod(path, mode & ~_umask())


@contextlib.contextmanager
def atomic_dir(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty temporary directory that replaces ``final`` only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.tmp-", dir=final.parent))
    _as_if_created_normally(tmp, 0o777)
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if final.is_dir() and not final.is_symlink():
        shutil.rmtree(final)
    elif final.exists() or final.is_symlink():
        final.unlink()
    os.replace(tmp, final)


@contextlib.contextmanager
def atomic_file(final: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that is renamed to ``final`` only if the block succeeds."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{final.name}.tmp-", dir=final.parent)
    os.close(fd)
    tmp = Path(name)
    _as_if_created_normally(tmp, 0o666)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, final)


def dumps_json(obj: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, trailing newline (same input, same bytes)."""
    return json.dumps(obj, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write_json(path: str | os.PathLike[str], obj: Any) -> None:
    """Write ``obj`` as stable JSON, atomically."""
    with atomic_file(path) as tmp:
        tmp.write_text(dumps_json(obj), encoding="utf-8")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read JSON, turning a missing or corrupt file into a one-line FootsegError."""
    from .errors import FootsegError

    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FootsegError(f"{path}: file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FootsegError(f"{path}: not valid JSON ({exc})") from None


def check_keras_file(path: str | os.PathLike[str]) -> None:
    """FootsegError unless ``path`` is a whole .keras zip archive.

    Keras answers "File not found" for a .keras file that is there but cut short (no zip
    directory at its end), which sends the user looking in the wrong place.
    """
    import zipfile

    from .errors import FootsegError

    path = Path(path)
    if not path.is_file():
        raise FootsegError(f"{path}: model file not found")
    if path.suffix == ".keras" and not zipfile.is_zipfile(path):
        raise FootsegError(
            f"{path}: not a complete .keras file ({path.stat().st_size} bytes, no zip directory: "
            "truncated or corrupt); run the stage that writes it again"
        )
