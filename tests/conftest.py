"""Fixture chain config -> engine -> session -> app -> client, and the replay server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.replay import ReplayServer

SHARED = Path(os.environ.get("RADAR_SHARED", Path(__file__).resolve().parents[1].parent / "shared"))
FIXTURES = SHARED / "fixtures"


@pytest.fixture
def replay_server():
    server = ReplayServer().start()
    yield server
    server.stop()
