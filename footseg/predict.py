"""`footseg predict MODEL.tflite INPUT -o OUT`: segment images, a folder of images or a video.

For an image ``foo.jpg``: OUT/foo.mask.png (0/255 at the image's size) and OUT/foo.overlay.png
(the foot tinted). For a video ``clip.mp4``: OUT/clip.overlay.mp4 and OUT/clip.mask.mp4. Frames
are resized to the model's input, segmented, and the mask resized back (nearest neighbour). The
frames per second of the model (invoke only) and end to end are printed.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .errors import FootsegError, require

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"}
OVERLAY_COLOUR = np.array([0, 255, 0], dtype=np.float32)  # RGB
OVERLAY_ALPHA = 0.5


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", type=Path, help="an exported .tflite file (exported/<model>.<precision>.tflite)")
    parser.add_argument("input", type=Path, help="an image, a folder of images, or a video")
    parser.add_argument("-o", "--out", type=Path, required=True, help="output folder (created)")
    parser.add_argument("--threads", default="all", help="interpreter threads: a positive integer or 'all' (default)")
    parser.add_argument("--interpreter", default="tflite", choices=["tflite", "litert"], help="default: tflite")
    parser.add_argument(
        "--input-range", type=float, default=255.0,
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
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        require(len(files) > 0, f"{path}: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in this folder")
        return files
    return [path]


def _write_png(path: Path, rgb_or_gray: np.ndarray) -> None:
    import cv2

    from .io import atomic_file

    image = rgb_or_gray if rgb_or_gray.ndim == 2 else cv2.cvtColor(rgb_or_gray, cv2.COLOR_RGB2BGR)
    with atomic_file(path) as tmp:
        ok, data = cv2.imencode(".png", image)
        require(ok, f"{path}: could not encode PNG")
        tmp.write_bytes(data.tobytes())


def _frames(capture: Any) -> Iterator[np.ndarray]:
    import cv2

    while True:
        ok, bgr = capture.read()
        if not ok:
            return
        yield cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def predict_video(model: Any, capture: Any, fps: float, stem: str, out: Path) -> tuple[int, float]:
    """Write OUT/<stem>.overlay.mp4 and OUT/<stem>.mask.mp4; (frames, seconds in the model)."""
    import cv2

    finals = [out / f"{stem}.overlay.mp4", out / f"{stem}.mask.mp4"]
    # OpenCV picks the container from the suffix, so the temporary names keep ".mp4".
    temps = [p.with_name(f".{p.stem}.tmp.mp4") for p in finals]
    writers: list[Any] = []
    frames, model_seconds = 0, 0.0
    try:
        for rgb in _frames(capture):
            if not writers:
                size = (rgb.shape[1], rgb.shape[0])
                fourcc = cv2.VideoWriter_fourcc(*"mp4v")
                writers = [cv2.VideoWriter(str(t), fourcc, fps, size) for t in temps]
                require(all(w.isOpened() for w in writers), f"{out}: cannot write mp4 video here")
            mask, seconds = segment(model, rgb)
            model_seconds += seconds
            frames += 1
            writers[0].write(cv2.cvtColor(overlay(rgb, mask), cv2.COLOR_RGB2BGR))
            writers[1].write(cv2.cvtColor(mask * 255, cv2.COLOR_GRAY2BGR))
        for writer in writers:
            writer.release()
        for tmp, final in zip(temps, finals):
            os.replace(tmp, final)
    finally:
        capture.release()
        for tmp in temps:
            tmp.unlink(missing_ok=True)
    return frames, model_seconds


def predict(
    model_path: Path, input_path: Path, out: Path, *, threads: int | str = "all", interpreter: str = "tflite", input_range: float = 255.0
) -> dict[str, float]:
    """Segment every image or video frame of ``input_path`` into ``out``: {"frames", "model_fps", "fps"}."""
    from tqdm import tqdm

    from .tflite_runner import TFLiteModel

    require(model_path.suffix == ".tflite", f"{model_path}: expected a .tflite model")
    model = TFLiteModel(model_path, interpreter=interpreter, threads=threads, input_range=input_range)
    inputs = _inputs(input_path)
    out.mkdir(parents=True, exist_ok=True)
    frames, model_seconds = 0, 0.0
    start = time.perf_counter()
    for path in tqdm(inputs, desc="predict", unit="file", disable=len(inputs) < 2):
        rgb = _read_image(path) if path.suffix.lower() in IMAGE_SUFFIXES or not path.suffix else None
        if rgb is None:
            video = _video_frames(path)
            if video is None:
                rgb = _read_image(path)  # an image with an unusual suffix
                if rgb is None:
                    raise FootsegError(f"{path}: not an image or a video that OpenCV can read")
            else:
                n, seconds = predict_video(model, video[0], video[1], path.stem, out)
                frames, model_seconds = frames + n, model_seconds + seconds
                continue
        mask, seconds = segment(model, rgb)
        _write_png(out / f"{path.stem}.mask.png", mask * 255)
        _write_png(out / f"{path.stem}.overlay.png", overlay(rgb, mask))
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
