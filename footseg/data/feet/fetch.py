"""`footseg fetch-find`: download the FIND foot model from its public source and check the hashes.

    footseg fetch-find --dest ../shared/assets/find-foot-model
    footseg fetch-find --dest models/find --base-url http://mirror.example/find-demo-model/

The files come from github.com/OllieBoyne/FIND (branch gh-pages, docs/find-demo-model/) at a
pinned commit, through raw.githubusercontent.com. Each is checked against the sha256 in find.py;
the directory appears only when every file arrived intact (nothing half-written).
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from ...errors import FootsegError
from .find import FIND_COMMIT, FIND_FILES, check_model_dir

REPO_RAW = f"https://raw.githubusercontent.com/OllieBoyne/FIND/{FIND_COMMIT}"
DEFAULT_BASE_URL = f"{REPO_RAW}/docs/find-demo-model/"
MAX_BYTES = 64 << 20  # the model is 3.5 MB; anything far larger is not it
RETRIES = 3


def _get(url: str, timeout: float) -> bytes | None:
    """The body at ``url``; None on 404; FootsegError after retries on other failures."""
    import requests

    last = ""
    for attempt in range(RETRIES):
        try:
            with requests.get(url, stream=True, timeout=timeout) as response:
                if response.status_code == 404:
                    return None
                if response.status_code >= 500 or response.status_code == 429:
                    last = f"HTTP {response.status_code}"
                elif response.status_code != 200:
                    raise FootsegError(f"{url}: HTTP {response.status_code}")
                else:
                    body = bytearray()
                    for chunk in response.iter_content(1 << 16):
                        body.extend(chunk)
                        if len(body) > MAX_BYTES:
                            raise FootsegError(f"{url}: larger than {MAX_BYTES >> 20} MB, not the FIND model")
                    return bytes(body)
        except requests.RequestException as exc:
            last = type(exc).__name__
        time.sleep(0.5 * 2**attempt)
    raise FootsegError(f"{url}: download failed after {RETRIES} tries ({last})")


def fetch_find(dest: str | Path, base_url: str = DEFAULT_BASE_URL, timeout: float = 30.0) -> Path:
    """Download template.obj, model.onnx, latents.json (+ LICENSE) into ``dest``, hashes checked."""
    from ...io import atomic_dir

    dest = Path(dest)
    try:
        return check_model_dir(dest)  # already there and intact: nothing to do
    except FootsegError:
        pass
    base_url = base_url if base_url.endswith("/") else base_url + "/"
    with atomic_dir(dest) as tmp:
        for name, expected in FIND_FILES.items():
            url = base_url + name
            body = _get(url, timeout)
            if body is None:
                raise FootsegError(f"{url}: not found (HTTP 404)")
            actual = hashlib.sha256(body).hexdigest()
            if actual != expected:
                raise FootsegError(f"{url}: sha256 {actual[:12]}... does not match the expected {expected[:12]}...")
            (tmp / name).write_bytes(body)
        # The MIT licence travels with the files (not hashed: it is not read by the code).
        candidates = [base_url + "LICENSE"] + ([f"{REPO_RAW}/LICENSE"] if base_url == DEFAULT_BASE_URL else [])
        for url in candidates:
            body = _get(url, timeout)
            if body is not None:
                (tmp / "LICENSE").write_bytes(body)
                break
    return dest


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dest", required=True, type=Path, help="directory to write the model into (feet.model_dir)")
    parser.add_argument(
        "--base-url", default=DEFAULT_BASE_URL, help="where the files are (default: the pinned GitHub commit)"
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")


def run(args: argparse.Namespace) -> int:
    dest = fetch_find(args.dest, args.base_url, args.timeout)
    print(f"FIND model ready in {dest} ({len(FIND_FILES)} files, sha256 verified)")
    return 0
