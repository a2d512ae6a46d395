"""`footseg fetch-find` against a local HTTP server (never the internet)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

from footseg.cli import main as cli_main
from footseg.data.feet.fetch import fetch_find
from footseg.data.feet.find import FIND_FILES, check_model_dir
from footseg.errors import FootsegError


@pytest.fixture
def served(tmp_path, find_dir):
    """A copy of the FIND files served on 127.0.0.1; yields (base URL, served directory)."""
    root = tmp_path / "www"
    shutil.copytree(find_dir, root)
    for f in root.iterdir():
        f.chmod(0o644)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/", root
    server.shutdown()
    server.server_close()


def test_fetch_find_downloads_and_verifies(served, tmp_path):
    base_url, _ = served
    dest = tmp_path / "models" / "find"
    assert cli_main(["fetch-find", "--dest", str(dest), "--base-url", base_url]) == 0
    assert check_model_dir(dest) == dest
    assert "MIT" in (dest / "LICENSE").read_text()
    assert sorted(p.name for p in dest.iterdir()) == sorted([*FIND_FILES, "LICENSE"])
    # a second run finds the files intact and downloads nothing
    assert fetch_find(dest, base_url="http://127.0.0.1:9/") == dest


def test_wrong_hash_writes_nothing(served, tmp_path):
    base_url, root = served
    with open(root / "model.onnx", "ab") as fh:
        fh.write(b"tampered")
    dest = tmp_path / "find"
    with pytest.raises(FootsegError, match=r"model.onnx: sha256 .* does not match"):
        fetch_find(dest, base_url=base_url, timeout=5)
    assert not dest.exists()
    assert not list(tmp_path.glob(".find.tmp-*"))


def test_missing_file_is_one_line(served, tmp_path, capsys):
    base_url, root = served
    (root / "latents.json").unlink()
    dest = tmp_path / "find"
    assert cli_main(["fetch-find", "--dest", str(dest), "--base-url", base_url, "--timeout", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "latents.json" in err and "404" in err and "\n" not in err
    assert not dest.exists()
