"""One HTTP session for every source: identifying User-Agent, timeouts, retries, politeness."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from scrapers.errors import SourceError

RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass
class HttpSettings:
    user_agent: str = "HameFundingRadar/0.1 (Regional Council of Hame; EU funding call monitor)"
    timeout_seconds: float = 30.0
    retries: int = 3
    backoff_seconds: float = 1.0


class HttpClient:
    """Wraps a requests session; every call names its source so errors and pauses are per source."""

    def __init__(self, settings: HttpSettings | None = None) -> None:
        self.settings = settings or HttpSettings()
        self.session = requests.Session()
        self.session.headers["User-Agent"] = self.settings.user_agent
        retry = Retry(
            total=self.settings.retries,
            connect=self.settings.retries,
            read=False,  # re-raise read timeouts, so requests reports them as Timeout
            status=self.settings.retries,
            backoff_factor=self.settings.backoff_seconds,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=None,  # POST searches are safe to repeat
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._last_request: dict[str, float] = {}

    def request(
        self, source: str, method: str, url: str, *, pause: float = 0.0, **kwargs: Any
    ) -> requests.Response:
        """Send one request after the source's pause; a failure raises SourceError."""
        self._wait(source, pause)
        kwargs.setdefault("timeout", self.settings.timeout_seconds)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.Timeout:
            raise SourceError(
                source, f"no answer from {url} within {kwargs['timeout']} s"
            ) from None
        except requests.RequestException as exc:
            raise SourceError(source, f"request to {url} failed: {exc}") from None
        finally:
            self._last_request[source] = time.monotonic()
        if response.status_code >= 400:
            raise SourceError(source, f"HTTP {response.status_code} from {url}")
        return response

    def download(
        self, source: str, url: str, *, pause: float = 0.0, headers: dict[str, str] | None = None
    ) -> tuple[requests.Response, Path | None]:
        """Stream a large body to a temporary file; returns (response, None) on 304."""
        response = self.request(source, "GET", url, pause=pause, headers=headers, stream=True)
        if response.status_code == 304:
            response.close()
            return response, None
        descriptor, name = tempfile.mkstemp(prefix=f"radar-{source}-", suffix=".download")
        path = Path(name)
        try:
            with response, os.fdopen(descriptor, "wb") as handle:
                response.raw.decode_content = True
                shutil.copyfileobj(response.raw, handle, length=1 << 20)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            path.unlink(missing_ok=True)
            raise SourceError(source, f"download of {url} broke off: {exc}") from None
        return response, path

    def _wait(self, source: str, pause: float) -> None:
        last = self._last_request.get(source)
        if last is not None and pause > 0:
            delay = pause - (time.monotonic() - last)
            if delay > 0:
                time.sleep(delay)


VALIDATORS = (
    ("etag", "ETag", "If-None-Match"),
    ("last_modified", "Last-Modified", "If-Modified-Since"),
)


def conditional_headers(state: dict[str, Any]) -> dict[str, str]:
    """Request headers for a conditional GET from the validators a source kept in its state."""
    return {request: str(state[key]) for key, _, request in VALIDATORS if state.get(key)}


def keep_validators(state: dict[str, Any], response: requests.Response) -> None:
    """Remember the response's validators; a 304 marks the run as not modified."""
    state["not_modified"] = response.status_code == 304
    for key, header, _ in VALIDATORS:
        if response.headers.get(header):
            state[key] = response.headers[header]


def hosts(settings: object) -> set[str]:
    """The sites a source's settings point at: every `url` or `*_url` field, as scheme and host."""
    found = set()
    for item in fields(settings):  # type: ignore[arg-type]
        value = getattr(settings, item.name)
        if (item.name == "url" or item.name.endswith("_url")) and isinstance(value, str):
            parts = urlsplit(value)
            if parts.scheme in ("http", "https") and parts.netloc:
                found.add(f"{parts.scheme}://{parts.netloc}/")
    return found


def any_answers(urls: Iterable[str], timeout: float) -> bool:
    """Whether any of these addresses answers at all (any HTTP status) within `timeout`: one try
    each, all at once, so a machine without a network knows within `timeout` seconds."""

    def answers(url: str) -> bool:
        try:
            requests.head(url, timeout=timeout, allow_redirects=False)
        except requests.RequestException:
            return False
        return True

    targets = sorted(set(urls))
    if not targets:
        return False
    with ThreadPoolExecutor(max_workers=len(targets)) as pool:
        return any(pool.map(answers, targets))
