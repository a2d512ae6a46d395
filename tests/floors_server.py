"""A real HTTP server on 127.0.0.1 (random port) serving the scraper's good and bad cases."""

from __future__ import annotations

import io
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable
from urllib.parse import parse_qs, urlparse

import numpy as np
from PIL import Image


def image_bytes(seed: int, fmt: str = "JPEG", size: tuple[int, int] = (96, 80)) -> bytes:
    """A small distinct photo-like image (smooth colour ramps plus noise)."""
    rng = np.random.default_rng(seed)
    w, h = size
    ramp = np.linspace(0, 1, w, dtype=np.float32)[None, :, None] * rng.uniform(0, 255, 3)
    img = np.clip(ramp + rng.normal(0, 20, (h, w, 3)) + rng.uniform(0, 60), 0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, format=fmt)
    return buf.getvalue()


def bomb_png(side: int = 5000) -> bytes:
    """A few kB of PNG that decodes to side x side pixels."""
    buf = io.BytesIO()
    Image.new("L", (side, side)).save(buf, format="PNG")
    return buf.getvalue()


class FloorServer:
    """Routes: path -> handler(request) returning (status, headers, body) or writing itself."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()  # by path
        self.hits_by_url: Counter[str] = Counter()  # by path and query: "first time" per test
        self._lock = threading.Lock()
        self.images = {name: image_bytes(i) for i, name in enumerate(["a", "b", "c", "d", "e", "f", "g"])}
        self.bomb = bomb_png()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                parsed = urlparse(self.path)
                with server._lock:
                    server.hits[parsed.path] += 1
                    server.hits_by_url[self.path] += 1
                    n = server.hits_by_url[self.path]
                route = server.route(parsed.path, parse_qs(parsed.query), n)
                status, headers, body = route
                try:
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if callable(body):
                        body(self.wfile)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, query: dict[str, list[str]], n: int) -> tuple[int, dict[str, str], bytes | Callable]:
        jpeg = {"Content-Type": "image/jpeg"}
        if path.startswith("/img/"):
            name = path.split("/")[-1].split(".")[0]
            if name in self.images:
                return 200, {**jpeg, "Content-Length": str(len(self.images[name]))}, self.images[name]
            return 404, {}, b"not found"
        if path == "/dup.jpg":  # the same bytes as /img/a.jpg under another URL
            return 200, jpeg, self.images["a"]
        if path == "/slow.jpg":

            def slow(out) -> None:
                time.sleep(1.5)
                out.write(self.images["g"])

            return 200, jpeg, slow
        if path == "/flaky.jpg":  # 500 once, then fine
            return (500, {}, b"oops") if n == 1 else (200, jpeg, self.images["d"])
        if path == "/busy.jpg":  # 429 with Retry-After once, then fine
            return (429, {"Retry-After": "1"}, b"slow down") if n == 1 else (200, jpeg, self.images["e"])
        if path == "/redirect":
            return 302, {"Location": "/img/f.jpg"}, b""
        if path == "/fake.jpg":
            return 200, jpeg, b"<html>this is not a jpeg</html>" * 10
        if path == "/page.html":
            return 200, {"Content-Type": "text/html"}, b"<html></html>"
        if path == "/big-declared.jpg":
            body = b"\xff\xd8" + b"x" * 300_000
            return 200, {**jpeg, "Content-Length": str(len(body))}, body
        if path == "/big-streamed.jpg":  # no Content-Length: the cap must trip while streaming
            return 200, jpeg, lambda out: [out.write(b"x" * 65536) for _ in range(8)]
        if path == "/bomb.png":
            return 200, {"Content-Type": "image/png"}, self.bomb
        if path == "/api/images/":
            return self.openverse(query)
        if path == "/api/broken/":
            return 200, {"Content-Type": "text/html"}, b"<html>maintenance</html>"
        return 404, {}, b"not found"

    def openverse(self, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        """Two pages of two results each, Openverse's field names."""
        page = int(query.get("page", ["1"])[0])
        names = {1: ["a", "b"], 2: ["c", "d"]}.get(page, [])
        results = [
            {
                "id": f"id-{n}",
                "title": f"floor {n}",
                "url": self.url(f"/img/{n}.jpg"),
                "creator": f"author {n}",
                "license": "by",
                "license_version": "2.0",
                "license_url": "https://creativecommons.org/licenses/by/2.0/",
                "foreign_landing_url": f"https://example.org/photo/{n}",
            }
            for n in names
        ]
        body = {"result_count": 4, "page_count": 2, "page_size": 2, "page": page, "results": results}
        return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()

    def __enter__(self) -> "FloorServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
