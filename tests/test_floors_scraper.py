"""The scraper against a real HTTP server on 127.0.0.1 (never the internet)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from floors_server import FloorServer
from footseg.data.floors import build_floors, load_floors
from footseg.data.floors.download import Candidate, Downloader, DownloadOptions, FetchFailed
from footseg.errors import FootsegError


@pytest.fixture(scope="module")
def server():
    with FloorServer() as s:
        yield s


def download_cfg(tmp_path: Path, **over) -> dict:
    return {
        "workers": 4,
        "connect_timeout_s": 2,
        "read_timeout_s": 0.4,
        "retries": 2,
        "backoff_base_s": 0.001,
        "backoff_max_s": 0.05,
        "max_bytes": 200_000,
        "max_pixels": 4_000_000,
        "cache_dir": str(tmp_path / "cache"),
        **over,
    }


def urls_cfg(tmp_path: Path, urls: list[str], **over) -> dict:
    return {
        "source": "urls",
        "count": 50,
        "size": 64,
        "min_count": 1,
        "urls": {"list": urls, "license": "CC0"},
        "download": download_cfg(tmp_path),
        **over,
    }


def test_every_bad_case_is_skipped_and_counted(server, tmp_path):
    paths = [
        "/img/a.jpg",
        "/img/b.jpg",
        "/dup.jpg",
        "/slow.jpg",
        "/missing.jpg",
        "/flaky.jpg",
        "/busy.jpg",
        "/redirect",
        "/fake.jpg",
        "/page.html",
        "/big-declared.jpg",
        "/big-streamed.jpg",
        "/bomb.png",
    ]
    urls = [server.url(p) for p in paths] + ["file:///etc/passwd", "ftp://127.0.0.1/x.jpg"]
    summary = build_floors(urls_cfg(tmp_path, urls), tmp_path / "floors", seed=0, progress=False)
    assert summary["skipped"] == {
        "bad-image": 1,
        "content-type": 1,
        "duplicate": 1,
        "http-404": 1,
        "timeout": 1,
        "too-large": 2,
        "too-many-pixels": 1,
        "unsupported-scheme": 2,
    }
    manifest = json.loads((tmp_path / "floors" / "manifest.json").read_text())
    failed = {f["url"].rsplit("/", 1)[-1]: f["reason"] for f in manifest["failures"]}
    assert failed["slow.jpg"] == "timeout" and failed["page.html"] == "content-type"
    assert failed["fake.jpg"] == "bad-image" and failed["bomb.png"] == "too-many-pixels"
    assert failed["dup.jpg"] == "duplicate" and failed["passwd"] == "unsupported-scheme"
    got = {f["url"].rsplit("/", 1)[-1] for f in manifest["floors"]}
    # 500 then success and 429 then success were retried; the redirect was followed.
    assert got == {"a.jpg", "b.jpg", "flaky.jpg", "busy.jpg", "redirect"}
    assert server.hits["/flaky.jpg"] == 2 and server.hits["/busy.jpg"] == 2
    assert server.hits["/missing.jpg"] == 1  # a 404 is not retried
    for entry in manifest["floors"]:
        assert entry["license"] == "CC0" and entry["source"] == "urls" and entry["width"] == 64
    floors = load_floors(tmp_path / "floors")
    assert [f.image.shape for f in floors] == [(64, 64, 3)] * 5


def test_too_few_images_is_one_clear_error(server, tmp_path):
    cfg = urls_cfg(tmp_path, [server.url("/missing.jpg"), server.url("/img/a.jpg")], min_count=2)
    with pytest.raises(FootsegError, match=r"only 1 usable .*floors.min_count = 2.*http-404"):
        build_floors(cfg, tmp_path / "floors", seed=0, progress=False)


def test_resume_downloads_nothing_the_second_time(server, tmp_path):
    urls = [server.url(f"/img/{n}.jpg?resume") for n in "abc"]
    first = build_floors(urls_cfg(tmp_path, urls), tmp_path / "one", seed=0, progress=False)
    hits = sum(server.hits.values())
    second = build_floors(urls_cfg(tmp_path, urls), tmp_path / "two", seed=0, progress=False)
    assert sum(server.hits.values()) == hits, "the second run must not touch the network"
    assert first["requests"] == 3 and second["requests"] == 0 and second["from_cache"] == 3
    assert (tmp_path / "one" / "manifest.json").read_bytes() == (tmp_path / "two" / "manifest.json").read_bytes()
    sidecars = sorted((tmp_path / "cache").glob("*.json"))
    assert len(sidecars) == 3 and json.loads(sidecars[0].read_text())["license"] == "CC0"


def test_retry_after_is_honoured_and_4xx_not_retried(server, tmp_path):
    waits: list[float] = []
    opts = DownloadOptions.from_config(download_cfg(tmp_path, backoff_max_s=30.0, backoff_base_s=0.01))
    fetched = Downloader(opts, sleep=waits.append).fetch(Candidate(server.url("/busy.jpg?honour")))
    assert fetched.data == server.images["e"] and waits == [1.0]
    waits.clear()
    with pytest.raises(FetchFailed) as info:
        Downloader(opts, sleep=waits.append).request(server.url("/no-such-path"))
    assert info.value.reason == "http-404"  # a client error is final: no retry, no wait
    assert waits == []


def test_backoff_is_exponential_on_5xx(tmp_path):
    opts = DownloadOptions.from_config(download_cfg(tmp_path, retries=3, backoff_base_s=0.5, backoff_max_s=1.5))
    d = Downloader(opts)
    assert [d._backoff(a, None) for a in range(4)] == [0.5, 1.0, 1.5, 1.5]


def test_openverse_api_with_pagination(server, tmp_path):
    cfg = {
        "source": "openverse",
        "count": 4,
        "size": 64,
        "min_count": 4,
        "download": download_cfg(tmp_path),
        "openverse": {
            "api_url": server.url("/api/images/"),
            "queries": ["wood floor"],
            "page_size": 2,
            "max_pages": 5,
            "overfetch": 1.0,
        },
    }
    summary = build_floors(cfg, tmp_path / "floors", seed=0, progress=False)
    assert summary["count"] == 4 and summary["candidates"] == 4
    assert server.hits["/api/images/"] >= 2  # both pages were read
    floors = json.loads((tmp_path / "floors" / "manifest.json").read_text())["floors"]
    assert [f["floor_id"] for f in floors] == sorted(f["floor_id"] for f in floors)
    by_title = {f["title"]: f for f in floors}
    assert set(by_title) == {"floor a", "floor b", "floor c", "floor d"}
    a = by_title["floor a"]
    assert a["license"] == "CC BY 2.0" and a["author"] == "author a"
    assert a["source_url"] == "https://example.org/photo/a" and a["floor_id"].startswith("openverse-")


@pytest.mark.parametrize("path, message", [(None, "failed"), ("/api/broken/", "did not return Openverse JSON")])
def test_unreachable_or_broken_api_is_one_clear_error(server, tmp_path, path, message):
    api_url = server.url(path) if path else "http://127.0.0.1:9/v1/images/"
    cfg = {
        "source": "openverse",
        "count": 4,
        "size": 64,
        "download": download_cfg(tmp_path, retries=0),
        "openverse": {"api_url": api_url},
    }
    with pytest.raises(FootsegError, match=rf"floors.openverse.api_url: .* {message}"):
        build_floors(cfg, tmp_path / "floors", seed=0, progress=False)


@pytest.mark.parametrize(
    "over, key",
    [
        ({"download": {"workers": 0}}, "floors.download.workers"),
        ({"download": {"max_bytes": -1}}, "floors.download.max_bytes"),
        ({"download": {"retires": 3}}, "floors.download: unknown option"),
        ({"urls": {"list": []}}, "floors.urls"),
    ],
)
def test_bad_scraper_config(tmp_path, over, key):
    cfg = {"source": "urls", "count": 3, "size": 64, "urls": {"list": ["http://127.0.0.1:9/a.jpg"]}, **over}
    with pytest.raises(FootsegError, match=key):
        build_floors(cfg, tmp_path / "floors", seed=0, progress=False)


def test_url_file_with_licences_and_comments(server, tmp_path):
    listing = tmp_path / "floors.txt"
    listing.write_text(
        "# my floor photos\n"
        f"{server.url('/img/a.jpg?file')}\tCC BY 4.0\tAda\thttps://example.org/a\n"
        "\n"
        f"{server.url('/img/b.jpg?file')}\n"
    )
    cfg = {**urls_cfg(tmp_path, []), "urls": {"file": str(listing), "license": "CC0", "author": "Bob"}}
    build_floors(cfg, tmp_path / "floors", seed=0, progress=False)
    floors = json.loads((tmp_path / "floors" / "manifest.json").read_text())["floors"]
    by_url = {f["url"].split("/")[-1]: f for f in floors}
    a, b = by_url["a.jpg?file"], by_url["b.jpg?file"]
    assert (a["license"], a["author"], a["source_url"]) == ("CC BY 4.0", "Ada", "https://example.org/a")
    assert (b["license"], b["author"]) == ("CC0", "Bob")
    missing = {**cfg, "urls": {"file": str(tmp_path / "nope.txt")}}
    with pytest.raises(FootsegError, match=r"floors.urls.file: .*nope.txt not found"):
        build_floors(missing, tmp_path / "floors2", seed=0, progress=False)
