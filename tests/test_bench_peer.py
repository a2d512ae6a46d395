"""`footseg fetch-peer`: the peer model comes out of a mediapipe wheel (no network in tests)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from footseg.cli import main
from footseg.deploy.peer import PEER_MEMBER, download_command, extract_from_wheel
from footseg.errors import FootsegError


def fake_wheel(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_extracts_only_the_selfie_segmenter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wheel = fake_wheel(
        tmp_path / "mediapipe-0.10.14-cp311-none-any.whl",
        {PEER_MEMBER: b"TFL3 model bytes", "mediapipe/__init__.py": b""},
    )
    out = tmp_path / "peer" / "selfie_segmentation.tflite"
    assert main(["fetch-peer", "--wheel", str(wheel), "-o", str(out)]) == 0
    assert out.read_bytes() == b"TFL3 model bytes"
    assert sorted(p.name for p in out.parent.iterdir()) == ["selfie_segmentation.tflite"]
    assert "fetch-peer:" in capsys.readouterr().out


def test_wrong_wheel_is_one_line(tmp_path: Path) -> None:
    wheel = fake_wheel(tmp_path / "other.whl", {"other/model.tflite": b"x"})
    with pytest.raises(
        FootsegError, match=r"other\.whl: has no mediapipe/modules/selfie_segmentation/selfie_segmentation\.tflite"
    ):
        extract_from_wheel(wheel, tmp_path / "out.tflite")
    (tmp_path / "broken.whl").write_bytes(b"not a zip")
    with pytest.raises(FootsegError, match=r"broken\.whl: not a readable wheel"):
        extract_from_wheel(tmp_path / "broken.whl", tmp_path / "out.tflite")
    assert not (tmp_path / "out.tflite").exists()


def test_download_is_the_pinned_wheel_without_dependencies(tmp_path: Path) -> None:
    argv = download_command(tmp_path)
    assert argv[1:4] == ["-m", "pip", "download"]
    assert "--no-deps" in argv and "mediapipe==0.10.14" in argv and argv[-2:] == ["-d", str(tmp_path)]
