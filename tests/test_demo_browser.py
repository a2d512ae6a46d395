"""`footseg demo` in a real browser: Debian's chromium driven by Playwright, with a fake camera.

The camera plays clip.y4m, written here from tiny_data composites; a tiny net trained for a few
steps (tflite_helpers) gives a non-trivial mask. The page's mask for a frame is compared with
footseg.deploy.predict.segment's (the Python interpreter) on the same frame, read back from the page.
Skipped, with the reason, when chromium, playwright or the npm packages are not installed
(scripts/setup_browser.sh installs them).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import threading
from pathlib import Path

import numpy as np
import pytest

from footseg.deploy.demo import server as demo_server

CHROMIUM = os.environ.get("FOOTSEG_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
# FOOTSEG_DEMO_SCREENSHOT=docs/demo.png keeps the live page's screenshot there (how docs/ got one).
SCREENSHOT_ENV = "FOOTSEG_DEMO_SCREENSHOT"


def _skip_reason() -> str | None:
    if not Path(CHROMIUM).is_file():
        return f"{CHROMIUM} not installed (apt-get install chromium; scripts/setup_browser.sh)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright not installed (pip install -e '.[test]')"
    try:
        demo_server.find_node_modules(REPO / "node_modules")
    except Exception as exc:  # FootsegError says which file is missing
        return str(exc)
    return None


pytestmark = pytest.mark.skipif(_skip_reason() is not None, reason=f"browser demo test: {_skip_reason()}")


def write_y4m(path: Path, frames: list[np.ndarray], fps: int = 10) -> Path:
    """RGB uint8 frames (H,W,3), even sizes -> a YUV4MPEG2 4:2:0 clip, the fake camera's format."""
    import cv2

    h, w = frames[0].shape[:2]
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            f.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """A running demo server over a trained tiny model's exports, and a fake-camera clip."""
    import cv2

    from tflite_helpers import exported_tiny

    root = tmp_path_factory.mktemp("demo")
    paths = exported_tiny(root)
    for extra in paths["exported"].glob("teacher.*"):
        extra.unlink()  # the tiny student's three files are enough to switch between
    # 3:4 portrait frames (192x256) from the test split's composites, like a phone held upright.
    split = [int(line) for line in (paths["split"] / "test.txt").read_text().split()]
    images = np.load(paths["composites"] / "images.npy")
    frames = [cv2.resize(images[i], (192, 256), interpolation=cv2.INTER_LINEAR) for i in split[:3]]
    clip = write_y4m(root / "clip.y4m", frames)
    srv = demo_server.make_server(
        model=paths["exported"] / "tiny.fp32.tflite",
        models_dir=paths["exported"],
        host="127.0.0.1",
        port=0,
        metrics_dir=root / "metrics" / "browser",
        node_modules=REPO / "node_modules",
        export_report_path=paths["export_json"],
    )
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield {
        "url": f"http://127.0.0.1:{srv.server_address[1]}",
        "clip": clip,
        "root": root,
        "exported": paths["exported"],
    }
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def browser(demo):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",  # CI runs as root
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={demo['clip']}",
            ],
        )
        yield b
        b.close()


def _open(browser, url: str, ready: str):
    page = browser.new_page(viewport={"width": 800, "height": 720})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    try:
        page.wait_for_function(ready, timeout=90_000)
    except Exception:
        raise AssertionError(f"{url}: page not ready; page errors: {errors}") from None
    return page


def _decode(b64: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.frombuffer(base64.b64decode(b64), dtype=np.uint8).reshape(shape)


@pytest.mark.parametrize("file_name", ["tiny.fp32.tflite", "tiny.int8.tflite"])
def test_page_mask_matches_python(demo, browser, file_name, tmp_path):
    from footseg.deploy.interpreter import TFLiteModel
    from footseg.deploy.predict import segment

    page = _open(
        browser,
        f"{demo['url']}/?backend=wasm&model={file_name}",
        "window.footseg && (window.footseg.error || (window.footseg.frames >= 5 && window.footseg.last))",
    )
    state = page.evaluate(
        "({error: footseg.error, fps: footseg.fps, modelMs: footseg.modelMs, backend: footseg.backend, model: footseg.model})"
    )
    assert state["error"] is None
    assert state["model"] == file_name and state["backend"] == "wasm"
    assert state["fps"] > 0 and state["modelMs"] > 0
    assert "FPS" in page.inner_text("#stats")
    shot = tmp_path / f"demo-{file_name}.png"
    page.screenshot(path=str(shot))
    if os.environ.get(SCREENSHOT_ENV) and file_name.endswith("int8.tflite"):
        shutil.copy(shot, os.environ[SCREENSHOT_ENV])
    print(f"screenshot: {shot}")

    frame = page.evaluate("footseg.capture()")
    if file_name == "tiny.fp32.tflite":  # the model switch: the next frames come from the new file
        page.select_option("#model", "tiny.fp16.tflite")
        page.wait_for_function(
            "footseg.error || (footseg.last && footseg.last.model === 'tiny.fp16.tflite')", timeout=60_000
        )
        assert page.evaluate("footseg.error") is None
    page.close()
    assert frame["model"] == file_name
    h, w = frame["height"], frame["width"]
    rgb = _decode(frame["rgb"], (h, w, 3))
    page_mask = _decode(frame["mask"], (h, w))
    python_mask, _ = segment(TFLiteModel(demo["exported"] / file_name), rgb)
    assert 0.02 < python_mask.mean() < 0.9, "the reference mask is trivial: the test would prove nothing"
    inter = np.logical_and(page_mask, python_mask).sum()
    union = np.logical_or(page_mask, python_mask).sum()
    iou = inter / union
    print(f"{file_name}: page vs Python IoU {iou:.4f} on a {w}x{h} frame")
    assert iou >= 0.95


def test_bench_page_saves_a_record(demo, browser):
    from footseg.deploy.report import render_browser_rows

    page = _open(
        browser,
        f"{demo['url']}/bench?backend=wasm&runs=5&warmup=1&device=ci-headless",
        "window.footsegBench && (window.footsegBench.error || window.footsegBench.done)",
    )
    assert page.evaluate("footsegBench.error") is None
    page.click("#save")
    page.wait_for_function("footsegBench.saved || footsegBench.error", timeout=30_000)
    assert page.evaluate("footsegBench.error") is None
    page.close()
    path = demo["root"] / "metrics" / "browser" / "ci-headless.json"
    record = json.loads(path.read_text())
    assert record["device"] == "ci-headless" and record["source"] == "browser"
    assert "Chrome" in record["machine"]["user_agent"]
    assert set(record["models"]["tiny"]) == {"fp32", "fp16", "int8"}
    for row in record["models"]["tiny"].values():
        ((interp, per_threads),) = row["latency"].items()
        assert interp == "litertjs-wasm"
        (figures,) = per_threads.values()
        assert figures["runs"] == 5 and 0 < figures["median_ms"] <= figures["p90_ms"]
        assert row["params"] is not None and row["size_mb"] > 0
    assert "ci-headless" in render_browser_rows([record])
