"""A local OpenAI-compatible ``/v1/moderations`` server for tests: real HTTP on 127.0.0.1, recording requests.

Usage::

    with FakeModerationServer() as server:
        server.mode = "flagged"   # or "clean", "500", "stall", "malformed"
        client = HostedModerationClient(server.url, ...)
        assert server.requests[0]["body"]["input"] == "..."
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def moderation_body(flagged: bool) -> dict[str, Any]:
    """The response shape of OpenAI's moderations endpoint, for one input."""
    scores = {"harassment": 0.91 if flagged else 0.01, "violence": 0.40 if flagged else 0.0, "sexual": 0.0}
    return {
        "id": "modr-test",
        "model": "omni-moderation-latest",
        "results": [
            {
                "flagged": flagged,
                "categories": {name: flagged and score > 0.5 for name, score in scores.items()},
                "category_scores": scores,
            }
        ],
    }


class FakeModerationServer:
    """Answers POSTs according to ``mode``; ``stall`` holds the answer until ``stall_s`` or shutdown."""

    def __init__(self, mode: str = "clean", stall_s: float = 5.0) -> None:
        self.mode = mode
        self.stall_s = stall_s
        self.requests: list[dict[str, Any]] = []
        self._release = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1/moderations"

    def __enter__(self) -> FakeModerationServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"null")
                server.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                try:
                    self._answer(server.mode)
                except _DISCONNECTS:
                    return

            def _answer(self, mode: str) -> None:
                if mode == "stall":
                    server._release.wait(server.stall_s)
                    mode = "clean"
                if mode.isdigit():
                    self._send(int(mode), b'{"error": {"message": "upstream failure"}}')
                elif mode == "malformed":
                    self._send(200, b"<html>not json</html>")
                else:
                    self._send(200, json.dumps(moderation_body(mode == "flagged")).encode())

            def _send(self, status: int, payload: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
