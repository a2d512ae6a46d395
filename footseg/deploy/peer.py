"""`footseg fetch-peer`: MediaPipe's selfie segmenter, taken from the mediapipe==0.10.14 wheel.

``pip download --no-deps`` fetches the wheel into a temporary folder (a package registry, never a
model hub) and only the one .tflite file is extracted: mediapipe itself is not installed, so its
dependency pins cannot clash with ours. ``pip install footseg[peer]`` installs the same wheel.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from ..errors import FootsegError, require

PEER_PACKAGE = "mediapipe==0.10.14"
PEER_MEMBER = "mediapipe/modules/selfie_segmentation/selfie_segmentation.tflite"
DEFAULT_OUT = Path("peer/selfie_segmentation.tflite")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "-o",
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help=f"where to write the .tflite (default {DEFAULT_OUT}, bench.peer_model's default)",
    )
    parser.add_argument(
        "--wheel", type=Path, help="use this already downloaded mediapipe wheel instead of pip download"
    )


def download_command(dest: Path) -> list[str]:
    """The pip command that fetches the wheel (no dependencies, nothing installed)."""
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", PEER_PACKAGE, "-d", str(dest)]


def extract_from_wheel(wheel: Path, out: Path) -> Path:
    """Copy the selfie segmenter out of a mediapipe wheel into ``out`` (atomically)."""
    from ..io import atomic_file

    try:
        with zipfile.ZipFile(wheel) as archive:
            try:
                data = archive.read(PEER_MEMBER)
            except KeyError:
                raise FootsegError(f"{wheel}: has no {PEER_MEMBER} (expected a {PEER_PACKAGE} wheel)") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise FootsegError(f"{wheel}: not a readable wheel ({exc})") from None
    with atomic_file(out) as tmp:
        tmp.write_bytes(data)
    return out


def fetch_peer(out: Path, wheel: Path | None = None) -> Path:
    """Download (unless ``wheel`` is given) the mediapipe wheel and extract the peer model to ``out``."""
    if wheel is not None:
        require(wheel.is_file(), f"{wheel}: file not found")
        return extract_from_wheel(wheel, out)
    with tempfile.TemporaryDirectory(prefix="footseg-peer-") as tmp:
        proc = subprocess.run(download_command(Path(tmp)), capture_output=True, text=True)
        if proc.returncode != 0:
            detail = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
            raise FootsegError(f"pip download {PEER_PACKAGE} failed: {detail}")
        wheels = sorted(Path(tmp).glob("mediapipe-*.whl"))
        require(len(wheels) == 1, f"pip download {PEER_PACKAGE} left no single wheel in {tmp}")
        return extract_from_wheel(wheels[0], out)


def run(args: argparse.Namespace) -> int:
    path = fetch_peer(args.out, args.wheel)
    print(f"fetch-peer: {PEER_MEMBER} from {PEER_PACKAGE} -> {path} ({path.stat().st_size / 1e3:.0f} kB)")
    return 0
