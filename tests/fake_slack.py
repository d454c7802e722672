"""A local fake of Slack for tests: the Web API (recording every call) and a Socket Mode websocket server.

Usage::

    with FakeSlack(users={"UADMIN": {"is_admin": True}}) as slack:
        client = AsyncWebClient(token="xoxb-test", base_url=slack.api_url)
        ...
        assert slack.calls_to("chat.postMessage")

Every Web API call is answered ``{"ok": true, ...}`` with what the SDK expects for that method;
``fail_once(method, retry_after=1)`` answers the next call of ``method`` with 429 and ``Retry-After``.
Besides ``/api/<method>`` the server takes uploads (``/upload/<file id>``), ``response_url`` posts
(``/response/<id>``) and serves files and pages registered with ``serve(path, body)``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import websockets
from websockets.asyncio.server import ServerConnection

BOT_USER = "UBOT"
BOT_ID = "BBOT"


@dataclass
class Call:
    """One request as the fake saw it: the Web API method (or ``upload``, ``response_url``, ``download``)."""

    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    path: str = ""
    reply: dict[str, Any] = field(default_factory=dict)  # what the fake answered (e.g. the ts it gave)
    at: float = field(default_factory=time.monotonic)


@dataclass
class Served:
    """A file or page the fake serves, with an optional delay before answering."""

    body: bytes
    content_type: str = "text/plain"
    delay_s: float = 0.0


def _params(raw: bytes, content_type: str) -> dict[str, Any]:
    if "json" in content_type:
        return dict(json.loads(raw or b"{}"))
    return dict(parse_qsl(raw.decode(errors="replace")))


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        fake = self.server.fake
        if self.path.startswith("/api/"):
            self._api(dict(parse_qsl(urlsplit(self.path).query)))
            return
        served = fake.served.get(self.path)
        fake.record(Call("download", {}, dict(self.headers.items()), self.path))
        if served is None:
            self._send(404, b"not found", "text/plain")
            return
        time.sleep(served.delay_s)
        self._send(200, served.body, served.content_type)

    def do_POST(self) -> None:  # noqa: N802
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = dict(self.headers.items())
        if self.path.startswith("/upload/"):
            fake.record(Call("upload", {"data": raw}, headers, self.path))
            self._send(200, f"OK - {len(raw)}".encode(), "text/plain")
            return
        params = _params(raw, self.headers.get("Content-Type") or "")
        if self.path.startswith("/response/"):
            fake.record(Call("response_url", params, headers, self.path))
            self._send(200, b"ok", "text/plain")
            return
        self._api({**dict(parse_qsl(urlsplit(self.path).query)), **params})

    def _api(self, params: dict[str, Any]) -> None:
        fake = self.server.fake
        method = urlsplit(self.path).path.removeprefix("/api/")
        call = Call(method, params, dict(self.headers.items()), self.path)
        retry_after = fake.take_failure(method)
        if retry_after is not None:
            call.reply = {"ok": False, "error": "ratelimited"}
            fake.record(call)
            self._send(429, json.dumps(call.reply).encode(), "application/json", {"Retry-After": str(retry_after)})
            return
        call.reply = fake.answer(method, params)
        fake.record(call)
        self._send(200, json.dumps(call.reply).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack


class FakeSlack:
    """The Web API on 127.0.0.1: records calls (``calls``), answers like Slack, fails on request."""

    def __init__(self, team: str = "acme", users: dict[str, dict[str, Any]] | None = None) -> None:
        self.team = team
        self.users = users or {}
        self.calls: list[Call] = []
        self.served: dict[str, Served] = {}
        self.socket_url: str | None = None
        self._failures: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """The server's root URL."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def api_url(self) -> str:
        """The Web API base URL (what ``SLACK_API_URL`` is set to)."""
        return f"{self.url}/api/"

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def calls_to(self, method: str, path: str | None = None, **match: Any) -> list[Call]:
        """The calls of ``method`` (to ``path``, if given) whose params include every ``match`` item."""
        with self._lock:
            calls = list(self.calls)
        return [
            c
            for c in calls
            if c.method == method
            and (path is None or c.path == path)
            and all(c.params.get(k) == v for k, v in match.items())
        ]

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 30.0) -> Any:
        """Poll until ``predicate()`` is truthy and return it; fail after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.02)
        raise AssertionError(f"timed out; calls: {[c.method for c in self.calls]}")

    def fail_once(self, method: str, retry_after: int = 1) -> None:
        """Answer the next call of ``method`` with 429 ``ratelimited`` and ``Retry-After``."""
        with self._lock:
            self._failures.setdefault(method, []).append(retry_after)

    def take_failure(self, method: str) -> int | None:
        with self._lock:
            queued = self._failures.get(method)
            return queued.pop(0) if queued else None

    def serve(self, path: str, body: bytes, content_type: str = "text/plain", delay_s: float = 0.0) -> str:
        """Serve ``body`` at ``path`` (GET); returns its URL."""
        self.served[path] = Served(body, content_type, delay_s)
        return f"{self.url}{path}"

    def answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """What Slack would answer (the parts the SDK and Steward read)."""
        channel = params.get("channel") or params.get("channel_id") or "C0"
        if method == "auth.test":
            return {"ok": True, "team_id": self.team, "team": "Acme", "user_id": BOT_USER, "bot_id": BOT_ID}
        if method == "chat.postMessage":
            ts = f"1700000000.{next(self._ts):06d}"
            return {"ok": True, "channel": channel, "ts": ts, "message": {"text": params.get("text"), "ts": ts}}
        if method == "chat.update":
            return {"ok": True, "channel": channel, "ts": params.get("ts"), "text": params.get("text")}
        if method == "users.info":
            user = params.get("user", "")
            return {"ok": True, "user": {"id": user, "team_id": self.team, **self.users.get(user, {})}}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": f"D{params.get('users', '')}"}}
        if method == "views.open":
            return {"ok": True, "view": {"id": "V1"}}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ts)}"
            return {"ok": True, "file_id": file_id, "upload_url": f"{self.url}/upload/{file_id}"}
        if method == "files.completeUploadExternal":
            files = json.loads(params.get("files") or "[]")
            return {"ok": True, "files": [{"id": f["id"], "title": f.get("title")} for f in files]}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "no_socket"}
        return {"ok": True}

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class FakeSocketMode:
    """A websocket server that plays Slack's Socket Mode: ``hello`` on connect, envelopes on demand, acks kept."""

    def __init__(self) -> None:
        self.acks: list[dict[str, Any]] = []
        self.acked_at: dict[str, float] = {}  # envelope id -> when its ack arrived (time.monotonic)
        self.connected = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._connection: ServerConnection | None = None
        self._stopped: asyncio.Event | None = None
        self._ready = threading.Event()
        self._port = 0
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    @property
    def url(self) -> str:
        """The ``ws://`` URL that ``apps.connections.open`` hands out."""
        return f"ws://127.0.0.1:{self._port}/link/?ticket=test"

    async def _serve(self) -> None:
        self._stopped = asyncio.Event()
        async with websockets.serve(self._session, "127.0.0.1", 0) as server:
            self._port = next(iter(server.sockets)).getsockname()[1]
            self._ready.set()
            await self._stopped.wait()

    async def _session(self, connection: ServerConnection) -> None:
        self._connection = connection
        await connection.send(json.dumps({"type": "hello", "num_connections": 1, "debug_info": {}}))
        self.connected.set()
        async for raw in connection:
            ack = json.loads(raw)
            self.acked_at.setdefault(str(ack.get("envelope_id")), time.monotonic())
            self.acks.append(ack)

    def send(self, envelope: dict[str, Any]) -> None:
        """Push one envelope to the connected client."""
        assert self._connection is not None, "no client connected"
        future = asyncio.run_coroutine_threadsafe(self._connection.send(json.dumps(envelope)), self._loop)
        future.result(timeout=5)

    def acked(self, envelope_id: str) -> dict[str, Any] | None:
        """The client's ack of an envelope, if it came."""
        return next((a for a in list(self.acks) if a.get("envelope_id") == envelope_id), None)

    def start(self) -> FakeSocketMode:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._serve(), self._loop)
        assert self._ready.wait(5), "the websocket server did not start"
        return self

    def stop(self) -> None:
        if self._stopped is not None:
            self._loop.call_soon_threadsafe(self._stopped.set)
        time.sleep(0.1)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
