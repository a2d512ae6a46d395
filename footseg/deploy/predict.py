"""`footseg predict MODEL.tflite INPUT -o OUT`: segment images, a folder of images or a video.

For an image ``foo.jpg``: OUT/foo.jpg.mask.png (0/255 at the image's size) and
OUT/foo.jpg.overlay.png (the foot tinted); the whole input name is kept, so foo.jpg and foo.png
never overwrite each other. For a video ``clip.mp4``: OUT/clip.mp4.overlay.mp4 and
OUT/clip.mp4.mask.mp4. Every input is checked before anything is written. Frames
are resized to the model's input, segmented, and the mask resized back (nearest neighbour). The
frames per second of the model (invoke only) and end to end are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import FootsegError, require
from ..io import IMAGE_SUFFIXES

OVERLAY_COLOUR = np.array([0, 255, 0], dtype=np.float32)  # RGB
OVERLAY_ALPHA = 0.5


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help="an exported .tflite file (exported/<model>.<precision>.tflite)")
    parser.add_argument("input", type=Path, help="an image, a folder of images, or a video")
    parser.add_argument("-o", "--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--threads", default="all", help="interpreter threads: a positive integer or 'all' (default)")
    parser.add_argument("--interpreter", default="tflite", choices=["tflite", "litert"], help="default: tflite")
    parser.add_argument(
        "--input-range",
        type=float,
        default=255.0,
        help="float models only: the pixel range the model expects (255 for footseg models, 1 for MediaPipe's)",
    )


def overlay(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """RGB uint8 image with the mask's pixels blended towards green."""
    out = image.astype(np.float32)
    sel = mask.astype(bool)
    out[sel] = (1 - OVERLAY_ALPHA) * out[sel] + OVERLAY_ALPHA * OVERLAY_COLOUR
    return out.astype(np.uint8)


