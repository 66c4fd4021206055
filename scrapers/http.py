"""One HTTP session for every source: identifying User-Agent, timeouts, retries, politeness."""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
