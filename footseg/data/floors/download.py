"""A careful HTTP downloader for image URLs.

Only http/https; connect/read timeouts and an overall deadline per download; retries with exponential backoff on 5xx, 429 (honouring
Retry-After) and dropped connections; a byte cap enforced while streaming; a content-type check;
a resumable on-disk cache keyed by URL hash with a JSON sidecar (licence, author, source URL),
so a second run downloads nothing it already has. Downloads run on a thread pool; results come
back in input order, so the outcome does not depend on which download finished first.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlparse

import requests
import urllib3
from tqdm import tqdm

from ...errors import require

RETRY_STATUS = {429, 500, 502, 503, 504}
CHUNK = 64 * 1024

DOWNLOAD_DEFAULTS: dict[str, Any] = {
    "workers": 8,
    "connect_timeout_s": 5.0,
    "read_timeout_s": 20.0,
    # Whole download (retries included): the read timeout alone lets a server that drips a
    # byte a second hold a worker for ever.
    "deadline_s": 120.0,
    "retries": 3,
    "backoff_base_s": 0.5,
    "backoff_max_s": 30.0,
    "max_bytes": 20_000_000,
    "max_pixels": 40_000_000,
    "content_types": ["image/jpeg", "image/jpg", "image/png", "image/webp"],  # image/jpg: a common misspelling
    "cache_dir": ".cache/floors",
    "user_agent": "footseg-floor-scraper/0.1 (research; python-requests)",
}


@dataclass
class DownloadOptions:
    workers: int
    connect_timeout_s: float
    read_timeout_s: float
    deadline_s: float
    retries: int
    backoff_base_s: float
    backoff_max_s: float
    max_bytes: int
    max_pixels: int
    content_types: list[str]
    cache_dir: str
    user_agent: str

    @classmethod
    def from_config(cls, cfg: dict[str, Any] | None, key: str = "floors.download") -> "DownloadOptions":
        """Merge ``cfg`` over the defaults and validate; FootsegError names the bad key."""
        merged = {**DOWNLOAD_DEFAULTS, **(cfg or {})}
        unknown = set(merged) - set(DOWNLOAD_DEFAULTS)
        require(not unknown, f"{key}: unknown option(s) {sorted(unknown)}; known: {sorted(DOWNLOAD_DEFAULTS)}")
        for name in ("workers", "max_bytes", "max_pixels"):
            v = merged[name]
            require(
                isinstance(v, int) and not isinstance(v, bool) and v > 0,
                f"{key}.{name} must be a positive integer, got {v!r}",
            )
        require(
            isinstance(merged["retries"], int) and merged["retries"] >= 0,
            f"{key}.retries must be an integer >= 0, got {merged['retries']!r}",
        )
        for name in ("connect_timeout_s", "read_timeout_s", "deadline_s"):
            require(
                isinstance(merged[name], (int, float)) and merged[name] > 0,
                f"{key}.{name} must be > 0, got {merged[name]!r}",
            )
        for name in ("backoff_base_s", "backoff_max_s"):
            require(
                isinstance(merged[name], (int, float)) and merged[name] >= 0,
                f"{key}.{name} must be >= 0, got {merged[name]!r}",
            )
        require(len(merged["content_types"]) > 0, f"{key}.content_types must list at least one type")
        merged["content_types"] = [str(t).lower() for t in merged["content_types"]]
        return cls(**merged)


@dataclass
class Candidate:
    """An image to fetch and what is known about its licence."""

    url: str
    license: str | None = None
    author: str | None = None
    source_url: str | None = None
    title: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Fetched:
    """A downloaded (or cached) body."""

    candidate: Candidate
    data: bytes
    content_type: str
    final_url: str
    from_cache: bool


class FetchFailed(Exception):
    """A URL that could not be fetched; ``reason`` is a short category for the summary."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def check_scheme(url: str) -> None:
    """Only http and https: a user's list may hold file:, ftp: or data: URLs."""
    scheme = urlparse(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchFailed("unsupported-scheme", f"{scheme or 'none'}: {url}")


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


class Downloader:
    """Fetches URLs with retries, a byte cap and a resumable cache (one Session per thread)."""

    def __init__(self, options: DownloadOptions, sleep: Callable[[float], None] = time.sleep) -> None:
        self.options = options
        self.cache = Path(options.cache_dir)
        self._sleep = sleep
        self._local = threading.local()
        self.network_requests = 0  # how many HTTP requests were made (resume test, summary)
        self._lock = threading.Lock()

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = self.options.user_agent
            session.max_redirects = 5
            self._local.session = session
        return session

    def _backoff(self, attempt: int, response: requests.Response | None) -> float:
        o = self.options
        delay = o.backoff_base_s * (2**attempt)
        if response is not None:
            after = _retry_after(response)
            if after is not None:
                delay = max(delay, after)
        return min(delay, o.backoff_max_s)

    def request(
        self, url: str, *, params: dict[str, Any] | None = None, stream: bool = True, deadline: float | None = None
    ) -> requests.Response:
        """GET with retries on 5xx/429/connection errors; raises FetchFailed; caller closes.

        ``deadline`` (time.monotonic()) stops the retries: no backoff sleeps past it."""
        check_scheme(url)
        o = self.options
        last: FetchFailed | None = None
        for attempt in range(o.retries + 1):
            response = None
            try:
                with self._lock:
                    self.network_requests += 1
                response = self._session().get(
                    url, params=params, stream=stream, timeout=(o.connect_timeout_s, o.read_timeout_s)
                )
            except requests.exceptions.Timeout as exc:
                last = FetchFailed("timeout", str(exc))
            except (
                requests.exceptions.InvalidSchema,
                requests.exceptions.InvalidURL,
                requests.exceptions.MissingSchema,
                requests.exceptions.TooManyRedirects,
            ) as exc:
                raise FetchFailed("bad-url", str(exc)) from None
            except requests.exceptions.RequestException as exc:
                last = FetchFailed("connection", str(exc))
            else:
                if response.status_code < 400:
                    check_scheme(response.url)
                    return response
                response.close()
                last = FetchFailed(f"http-{response.status_code}", url)
                if response.status_code not in RETRY_STATUS:
                    raise last
            if attempt < o.retries:
                delay = self._backoff(attempt, response)
                if deadline is not None and time.monotonic() + delay > deadline:
                    raise FetchFailed("deadline", f"retries would pass floors.download.deadline_s ({last})")
                self._sleep(delay)
        assert last is not None
        raise last

    def _read_capped(self, response: requests.Response, deadline: float | None = None) -> bytes:
        cap = self.options.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchFailed("too-large", f"{declared} bytes > {cap}")
        chunks, total = [], 0
        raw = response.raw
        try:
            while True:
                if deadline is not None and time.monotonic() > deadline:
                    raise FetchFailed(
                        "deadline",
                        f"not finished within floors.download.deadline_s "
                        f"= {self.options.deadline_s:g} s ({total} bytes read)",
                    )
                # read1 returns what has arrived (at most CHUNK), so the deadline is checked between
                # small reads; read(CHUNK) would wait for a whole chunk from a dripping server.
                chunk = raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    break
                total += len(chunk)
                if total > cap:
                    raise FetchFailed("too-large", f"more than {cap} bytes")
                chunks.append(chunk)
        except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise FetchFailed("timeout" if "timed out" in str(exc).lower() else "connection", str(exc)) from None
        return b"".join(chunks)

    def _cache_paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]
        return self.cache / f"{key}.bin", self.cache / f"{key}.json"

    def _from_cache(self, candidate: Candidate) -> Fetched | None:
        body, sidecar = self._cache_paths(candidate.url)
        if not (body.is_file() and sidecar.is_file()):
            return None
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
            data = body.read_bytes()
        except (OSError, json.JSONDecodeError):
            return None
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            return None  # a torn or tampered entry: fetch again
        return Fetched(candidate, data, meta.get("content_type", ""), meta.get("final_url", candidate.url), True)

    def _to_cache(self, fetched: Fetched) -> None:
        body, sidecar = self._cache_paths(fetched.candidate.url)
        self.cache.mkdir(parents=True, exist_ok=True)
        meta = {
            **asdict(fetched.candidate),
            "final_url": fetched.final_url,
            "content_type": fetched.content_type,
            "sha256": hashlib.sha256(fetched.data).hexdigest(),
            "bytes": len(fetched.data),
        }
        # Body first, sidecar last: a crash in between leaves no sidecar, so the entry is refetched.
        for path, payload in ((body, fetched.data), (sidecar, json.dumps(meta, indent=2, sort_keys=True).encode())):
            tmp = path.with_name(path.name + f".tmp-{threading.get_ident()}")
            tmp.write_bytes(payload)
            tmp.replace(path)

    def fetch(self, candidate: Candidate) -> Fetched:
        """The body of one image URL (from the cache when already fetched); raises FetchFailed."""
        check_scheme(candidate.url)
        cached = self._from_cache(candidate)
        if cached is not None:
            return cached
        deadline = time.monotonic() + self.options.deadline_s
        response = self.request(candidate.url, deadline=deadline)
        try:
            content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if content_type not in self.options.content_types:
                raise FetchFailed("content-type", content_type or "missing")
            data = self._read_capped(response, deadline)
            final_url = response.url
        finally:
            response.close()
        fetched = Fetched(candidate, data, content_type, final_url, False)
        self._to_cache(fetched)
        return fetched

    def fetch_all(self, candidates: Iterable[Candidate], progress: bool = True) -> list[Fetched | FetchFailed]:
        """Fetch every candidate on the thread pool; one result (or its failure) per candidate, in order."""
        candidates = list(candidates)

        def one(c: Candidate) -> Fetched | FetchFailed:
            try:
                return self.fetch(c)
            except FetchFailed as exc:
                return exc

        with ThreadPoolExecutor(max_workers=self.options.workers) as pool:
            results = list(
                tqdm(
                    pool.map(one, candidates),
                    total=len(candidates),
                    desc="download floors",
                    unit="img",
                    disable=not progress,
                )
            )
        return results