def segment(model: Any, rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """(mask (H,W) uint8 0/1 at the frame's size, seconds spent in the model) for one RGB frame."""
    from footseg.data.frames import frame_to_input, input_to_frame

    small = frame_to_input(rgb, model.input_size)  # the one frame -> input convention (squash)
    model.set_input(small)
    start = time.perf_counter()
    model.invoke()
    seconds = time.perf_counter() - start
    labels = model.labels_from_output(model.output())
    mask = input_to_frame(labels, rgb.shape)
    return mask, seconds


def _read_image(path: Path) -> np.ndarray | None:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _video_frames(path: Path) -> tuple[Any, float] | None:
    """(an opened cv2.VideoCapture that yields at least one frame, its fps) or None."""
    import cv2

    capture = cv2.VideoCapture(str(path))
    if not capture.isOpened():
        return None
    ok, _ = capture.read()
    if not ok:
        capture.release()
        return None
    capture.set(cv2.CAP_PROP_POS_FRAMES, 0)
    return capture, float(capture.get(cv2.CAP_PROP_FPS) or 25.0)


def _inputs(path: Path) -> list[Path]:
    require(path.exists(), f"{path}: no such file or folder")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
        require(len(files) > 0, f"{path}: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in this folder")
        return files
    return [path]


def _kind(path: Path) -> str | None:
    """ "image", "video", or None for a file OpenCV cannot read as either."""
    if (path.suffix.lower() in IMAGE_SUFFIXES or not path.suffix) and _read_image(path) is not None:
        return "image"
    video = _video_frames(path)
    if video is not None:
        video[0].release()
        return "video"
    return "image" if _read_image(path) is not None else None  # an image with an unusual suffix


@contextlib.contextmanager
def _decoder_warnings_muted() -> Iterator[None]:
    """Silence fd 2 while probing: libjpeg and FFmpeg print half a dozen lines per bad file
    ("Premature end of JPEG file", "[mjpeg @ 0x...]") that would drown the one error line."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def check_inputs(paths: list[Path]) -> list[tuple[Path, str]]:
    """(path, kind) for every input, or one FootsegError naming the unreadable ones: checked before
    anything is written, so a bad file among good ones leaves no partial output."""
    from tqdm import tqdm

    kinds = []
    for path in tqdm(paths, desc="check inputs", unit="file", disable=len(paths) < 2, leave=False):
        with _decoder_warnings_muted():  # per file, so the progress bar itself still shows
            kinds.append((path, _kind(path)))
    bad = [path for path, kind in kinds if kind is None]
    if bad:
        more = (
            f" (and {len(bad) - 1} more: {', '.join(p.name for p in bad[1:6])}{', ...' if len(bad) > 6 else ''})"
            if len(bad) > 1
            else ""
        )
        raise FootsegError(f"{bad[0]}: not an image or a video that OpenCV can read{more}; nothing written")
    return kinds  # type: ignore[return-value]


def output_names(path: Path) -> dict[str, str]:
    """Output file names of one input: its whole file name plus a suffix, so a.jpg and a.png in
    one folder cannot overwrite each other (names in a folder are unique, so are these)."""
    return {
        "mask": f"{path.name}.mask.png",
        "overlay": f"{path.name}.overlay.png",
        "mask_video": f"{path.name}.mask.mp4",
        "overlay_video": f"{path.name}.overlay.mp4",
    }


def _write_png(path: Path, rgb_or_gray: np.ndarray) -> None:
    import cv2

    image = rgb_or_gray if rgb_or_gray.ndim == 2 else cv2.cvtColor(rgb_or_gray, cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", image)
    require(ok, f"{path}: could not encode PNG")
    path.write_bytes(data.tobytes())


def _frames(capture: Any) -> Iterator[np.ndarray]:
    import cv2

    while True:
        ok, bgr = capture.read()
        if not ok:
            return
        yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def predict_video(model: Any, capture: Any, fps: float, overlay_path: Path, mask_path: Path) -> tuple[int, float]:
    """Write the overlay and mask videos (into the caller's staging folder); (frames, seconds in the model)."""
    import cv2

    writers: list[Any] = []
    frames, model_seconds = 0, 0.0
    try:
        for rgb in _frames(capture):
            if not writers:
                size = (rgb.shape[1], rgb.shape[0])
                fourcc = cv2.VideoWriter_fourcc(*"mp4v")
                writers = [cv2.VideoWriter(str(p), fourcc, fps, size) for p in (overlay_path, mask_path)]
                require(all(w.isOpened() for w in writers), f"{overlay_path.parent}: cannot write mp4 video here")
            mask, seconds = segment(model, rgb)
            model_seconds += seconds
            frames += 1
            writers[0].write(cv2.cvtColor(overlay(rgb, mask), cv2.COLOR_RGB2BGR))
            writers[1].write(cv2.cvtColor(mask * 255, cv2.COLOR_GRAY2BGR))
    finally:
        capture.release()
        for writer in writers:
            writer.release()
    return frames, model_seconds


@contextlib.contextmanager
def _staging(out: Path) -> Iterator[Path]:
    """A temporary sibling ``.<out>.tmp-XXXX`` whose files move into ``out`` only when every input
    is done; a killed run leaves only the sibling, which the next predict into ``out`` removes first."""
    import tempfile

    require(not out.exists() or out.is_dir(), f"{out}: exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
        out.mkdir(exist_ok=True)
        for file in sorted(tmp.iterdir()):
            os.replace(file, out / file.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def predict(
    model_path: Path,
    input_path: Path,
    out: Path,
    *,
    threads: int | str = "all",
    interpreter: str = "tflite",
    input_range: float = 255.0,
) -> dict[str, float]:
    """Segment every image or video frame of ``input_path`` into ``out``: {"frames", "model_fps", "fps"}.

    Every input is checked first and outputs appear in ``out`` only when all are done: a bad file
    is one FootsegError and nothing is written.
    """
    from tqdm import tqdm

    from ..stage import remove_stale_temporaries
    from .interpreter import TFLiteModel, verify_tflite

    remove_stale_temporaries([out])  # what a killed predict into ``out`` left, as the stages do
    require(model_path.suffix == ".tflite", f"{model_path}: expected a .tflite model")
    verify_tflite(model_path)  # the cheap checks first: a bad file or input fails before TensorFlow loads
    inputs = check_inputs(_inputs(input_path))
    model = TFLiteModel(model_path, interpreter=interpreter, threads=threads, input_range=input_range)
    frames, model_seconds = 0, 0.0
    start = time.perf_counter()
    with _staging(out) as staged:
        for path, kind in tqdm(inputs, desc="predict", unit="file", disable=len(inputs) < 2):
            names = output_names(path)
            if kind == "video":
                capture, fps = _video_frames(path)  # type: ignore[misc]
                n, seconds = predict_video(
                    model, capture, fps, staged / names["overlay_video"], staged / names["mask_video"]
                )
                frames, model_seconds = frames + n, model_seconds + seconds
                continue
            rgb = _read_image(path)
            require(rgb is not None, f"{path}: could not be read again (changed while predicting?); nothing written")
            mask, seconds = segment(model, rgb)
            _write_png(staged / names["mask"], mask * 255)
            _write_png(staged / names["overlay"], overlay(rgb, mask))
            frames, model_seconds = frames + 1, model_seconds + seconds
    total = time.perf_counter() - start
    return {
        "frames": frames,
        "model_fps": frames / model_seconds if model_seconds > 0 else float("inf"),
        "fps": frames / total if total > 0 else float("inf"),
    }


def run(args: argparse.Namespace) -> int:
    threads: int | str = args.threads
    if threads != "all":
        try:
            threads = int(threads)
        except ValueError:
            raise FootsegError(f"--threads must be a positive integer or 'all', got {args.threads!r}") from None
        require(threads > 0, f"--threads must be a positive integer or 'all', got {threads}")
    stats = predict(
        args.model, args.input, args.out, threads=threads, interpreter=args.interpreter, input_range=args.input_range
    )
    print(
        f"predict: {stats['frames']} frames -> {args.out}; model {stats['model_fps']:.1f} fps, "
        f"end to end {stats['fps']:.1f} fps"
    )
    return 0
