"""`footseg predict`: images, folders and videos through a real .tflite; clear errors otherwise."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from footseg.cli import main
from tflite_helpers import tiny_tflite


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_tflite(tmp_path_factory.mktemp("predict") / "tiny.fp32.tflite")


def write_image(path: Path, h: int = 48, w: int = 80) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.random.default_rng(0).integers(0, 255, (h, w, 3), dtype=np.uint8)
    assert cv2.imwrite(str(path), image)
    return path


def test_image_gives_mask_and_overlay_at_its_size(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = write_image(tmp_path / "in" / "foot.jpg")
    assert main(["predict", str(model), str(image), "-o", str(tmp_path / "out"), "--threads", "1"]) == 0
    mask = cv2.imread(str(tmp_path / "out" / "foot.jpg.mask.png"), cv2.IMREAD_GRAYSCALE)
    overlay = cv2.imread(str(tmp_path / "out" / "foot.jpg.overlay.png"))
    assert mask.shape == (48, 80) and set(np.unique(mask)) <= {0, 255}
    assert overlay.shape == (48, 80, 3)
    out = capsys.readouterr().out
    assert out.startswith("predict: 1 frames ->") and "fps" in out


def test_folder_of_images(model: Path, tmp_path: Path) -> None:
    for name in ("a.png", "b.jpg"):
        write_image(tmp_path / "in" / name)
    (tmp_path / "in" / "notes.txt").write_text("skipped: not an image suffix")
    assert main(["predict", str(model), str(tmp_path / "in"), "-o", str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "a.png.mask.png",
        "a.png.overlay.png",
        "b.jpg.mask.png",
        "b.jpg.overlay.png",
    ]


def test_video_gives_overlay_and_mask_videos(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = tmp_path / "clip.mp4"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 10, (64, 48))
    assert writer.isOpened()
    for i in range(5):
        writer.write(np.full((48, 64, 3), 40 * i, dtype=np.uint8))
    writer.release()
    assert main(["predict", str(model), str(video), "-o", str(tmp_path / "out")]) == 0
    assert "predict: 5 frames" in capsys.readouterr().out
    for name in ("clip.mp4.overlay.mp4", "clip.mp4.mask.mp4"):
        capture = cv2.VideoCapture(str(tmp_path / "out" / name))
        assert int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) == 5
        ok, frame = capture.read()
        assert ok and frame.shape == (48, 64, 3)
        capture.release()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["clip.mp4.mask.mp4", "clip.mp4.overlay.mp4"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: (d / "notes.txt").write_text("hello") and d / "notes.txt", "notes.txt: not an image or a video"),
        (
            lambda d: (d / "broken.jpg").write_bytes(b"\xff\xd8 nope") and d / "broken.jpg",
            "broken.jpg: not an image or a video",
        ),
        (lambda d: d / "missing.png", "missing.png: no such file or folder"),
    ],
)
def test_bad_input_is_one_line(
    model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], make, message: str
) -> None:
    path = make(tmp_path)
    assert main(["predict", str(model), str(path), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ") and message in err[0]


def test_bad_model_and_threads(model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = write_image(tmp_path / "a.png")
    fake = tmp_path / "fake.tflite"
    fake.write_bytes(b"not a flatbuffer")
    assert main(["predict", str(fake), str(image), "-o", str(tmp_path / "out")]) == 2
    assert "fake.tflite: not a valid .tflite model" in capsys.readouterr().err
    assert main(["predict", str(model), str(image), "-o", str(tmp_path / "out"), "--threads", "0"]) == 2
    assert "--threads must be a positive integer or 'all', got 0" in capsys.readouterr().err
