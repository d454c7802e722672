"""A local fake Discord for tests: the REST API and the gateway websocket on 127.0.0.1, recording every call.

Usage (inside a running event loop)::

    fake = FakeDiscord()
    await fake.start()
    settings = DiscordSettings(api_url=fake.api_url, gateway_url=fake.gateway_url, ...)
    ... start a bot, then: await fake.say(fake.alice, "hello", mention=True)
    call = await fake.wait_for(lambda c: c.method == "POST" and c.path.endswith("/messages"))
    await fake.stop()

The gateway speaks plain JSON text frames: HELLO, heartbeat ACK, IDENTIFY → READY then GUILD_CREATE,
RESUME → RESUMED (optionally re-delivering the messages it sent before), and whatever the test
dispatches (MESSAGE_CREATE, INTERACTION_CREATE). The REST side answers with ``Content-Type:
application/json`` exactly (discord.py parses nothing else as JSON), stores every message it is sent,
and echoes the bot's own messages back over the gateway as Discord does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

DISCORD_EPOCH_MS = 1420070400000
API = "/api/v10"
# view channels, send messages (+ in threads), create public threads, embed links, attach files,
# read message history, add reactions, use application commands
EVERYONE_PERMISSIONS = (1 << 10) | (1 << 11) | (1 << 38) | (1 << 35) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 6)
EVERYONE_PERMISSIONS |= 1 << 31
MANAGE_GUILD = 1 << 5


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass
class Call:
    """One REST request as the fake saw it."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    body: Any  # the JSON payload (``payload_json`` for multipart requests)
    files: dict[str, bytes] = field(default_factory=dict)  # multipart files by file name
    at: float = field(default_factory=time.monotonic)


