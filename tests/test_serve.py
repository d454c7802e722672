"""``steward serve`` as a real process: it listens, answers health and readiness, and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx

from bot.settings import Settings
from tests.conftest import REPO, STEWARD, cli_env, free_port


def test_serve_answers_health_and_readiness_and_stops_on_sigterm(steward, settings: Settings) -> None:
    port = free_port()
    env = cli_env(settings.core.data_dir, STEWARD_HTTP_PORT=str(port))
    proc = subprocess.Popen([str(STEWARD), "serve"], env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline, health = time.monotonic() + 120, None
        while time.monotonic() < deadline and health is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
            except httpx.HTTPError:
                time.sleep(0.5)
        assert health == {"status": "ok"}
        # Ready once the database answers and the local model (warmed in the background) is loaded.
        ready = None
        while time.monotonic() < deadline + 120 and ready != 200:
            reply = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
            ready = reply.status_code
            assert reply.json() == {"status": "ready" if ready == 200 else "unavailable"}
            time.sleep(0.5)
        assert ready == 200
        assert httpx.post(f"http://127.0.0.1:{port}/slack/events", timeout=5).status_code == 404  # Slack is off
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert proc.returncode in (0, 143, -signal.SIGTERM)
