"""A served app as people meet it: gunicorn in its own process, `radar` runs beside it, and
clients that sign in and post forms. Shared by the tests and the benchmarks."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.conftest import FIXTURES

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
BULK = FIXTURES / "grants_tenders" / "grantsTenders_excerpt_7records.json"
TOKEN = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def environment(url: str) -> dict[str, str]:
    """The environment of a served app on the database at `url`."""
    return dict(os.environ, RADAR_DATABASE_URL=url, RADAR_WEB_SECRET_KEY="live-" + "k" * 40)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def gunicorn(url: str, workers: int) -> Iterator[str]:
    """The production entry point served by gunicorn on a free port; its base URL."""
    port = free_port()
    command = [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--log-level", "warning", "webapp:app_from_environment()"]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=environment(url), stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                requests.get(f"{base}/about", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def form_token(client: requests.Session, url: str) -> str:
    """The CSRF token of a page's form, as a browser would send it back."""
    found = TOKEN.search(client.get(url, timeout=60).text)
    if not found:
        raise AssertionError(f"no CSRF token on {url}")
    return found.group(1) or found.group(2)


def signed_in(base: str, email: str, password: str) -> requests.Session:
    client = requests.Session()
    data = {"email": email, "password": password, "csrf_token": form_token(client, f"{base}/login")}
    client.post(f"{base}/login", data=data, timeout=60)
    return client


def replicated_bulk_file(path: Path, count: int) -> Path:
    """The real reference-file grants, copied under new identifiers until there are `count`."""
    items = json.loads(BULK.read_text(encoding="utf-8"))["fundingData"]["GrantTenderObj"]
    grants = [item for item in items if item["type"] == 1]
    copies = [
        {
            **grants[i % len(grants)],
            "identifier": f"{grants[i % len(grants)]['identifier']}-R{i:05d}",
        }
        for i in range(count)
    ]
    path.write_text(json.dumps({"fundingData": {"GrantTenderObj": copies}}), encoding="utf-8")
    return path


@dataclass
class Writes:
    """Web writes of a member and a visitor, each answer's status and seconds kept by kind."""

    base: str
    member: requests.Session
    actor_id: int
    password: str
    staff_email: str
    statuses: dict[str, list[int]] = field(default_factory=dict)
    seconds: dict[str, list[float]] = field(default_factory=dict)

    def round(self, call_id: int | None, n: int) -> None:
        """Feedback on a matched call, a language switch, and a sign-in."""
        token = form_token(self.member, f"{self.base}/actors/{self.actor_id}/matches")
        self._post("feedback", self.member, f"/actors/{self.actor_id}/matches/{call_id}/feedback",
                   {"verdict": "relevant", "csrf_token": token})  # fmt: skip
        self._post("language", self.member, "/language",
                   {"locale": ("fi", "en")[n % 2], "next": "/", "csrf_token": token})  # fmt: skip
        visitor = requests.Session()
        sign_in = {"email": self.staff_email, "password": self.password,
                   "csrf_token": form_token(visitor, f"{self.base}/login")}  # fmt: skip
        self._post("sign-in", visitor, "/login", sign_in)

    def _post(self, kind: str, client: requests.Session, path: str, data: dict) -> None:
        started = time.perf_counter()
        answer = client.post(f"{self.base}{path}", data=data, allow_redirects=False, timeout=120)
        self.seconds.setdefault(kind, []).append(time.perf_counter() - started)
        signed_out = answer.is_redirect and "/login" in answer.headers.get("Location", "")
        self.statuses.setdefault(kind, []).append(401 if signed_out else answer.status_code)


def radar(
    url: str, *args: str, log: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`radar ARGS` in its own process on the database at `url` (with `env` besides), its
    output into `log`."""
    with log.open("w") as out:
        return subprocess.Popen(
            [str(BIN / "radar"), *args], cwd=ROOT, env={**environment(url), **(env or {})},
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