class FakeDiscord:
    """One guild with one text channel, a bot user, and the people the test creates."""

    def __init__(self, guild_id: int | None = None) -> None:
        self._ids = itertools.count(1)
        self.bot_user = self.user("Steward", bot=True)
        self.app_id = self.snowflake()
        self.guild_id = guild_id or self.snowflake()
        self.channel_id = self.snowflake()
        self.admin_role_id = self.snowflake()  # named in DISCORD_ADMIN_ROLES by the tests; no permissions
        self.moderator_role_id = self.snowflake()  # has the Manage Guild permission
        self.owner = self.user("owner")
        self.calls: list[Call] = []
        self.messages: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {self.channel_id: self._text_channel()}
        self.members: dict[int, dict[str, Any]] = {}
        self.attachments: dict[str, bytes] = {}
        self.threads_created: list[int] = []  # threads the bot started
        self._limits: list[tuple[str, str, float]] = []  # one-shot 429s: (method, path suffix, retry after)
        self.identifies = 0
        self.resumes = 0
        self.redeliver_on_resume = False
        self._sent: list[dict[str, Any]] = []  # user MESSAGE_CREATE payloads, for re-delivery
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._add_member(self.bot_user)

    # ---- lifecycle ----

    async def start(self) -> FakeDiscord:
        """Listen on 127.0.0.1 on a free port."""
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/attachments/{id}/{name}", self._attachment)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        """Close every gateway connection and stop serving."""
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """What ``DISCORD_API_URL`` should be."""
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        """What ``DISCORD_GATEWAY_URL`` should be."""
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ---- the cast ----

    def snowflake(self) -> int:
        """A new, increasing Discord id."""
        return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (next(self._ids) & 0x3FFFFF)

    def user(self, name: str, bot: bool = False, ident: int | None = None) -> dict[str, Any]:
        """A user payload."""
        return {
            "id": str(ident or self.snowflake()),
            "username": name,
            "discriminator": "0",
            "global_name": name,
            "avatar": None,
            "bot": bot,
            "public_flags": 0,
        }

    def person(
        self, name: str, roles: tuple[int, ...] = (), member: bool = True, ident: int | None = None
    ) -> dict[str, Any]:
        """A user who (by default) is a member of the guild, with these role ids."""
        person = self.user(name, ident=ident)
        if member:
            self._add_member(person, roles)
        return person

    def _add_member(self, user: dict[str, Any], roles: tuple[int, ...] = ()) -> None:
        self.members[int(user["id"])] = {
            "user": user,
            "roles": [str(r) for r in roles],
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "nick": None,
            "avatar": None,
            "premium_since": None,
            "communication_disabled_until": None,
        }

    def _member(self, user: dict[str, Any], with_user: bool = True) -> dict[str, Any]:
        member = dict(self.members[int(user["id"])])
        roles = {int(r) for r in member["roles"]}
        allowed = EVERYONE_PERMISSIONS | (MANAGE_GUILD if self.moderator_role_id in roles else 0)
        member["permissions"] = str(allowed)
        if not with_user:
            member.pop("user")
        return member

    def _text_channel(self) -> dict[str, Any]:
        return {
            "id": str(self.channel_id),
            "type": 0,
            "guild_id": str(self.guild_id),
            "name": "general",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def thread(self, name: str = "a thread", parent_id: int | None = None, owner_id: str | None = None) -> int:
        """Create a public thread (known to the guild) and return its id."""
        thread_id = self.snowflake()
        self.channels[thread_id] = self._thread_payload(thread_id, name, parent_id or self.channel_id, owner_id)
        return thread_id

    def _thread_payload(self, thread_id: int, name: str, parent_id: int, owner_id: str | None) -> dict[str, Any]:
        return {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(self.guild_id),
            "parent_id": str(parent_id),
            "owner_id": owner_id or self.owner["id"],
            "name": name,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "last_message_id": None,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _now(),
                "locked": False,
            },
        }

    def _guild(self) -> dict[str, Any]:
        everyone = {"id": str(self.guild_id), "name": "@everyone", "permissions": str(EVERYONE_PERMISSIONS)}
        admins = {"id": str(self.admin_role_id), "name": "Steward Admins", "permissions": "0"}
        moderators = {"id": str(self.moderator_role_id), "name": "Moderators", "permissions": str(MANAGE_GUILD)}
        roles = [
            {**role, "position": n, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
            for n, role in enumerate((everyone, admins, moderators))
        ]
        threads = [c for c in self.channels.values() if c["type"] == 11]
        return {
            "id": str(self.guild_id),
            "name": "Acme",
            "icon": None,
            "owner_id": self.owner["id"],
            "unavailable": False,
            "member_count": len(self.members),
            "large": False,
            "joined_at": _now(),
            "features": [],
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "channels": [c for c in self.channels.values() if c["type"] == 0],
            "threads": threads,
            "members": [self._member(self.bot_user)],
            "voice_states": [],
            "presences": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
        }

    # ---- what the test makes happen ----

    async def dispatch(self, event: str, data: dict[str, Any]) -> int:
        """Send a DISPATCH to every connected bot; returns its sequence number."""
        self._seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": self._seq, "d": data})
        for ws in list(self._sockets):
            if not ws.closed:
                await ws.send_str(frame)
        return self._seq

    def message_payload(
        self, author: dict[str, Any], content: str, channel_id: int, mentions: list[dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A message as Discord sends it (in the guild unless ``channel_id`` is a DM channel)."""
        message: dict[str, Any] = {
            "id": str(self.snowflake()),
            "channel_id": str(channel_id),
            "author": author,
            "content": content,
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions or [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if self.channels.get(channel_id, {}).get("type", 1) != 1:
            message["guild_id"] = str(self.guild_id)
            if int(author["id"]) in self.members:
                message["member"] = self._member(author, with_user=False)
        return message

    async def say(
        self,
        author: dict[str, Any],
        text: str,
        channel_id: int | None = None,
        mention: bool = False,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A person posts a message (``mention``: it starts with @Steward); returns the payload."""
        content = f"<@{self.bot_user['id']}> {text}" if mention else text
        mentions = [self.bot_user] if mention else []
        message = self.message_payload(author, content, channel_id or self.channel_id, mentions)
        message["attachments"] = attachments or []
        self.messages[int(message["id"])] = message
        self._sent.append(message)
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def dm_channel(self, user: dict[str, Any]) -> int:
        """The DM channel between the bot and ``user`` (created on first use)."""
        for channel_id, channel in self.channels.items():
            if channel["type"] == 1 and channel["recipients"][0]["id"] == user["id"]:
                return channel_id
        channel_id = self.snowflake()
        self.channels[channel_id] = {"id": str(channel_id), "type": 1, "recipients": [user], "last_message_id": None}
        return channel_id

    def attachment(self, filename: str, data: bytes, content_type: str = "text/markdown") -> dict[str, Any]:
        """An uploaded file, served by the fake's CDN."""
        ident = str(self.snowflake())
        self.attachments[ident] = data
        url = f"http://127.0.0.1:{self.port}/attachments/{ident}/{filename}"
        return {
            "id": ident,
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
            "content_type": content_type,
        }

    def _interaction(self, kind: int, user: dict[str, Any], data: dict[str, Any], channel_id: int | None) -> dict:
        channel = self.channels[channel_id or self.channel_id]
        payload: dict[str, Any] = {
            "id": str(self.snowflake()),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            "channel_id": channel["id"],
            "channel": channel,
            "token": f"token-{self.snowflake()}",
            "version": 1,
            "locale": "en-US",
            "app_permissions": str(EVERYONE_PERMISSIONS),
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(self.guild_id)},
            "context": 0,
        }
        if channel["type"] == 1:
            payload["user"] = user
            payload["context"] = 1
        else:
            payload["guild_id"] = str(self.guild_id)
            payload["guild_locale"] = "en-US"
            payload["member"] = self._member(user)
        return payload

    async def command(
        self,
        user: dict[str, Any],
        name: str,
        options: dict[str, Any] | None = None,
        channel_id: int | None = None,
        attachments: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A person runs ``/name`` with string options (and attachment options); returns the interaction."""
        opts = [{"name": k, "type": 3, "value": v} for k, v in (options or {}).items()]
        data: dict[str, Any] = {"id": str(self.snowflake()), "name": name, "type": 1, "options": opts}
        if attachments:
            data["options"] += [{"name": "file", "type": 11, "value": a["id"]} for a in attachments]
            data["resolved"] = {"attachments": {a["id"]: a for a in attachments}}
        interaction = self._interaction(2, user, data, channel_id)
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    async def click(self, user: dict[str, Any], message: dict[str, Any], custom_id: str) -> dict[str, Any]:
        """A person clicks the button ``custom_id`` on ``message`` (as the fake stored it)."""
        data = {"custom_id": custom_id, "component_type": 2}
        interaction = self._interaction(3, user, data, int(message["channel_id"]))
        interaction["message"] = message
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    async def submit(self, user: dict[str, Any], modal: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
        """A person submits the modal the bot opened (its callback ``data``), filling in ``values``."""
        components = json.loads(json.dumps(modal["components"]))
        for row in components:
            for item in row.get("components", [row.get("component")]):
                if item and item.get("custom_id") in values:
                    item["value"] = values[item["custom_id"]]
        data = {"custom_id": modal["custom_id"], "components": components}
        interaction = self._interaction(5, user, data, None)
        await self.dispatch("INTERACTION_CREATE", interaction)
        return interaction

    def rate_limit(self, method: str, suffix: str, retry_after: float) -> None:
        """Answer the next ``method`` request whose path ends with ``suffix`` with a 429 (once)."""
        self._limits.append((method, suffix, retry_after))

    def _limited(self, call: Call) -> web.Response | None:
        for rule in self._limits:
            method, suffix, retry_after = rule
            if call.method == method and call.path.endswith(suffix):
                self._limits.remove(rule)
                body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": False}
                headers = {
                    "Content-Type": "application/json",
                    "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
                    "X-RateLimit-Limit": "5",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset-After": str(retry_after),
                    "X-RateLimit-Bucket": "fake-bucket",
                    "X-RateLimit-Scope": "user",
                }
                return web.Response(status=429, body=json.dumps(body).encode(), headers=headers)
        return None

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway connection as Discord does on a fault (the bot reconnects and resumes)."""
        for ws in list(self._sockets):
            await ws.close(code=code, message=b"fake: connection dropped")

    # ---- looking at what happened ----

    async def until(self, condition: Callable[[], bool], timeout: float = 15.0) -> None:
        """Wait until ``condition()`` holds (checked after every REST call and gateway frame)."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(condition), timeout)

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 15.0, after: int = 0) -> Call:
        """The first recorded call (from index ``after``) matching ``predicate``, waiting for it if needed."""

        def found() -> Call | None:
            return next((c for c in self.calls[after:] if predicate(c)), None)

        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: found() is not None), timeout)
        call = found()
        assert call is not None
        return call

    def find(self, method: str, suffix: str) -> list[Call]:
        """Recorded calls with this method whose path ends with ``suffix``."""
        return [c for c in self.calls if c.method == method and c.path.endswith(suffix)]

    def bot_messages(self, channel_id: int | None = None) -> list[dict[str, Any]]:
        """Messages the bot posted (in one channel, or anywhere), oldest first, as they are now."""
        mine = [m for m in self.messages.values() if m["author"]["id"] == self.bot_user["id"]]
        return [m for m in mine if channel_id is None or int(m["channel_id"]) == channel_id]

    def writes_to(self, message_id: int) -> list[Call]:
        """The POST that created a bot message and every PATCH of it, in order."""
        created = [c for c in self.calls if c.body and isinstance(c.body, dict) and c.body.get("_id") == message_id]
        edits = [c for c in self.calls if c.method == "PATCH" and c.path.endswith(f"/messages/{message_id}")]
        return created + edits

    # ---- the server ----

    @staticmethod
    async def _read(request: web.Request) -> tuple[Any, dict[str, bytes]]:
        if request.content_type == "multipart/form-data":
            form = await request.post()
            files = {v.filename: v.file.read() for v in form.values() if isinstance(v, web.FileField)}
            raw = form.get("payload_json")
            return (json.loads(raw) if isinstance(raw, str) else {}), files
        text = await request.text()
        return (json.loads(text) if text else None), {}

    @staticmethod
    def _json(data: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})

    async def _attachment(self, request: web.Request) -> web.Response:
        data = self.attachments.get(request.match_info["id"])
        if data is None:
            return web.Response(status=404)
        return web.Response(body=data, headers={"Content-Type": "application/octet-stream"})

    async def _rest(self, request: web.Request) -> web.Response:
        body, files = await self._read(request)
        call = Call(request.method, request.path[len(API) :], dict(request.query), body, files)
        self.calls.append(call)
        parts = call.path.strip("/").split("/")
        route = _ROUTES.get((request.method, _shape(parts)))
        limited = self._limited(call)
        if limited is not None:
            response = limited
        elif route is None:
            response = self._json({"message": f"fake: no route {request.method} {call.path}", "code": 0}, 404)
        else:
            response = await route(self, call, parts)
        async with self._changed:
            self._changed.notify_all()
        return response

    # ---- REST routes ----

    async def _me(self, call: Call, parts: list[str]) -> web.Response:
        return self._json(self.bot_user)

    async def _application(self, call: Call, parts: list[str]) -> web.Response:
        return self._json(
            {
                "id": str(self.app_id),
                "name": "Steward",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.owner,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def _gateway_info(self, call: Call, parts: list[str]) -> web.Response:
        limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
        return self._json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})

    async def _typing(self, call: Call, parts: list[str]) -> web.Response:
        return web.Response(status=204)

    async def _send(self, call: Call, parts: list[str]) -> web.Response:
        channel_id = int(parts[1])
        message = self._bot_message(channel_id, call)
        call.body = {**(call.body or {}), "_id": int(message["id"])}
        await self.dispatch("MESSAGE_CREATE", message)  # Discord echoes the bot's own messages
        return self._json(message)

    def _bot_message(self, channel_id: int, call: Call, body: dict[str, Any] | None = None, **extra: Any) -> dict:
        body = body if body is not None else (call.body or {})
        message = self.message_payload(self.bot_user, body.get("content") or "", channel_id)
        message.update(
            components=body.get("components") or [],
            embeds=body.get("embeds") or [],
            flags=body.get("flags") or 0,
            attachments=[self._uploaded(name, data) for name, data in call.files.items()],
        )
        message.update(extra)
        if body.get("message_reference"):
            message["message_reference"] = body["message_reference"]
            message["type"] = 19
        self.messages[int(message["id"])] = message
        return message

    def _uploaded(self, name: str, data: bytes) -> dict[str, Any]:
        return self.attachment(name, data, "application/octet-stream")

    async def _edit(self, call: Call, parts: list[str]) -> web.Response:
        message = self.messages.get(int(parts[3]))
        if message is None:
            return self._json({"message": "Unknown Message", "code": 10008}, 404)
        body = call.body or {}
        for key in ("content", "components", "embeds", "flags"):
            if key in body:
                message[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        message["edited_timestamp"] = _now()
        return self._json(message)

    async def _create_thread(self, call: Call, parts: list[str]) -> web.Response:
        parent_id = int(parts[1])
        name = (call.body or {}).get("name") or "thread"
        thread_id = self.thread(name, parent_id, self.bot_user["id"])
        self.threads_created.append(thread_id)
        thread = self.channels[thread_id]
        await self.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
        return self._json(thread)

    async def _open_dm(self, call: Call, parts: list[str]) -> web.Response:
        user_id = str((call.body or {}).get("recipient_id"))
        user = next((m["user"] for m in self.members.values() if m["user"]["id"] == user_id), None)
        if user is None:
            return self._json({"message": "Unknown User", "code": 10013}, 404)
        return self._json(self.channels[self.dm_channel(user)])

    async def _get_member(self, call: Call, parts: list[str]) -> web.Response:
        member = self.members.get(int(parts[3]))
        if parts[1] != str(self.guild_id) or member is None:
            return self._json({"message": "Unknown Member", "code": 10007}, 404)
        return self._json(self._member(member["user"]))

    async def _sync(self, call: Call, parts: list[str]) -> web.Response:
        commands = []
        for command in call.body or []:
            command = {"type": 1, "options": [], "default_member_permissions": None, **command}
            command.update(id=str(self.snowflake()), application_id=str(self.app_id), version="1")
            commands.append(command)
        return self._json(commands)

    async def _callback(self, call: Call, parts: list[str]) -> web.Response:
        body = call.body or {}
        kind = body.get("type")
        data = body.get("data") or {}
        ephemeral = bool((data.get("flags") or 0) & 64)
        resource: dict[str, Any] = {"type": kind}
        interaction = {
            "id": parts[1],
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": ephemeral,
        }
        if kind == 4:
            message = self._bot_message(self.channel_id, call, data, flags=64 if ephemeral else 0)
            resource["message"] = message
            interaction["response_message_id"] = message["id"]
        return self._json({"interaction": interaction, "resource": resource})

    async def _followup(self, call: Call, parts: list[str]) -> web.Response:
        message = self._bot_message(self.channel_id, call, webhook_id=parts[1], application_id=parts[1])
        return self._json(message)

    async def _edit_original(self, call: Call, parts: list[str]) -> web.Response:
        message = self._bot_message(self.channel_id, call, webhook_id=parts[1])
        return self._json(message)

    # ---- the gateway ----

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for frame in ws:
                if frame.type == WSMsgType.TEXT:
                    await self._on_gateway(ws, json.loads(frame.data))
        finally:
            self._sockets.remove(ws)
        return ws

    async def _on_gateway(self, ws: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        if op == 1:
            await ws.send_str(json.dumps({"op": 11}))
        elif op == 2:
            self.identifies += 1
            await self.dispatch("READY", self._ready())
            await self.dispatch("GUILD_CREATE", self._guild())
        elif op == 6:
            self.resumes += 1
            await self.dispatch("RESUMED", {})
            if self.redeliver_on_resume:
                for message in list(self._sent):
                    await self.dispatch("MESSAGE_CREATE", message)
        async with self._changed:
            self._changed.notify_all()

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": self.bot_user,
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": f"session-{self.snowflake()}",
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "user_settings": {},
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        }


def _shape(parts: list[str]) -> tuple[str, ...]:
    """The route template of a path: ids and tokens become ``{}``."""
    named = {"users", "@me", "oauth2", "applications", "gateway", "bot", "channels", "messages", "typing"}
    named |= {"threads", "guilds", "members", "commands", "interactions", "callback", "webhooks", "@original"}
    return tuple(p if p in named else "{}" for p in parts)


_ROUTES: dict[tuple[str, tuple[str, ...]], Callable[..., Any]] = {
    ("GET", ("users", "@me")): FakeDiscord._me,
    ("GET", ("oauth2", "applications", "@me")): FakeDiscord._application,
    ("GET", ("gateway",)): FakeDiscord._gateway_info,
    ("GET", ("gateway", "bot")): FakeDiscord._gateway_info,
    ("POST", ("channels", "{}", "typing")): FakeDiscord._typing,
    ("POST", ("channels", "{}", "messages")): FakeDiscord._send,
    ("PATCH", ("channels", "{}", "messages", "{}")): FakeDiscord._edit,
    ("POST", ("channels", "{}", "messages", "{}", "threads")): FakeDiscord._create_thread,
    ("POST", ("users", "@me", "channels")): FakeDiscord._open_dm,
    ("GET", ("guilds", "{}", "members", "{}")): FakeDiscord._get_member,
    ("PUT", ("applications", "{}", "commands")): FakeDiscord._sync,
    ("PUT", ("applications", "{}", "guilds", "{}", "commands")): FakeDiscord._sync,
    ("POST", ("interactions", "{}", "{}", "callback")): FakeDiscord._callback,
    ("POST", ("webhooks", "{}", "{}")): FakeDiscord._followup,
    ("PATCH", ("webhooks", "{}", "{}", "messages", "@original")): FakeDiscord._edit_original,
}
