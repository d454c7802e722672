"""A local OpenAI-compatible chat completions server for tests: scriptable, recording, streaming token by token.

Usage::

    with FakeOpenAI() as server:
        server.script("429", Behaviour(text="Hi there"))
        ChatOpenAI(base_url=server.base_url, ...).invoke("hello")
        assert len(server.requests) == 2

Each request takes the next behaviour from the script queue; once it is empty, ``server.default`` is used.
A behaviour's ``kind`` is ``"ok"``, ``"malformed"`` (200 with a body that is not JSON), ``"stall"`` (answer only
after ``stall_s``) or an HTTP status code as text (``"429"``, ``"500"``, ``"400"``...).
With ``tool_calls`` an ``"ok"`` behaviour answers with those function calls (streamed or not) instead of
text, as a tool-calling model does.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_DISCONNECTS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


@dataclass
class Behaviour:
    """What the server does with one request."""

    kind: str = "ok"
    text: str = "Hello from the fake model."
    retry_after: str | None = None  # sent as the Retry-After header with error statuses
    message: str | None = None  # the error message of an error status
    token_delay_s: float = 0.0  # pause before each streamed token
    stall_s: float = 5.0  # how long "stall" waits before answering, and "stall_after" mid-stream
    stall_after: int | None = None  # streaming: stall for stall_s after this many tokens
    tool_calls: list[tuple[str, dict[str, Any]]] | None = None  # answer with these function calls instead of text
    reply: Callable[[dict[str, Any]], str] | None = None  # compute the text from the request body instead


@dataclass
class RecordedRequest:
    """One request as the server saw it, and how far the server got answering it."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    started: float
    chunks_sent: int = 0
    disconnected: bool = False
    finished: float | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def header(self, name: str) -> str | None:
        """A request header, looked up case-insensitively."""
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def _tokens(text: str) -> list[str]:
    return re.findall(r"\s*\S+", text) or [text]


def _tool_calls(calls: list[tuple[str, dict[str, Any]]], streaming: bool = False) -> list[dict[str, Any]]:
    out = []
    for n, (name, arguments) in enumerate(calls):
        call = {"id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}
        out.append({"index": n, **call} if streaming else call)
    return out


def _completion(body: dict[str, Any], text: str, calls: list[tuple[str, dict[str, Any]]] | None = None) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if calls:
        message = {"role": "assistant", "content": None, "tool_calls": _tool_calls(calls)}
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop", "logprobs": None}
        ],
        "usage": {"prompt_tokens": 7, "completion_tokens": len(_tokens(text)), "total_tokens": 7 + len(_tokens(text))},
    }


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model", "fake"),
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
    }


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = raw.decode(errors="replace")
        record = RecordedRequest("POST", self.path, dict(self.headers.items()), body, time.monotonic())
        self.server.fake.requests.append(record)
        try:
            self._answer(record, self.server.fake.next_behaviour())
        except _DISCONNECTS:
            record.disconnected = True
        finally:
            record.finished = time.monotonic()
            record.done.set()

    def _answer(self, record: RecordedRequest, behaviour: Behaviour) -> None:
        body = record.body if isinstance(record.body, dict) else {}
        if behaviour.reply is not None:
            behaviour = dataclasses.replace(behaviour, text=behaviour.reply(body), reply=None)
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
        elif behaviour.kind == "stall":
            self.server.fake.stopping.wait(behaviour.stall_s)
            self._json(200, _completion(body, behaviour.text))
        elif behaviour.kind == "malformed":
            self._send(200, b'{"id": "chatcmpl-fake", "choices": [', "application/json")
        elif behaviour.kind != "ok":
            self._error(int(behaviour.kind), behaviour)
        elif body.get("stream"):
            self._stream(record, body, behaviour)
        else:
            self._json(200, _completion(body, behaviour.text, behaviour.tool_calls))

    def _error(self, status: int, behaviour: Behaviour) -> None:
        headers = {"Retry-After": behaviour.retry_after} if behaviour.retry_after is not None else {}
        message = behaviour.message or f"fake error {status}"
        error = {"message": message, "type": "server_error" if status >= 500 else "invalid_request_error"}
        self._json(status, {"error": error}, headers)

    def _json(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers)

    def _send(self, status: int, data: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, record: RecordedRequest, body: dict[str, Any], behaviour: Behaviour) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        if behaviour.tool_calls:
            self._event(_chunk(body, {"role": "assistant", "tool_calls": _tool_calls(behaviour.tool_calls, True)}))
            self._event(_chunk(body, {}, "tool_calls"))
            self.wfile.write(b"data: [DONE]\n\n")
            return
        for n, token in enumerate(_tokens(behaviour.text)):
            delay = behaviour.stall_s if n == behaviour.stall_after else behaviour.token_delay_s
            if self.server.fake.stopping.wait(delay):
                return
            delta = {"role": "assistant", "content": token} if n == 0 else {"content": token}
            self._event(_chunk(body, delta))
            record.chunks_sent += 1
        self._event(_chunk(body, {}, "stop"))
        self.wfile.write(b"data: [DONE]\n\n")

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI


class FakeOpenAI:
    """The server: ``base_url`` to point a client at, ``script()`` to queue behaviours, ``requests`` to inspect."""

    def __init__(self, default: Behaviour | None = None) -> None:
        self.default = default or Behaviour()
        self.requests: list[RecordedRequest] = []
        self.stopping = threading.Event()
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        """The OpenAI-style base URL, ending in ``/v1``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def serve_env(self) -> dict[str, str]:
        """Settings for a ``steward serve`` that answers only with this server, fast (no jobs, no retries)."""
        return {
            "OPENAI_BASE_URL": self.base_url,
            "OPENAI_API_KEY": "sk-test",
            "STEWARD_HOSTED_MODEL": "fake",
            "STEWARD_HOSTED_MAX_RETRIES": "0",
            "STEWARD_MODEL_ROUTE": "hosted-only",
            "STEWARD_SCHEDULE_ENABLED": "false",
        }

    def script(self, *behaviours: Behaviour | str) -> None:
        """Queue behaviours for the next requests, in order (a string is a ``kind``)."""
        with self._lock:
            self._queue.extend(b if isinstance(b, Behaviour) else Behaviour(kind=b) for b in behaviours)

    def next_behaviour(self) -> Behaviour:
        """The behaviour for the request being served."""
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def start(self) -> FakeOpenAI:
        """Serve in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Release stalled requests and stop serving."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
