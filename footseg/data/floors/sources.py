"""Where scraped floors come from: the Openverse API, a user's list of URLs, a local folder."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from ...errors import FootsegError, require
from ...io import IMAGE_SUFFIXES
from .download import Candidate, Downloader, FetchFailed

OPENVERSE_DEFAULTS: dict[str, Any] = {
    "api_url": "https://api.openverse.org/v1/images/",
    "queries": [
        "wooden floor",
        "parquet floor",
        "floor tiles",
        "carpet floor",
        "concrete floor",
        "laminate flooring",
        "marble floor",
        "linoleum floor",
        "stone floor",
        "rug",
    ],
    "license": "cc0,pdm,by,by-sa",
    "page_size": 20,
    "max_pages": 10,
    "overfetch": 1.5,
}
URLS_DEFAULTS: dict[str, Any] = {"list": [], "file": None, "license": None, "author": None}
LOCAL_DEFAULTS: dict[str, Any] = {"dir": None, "license": None, "author": None}


def merge_options(cfg: dict[str, Any] | None, defaults: dict[str, Any], key: str) -> dict[str, Any]:
    """``cfg`` over ``defaults``; FootsegError naming the key for an unknown option."""
    merged = {**defaults, **(cfg or {})}
    unknown = set(merged) - set(defaults)
    require(not unknown, f"{key}: unknown option(s) {sorted(unknown)}; known: {sorted(defaults)}")
    return merged


def _licence_text(item: dict[str, Any]) -> str | None:
    licence = item.get("license")
    if not licence:
        return None
    version = item.get("license_version")
    name = licence.upper() if licence in ("cc0", "pdm") else f"CC {licence.upper()}"
    return f"{name} {version}" if version and licence not in ("pdm",) else name


def openverse_candidates(downloader: Downloader, options: dict[str, Any], wanted: int) -> list[Candidate]:
    """Image candidates from Openverse's search API, paging through each query in turn.

    Each query gets an equal share of ``wanted`` (times ``overfetch``, since some downloads fail);
    a URL found by two queries is listed once. Raises FootsegError if the API cannot be reached.
    """
    queries = list(options["queries"])
    target = math.ceil(wanted * float(options["overfetch"]))
    per_query = math.ceil(target / len(queries))
    seen: set[str] = set()
    out: list[Candidate] = []
    for query in queries:
        got = 0
        for page in range(1, int(options["max_pages"]) + 1):
            params = {"q": query, "page": page, "page_size": int(options["page_size"])}
            if options.get("license"):
                params["license"] = options["license"]
            try:
                response = downloader.request(options["api_url"], params=params, stream=False)
            except FetchFailed as exc:
                if exc.reason in ("http-400", "http-401", "http-403") and page > 1:
                    break  # past the pages an anonymous client may read
                raise FootsegError(f"floors.openverse.api_url: {options['api_url']} failed ({exc})") from None
            try:
                body = response.json()
                results = body["results"]
                require(isinstance(results, list) and all(isinstance(r, dict) for r in results), "")
            except (ValueError, KeyError, TypeError, FootsegError):
                raise FootsegError(
                    f"floors.openverse.api_url: {options['api_url']} did not return Openverse JSON"
                ) from None
            finally:
                response.close()
            for item in results:
                url = item.get("url")
                if not url or url in seen:
                    continue
                seen.add(url)
                out.append(
                    Candidate(
                        url=url,
                        license=_licence_text(item),
                        author=item.get("creator"),
                        source_url=item.get("foreign_landing_url"),
                        title=item.get("title"),
                        extra={"openverse_id": item.get("id"), "query": query, "license_url": item.get("license_url")},
                    )
                )
                got += 1
                if got >= per_query:
                    break
            if got >= per_query or not results or page >= int(body.get("page_count") or page):
                break
    return out


def url_candidates(options: dict[str, Any]) -> list[Candidate]:
    """Candidates from ``floors.urls.list`` and the lines of ``floors.urls.file``.

    File lines: ``URL`` or ``URL<TAB>licence<TAB>author<TAB>source page``; blank lines and lines
    starting with # are ignored. The config's licence/author apply where a line gives none.
    """
    rows: list[list[str]] = [[str(u)] for u in options["list"] or []]
    if options["file"]:
        path = Path(options["file"])
        require(path.is_file(), f"floors.urls.file: {path} not found")
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                rows.append([part.strip() for part in line.split("\t")])
    require(len(rows) > 0, "floors.urls: give image URLs in floors.urls.list or floors.urls.file")
    out, seen = [], set()
    for row in rows:
        url = row[0]
        if url in seen:
            continue
        seen.add(url)
        field = lambda i, default: row[i] if len(row) > i and row[i] else default  # noqa: E731, B023  (called at once, in this iteration)
        out.append(
            Candidate(
                url=url,
                license=field(1, options["license"]),
                author=field(2, options["author"]),
                source_url=field(3, url),
            )
        )
    return out


def local_files(options: dict[str, Any]) -> list[Path]:
    """Image files of ``floors.local.dir`` (recursively), sorted; FootsegError if none or missing."""
    require(options["dir"] not in (None, ""), "floors.local.dir must name a directory of floor images")
    root = Path(options["dir"])
    require(root.is_dir(), f"floors.local.dir: {root} is not a directory")
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    require(len(files) > 0, f"floors.local.dir: no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {root}")
    return files
