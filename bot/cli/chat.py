"""``steward chat``: a terminal REPL over the same pipeline the chat apps use."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import sys
import uuid

from bot.cli.render import render_reply
from bot.container import Steward
from bot.pipeline.message import IncomingMessage, InvalidMessage

BANNER = "Steward — ask about your documents. Answers cite their sources as [n].\nType /quit or press Ctrl-D to leave."
_QUIT = {"/quit", "/exit", "quit", "exit"}


def _read(prompt: str) -> str | None:
    try:
        return input(prompt)
    except EOFError:
        return None


def _message(line: str, tenant: str, collection: str, thread: str) -> IncomingMessage:
    return IncomingMessage(
        platform="cli",
        tenant=tenant,
        channel="terminal",
        user=getpass.getuser(),
        text=line,
        thread=thread,
        collections=(collection,),
    )


def run_chat(app: Steward, tenant: str, collection: str) -> None:
    """Read questions until EOF or /quit; answer each through the pipeline."""
    with contextlib.suppress(ImportError):
        import readline  # noqa: F401 - line editing and history for input()
    print("Loading the local model (the first start converts it once)…", file=sys.stderr, flush=True)
    app.chat_model()
    print(BANNER, flush=True)
    thread = uuid.uuid4().hex[:12]
    while (line := _read("\nyou> ")) is not None:
        if line.strip() in _QUIT:
            break
        if not line.strip():
            continue
        try:
            reply = asyncio.run(app.pipeline.handle(_message(line, tenant, collection, thread)))
        except InvalidMessage as exc:
            print(f"steward: {exc}", flush=True)
            continue
        print(f"\nsteward> {render_reply(reply)}", flush=True)
    print("bye", flush=True)
