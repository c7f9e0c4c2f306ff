"""A fake Discord on 127.0.0.1: the REST API (v10) and the Gateway, speaking Discord's documented JSON.

The real discord.py talks to it once two class attributes point here (``point_discord_py`` does it and
undoes it)::

    discord.http.Route.BASE = fake.api_base            # every REST route, interaction callbacks and webhooks too
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)

``discord.Client`` never asks ``GET /gateway/bot``: it opens ``DEFAULT_GATEWAY`` (only
``AutoShardedClient`` asks), and goes back to it after an INVALID_SESSION.

Gateway: HELLO, IDENTIFY (token, intents and privileged intents checked against the application's
flags, close codes 4004/4013/4014 as Discord sends them), READY, a GUILD_CREATE per guild,
heartbeat ACKs, sequence numbers, RESUME (missed events replayed, then RESUMED), RECONNECT on demand,
GUILD_MEMBERS_CHUNK for op 8. Frames are zlib-stream compressed (Z_SYNC_FLUSH) when the client asks
``compress=zlib-stream``, as discord.py does; plain text JSON otherwise. MESSAGE_CREATE and
MESSAGE_UPDATE go only to sessions with GUILD_MESSAGES / DIRECT_MESSAGES, and without MESSAGE_CONTENT
a guild message's content, embeds, attachments and components arrive empty unless it mentions the
bot (DMs and the bot's own messages keep theirs), as the docs say. What the bot posts comes back to
it as MESSAGE_CREATE / MESSAGE_UPDATE like on Discord (ephemeral messages do not). A client asking
``zstd-stream`` (discord.py does when ``zstandard`` or Python 3.14's ``compression.zstd`` is there)
gets plain text frames, which discord.py also reads.

REST: every request is recorded as a ``Call`` in ``calls`` (``wait_for`` waits for one). Answers
carry ``Content-Type: application/json`` exactly (discord.py decodes no other), X-RateLimit-*
headers and ``Via`` (discord.py treats a 429 without ``Via`` as a Cloudflare ban and does not retry).
Errors use Discord's JSON shape ``{"message", "code"}`` (and ``errors`` for 50035 Invalid Form Body).
401, 403 and 429 (not scope ``shared``) count in ``invalid_requests``, as in Discord's invalid-request limit.

Tests push what users do: ``push_message``, ``push_slash`` and ``push_component``; the two last
return a ``FakeInteraction`` whose answer ``wait_for_callback``, ``original`` and ``followups`` find.
An interaction not answered within ``ack_deadline`` seconds (3 on Discord) is gone: its callback
gets 404 Unknown interaction (10062).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import re
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiohttp import WSMsgType, web

T = TypeVar("T")

DISCORD_EPOCH_MS = 1_420_070_400_000
BOT_ID = 1_300_000_000_000_000_042  # also the application's id, as for apps made since 2020
DEFAULT_USER_ID = 412_345_678_901_234_567
OWNER_ID = 398_765_432_109_876_543  # owns the guilds ``add_guild`` makes, unless told otherwise
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
TRACE = ['["fake-discord",{"micros":0}]']

# Gateway intents.
GUILDS = 1 << 0
GUILD_MEMBERS = 1 << 1
GUILD_PRESENCES = 1 << 8
GUILD_MESSAGES = 1 << 9
DIRECT_MESSAGES = 1 << 12
MESSAGE_CONTENT = 1 << 15
ALL_INTENTS = (1 << 26) - 1
# Application flags that allow each privileged intent (the verified one or the "limited" one).
GATEWAY_PRESENCE, GATEWAY_PRESENCE_LIMITED = 1 << 12, 1 << 13
GATEWAY_GUILD_MEMBERS, GATEWAY_GUILD_MEMBERS_LIMITED = 1 << 14, 1 << 15
GATEWAY_MESSAGE_CONTENT, GATEWAY_MESSAGE_CONTENT_LIMITED = 1 << 18, 1 << 19
PRIVILEGED = {
    GUILD_PRESENCES: GATEWAY_PRESENCE | GATEWAY_PRESENCE_LIMITED,
    GUILD_MEMBERS: GATEWAY_GUILD_MEMBERS | GATEWAY_GUILD_MEMBERS_LIMITED,
    MESSAGE_CONTENT: GATEWAY_MESSAGE_CONTENT | GATEWAY_MESSAGE_CONTENT_LIMITED,
}
# A bot in fewer than 100 servers with "Message Content" and "Server Members" switched on in the portal.
DEFAULT_APP_FLAGS = GATEWAY_MESSAGE_CONTENT_LIMITED | GATEWAY_GUILD_MEMBERS_LIMITED

# Permissions.
CREATE_INSTANT_INVITE = 1 << 0
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_EXTERNAL_EMOJIS = 1 << 18
CONNECT = 1 << 20
SPEAK = 1 << 21
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
ALL_PERMISSIONS = (1 << 51) - 1
EVERYONE_PERMISSIONS = (CREATE_INSTANT_INVITE | ADD_REACTIONS | VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
                        | ATTACH_FILES | READ_MESSAGE_HISTORY | USE_EXTERNAL_EMOJIS | CONNECT | SPEAK
                        | USE_APPLICATION_COMMANDS | SEND_MESSAGES_IN_THREADS)
BOT_PERMISSIONS = (VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
                   | ADD_REACTIONS | USE_EXTERNAL_EMOJIS)
# What an app may do in a DM with its bot user (``app_permissions`` of an interaction there).
DM_APP_PERMISSIONS = (VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY | ADD_REACTIONS | EMBED_LINKS
                      | ATTACH_FILES | MENTION_EVERYONE | USE_EXTERNAL_EMOJIS | USE_APPLICATION_COMMANDS)

# Message flags and types.
SUPPRESS_EMBEDS = 1 << 2
EPHEMERAL = 1 << 6
LOADING = 1 << 7
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
SENDABLE_FLAGS = SUPPRESS_EMBEDS | EPHEMERAL | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2
DEFAULT_MESSAGE, REPLY, CHAT_INPUT_COMMAND = 0, 19, 20
# Interaction types and callback types.
APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE = 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
CALLBACK_TYPES = {
    APPLICATION_COMMAND: (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, MODAL),
    MESSAGE_COMPONENT: (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE, MODAL),
    AUTOCOMPLETE: (AUTOCOMPLETE_RESULT,),
    MODAL_SUBMIT: (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE),
}
INTERACTION_TOKEN_LIFETIME = 15 * 60
# Components whose use sends an interaction, and the option types that carry an id.
BUTTON, STRING_SELECT = 2, 3
SELECTS = {3, 5, 6, 7, 8}
COMMAND_NAME = re.compile(r"^[-_'\w]{1,32}$")
ID_OPTION_TYPES = {6, 7, 8, 9}
OPTION_PYTHON_TYPES: dict[int, type | tuple[type, ...]] = {3: str, 4: int, 5: bool, 10: (int, float)}

# Discord's JSON error codes used here.
UNKNOWN_CHANNEL, UNKNOWN_GUILD, UNKNOWN_MEMBER, UNKNOWN_MESSAGE = 10003, 10004, 10007, 10008
UNKNOWN_USER, UNKNOWN_WEBHOOK, UNKNOWN_INTERACTION = 10013, 10015, 10062
ALREADY_ACKNOWLEDGED = 40060
MISSING_ACCESS, CANNOT_EDIT_OTHERS, EMPTY_MESSAGE, CANNOT_DM = 50001, 50005, 50006, 50007
MISSING_PERMISSIONS, INVALID_WEBHOOK_TOKEN, INVALID_RECIPIENTS, INVALID_FORM_BODY = 50013, 50027, 50033, 50035
INVALID_JSON = 50109


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _form_error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _too_long(limit: int) -> dict[str, Any]:
    return _form_error("BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _walk_components(components: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])
        if isinstance(component.get("accessory"), dict):
            yield component["accessory"]


@dataclass
class Call:
    """One REST request: ``path`` without the ``/api/v10`` prefix, ``json`` the decoded body (a
    multipart body's ``payload_json``), then what the fake answered."""

    method: str
    path: str
    json: Any = None
    query: dict[str, str] = field(default_factory=dict)
    status: int = 0
    response: Any = None
    files: list[str] = field(default_factory=list)
    at: float = field(default_factory=time.monotonic)

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Failure:
    """A scripted answer for the next ``count`` requests whose ``"METHOD /path"`` contains ``match``."""

    match: str
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    count: int = 1


@dataclass
class FakeInteraction:
    """An interaction the fake sent; ``callback`` is the bot's answer to it (the callback's body)."""

    id: str
    token: str
    type: int
    payload: dict[str, Any]
    sent_at: float
    channel_id: int
    guild_id: int | None
    user_id: int
    source_message_id: int | None = None  # a component's message
    response_type: int | None = None
    callback: dict[str, Any] | None = None
    original_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    expired: bool = False


@dataclass(eq=False)
class Connection:
    """One gateway websocket."""

    ws: web.WebSocketResponse
    path: str
    query: dict[str, str]
    zlib: Any = None  # a zlib compressobj when the client asked compress=zlib-stream
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: Session | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    heartbeats: int = 0
    acks: int = 0
    close_code: int | None = None
    closing: bool = False

    async def send(self, frame: dict[str, Any]) -> None:
        text = json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
        async with self.lock:
            if self.ws.closed:
                raise ConnectionResetError("the gateway websocket is closed")
            if self.zlib is not None:
                await self.ws.send_bytes(self.zlib.compress(text.encode()) + self.zlib.flush(zlib.Z_SYNC_FLUSH))
            else:
                await self.ws.send_str(text)


@dataclass(eq=False)
class Session:
    """A gateway session: it outlives its connection until closed with 1000/1001, so it can be resumed."""

    session_id: str
    intents: int
    identify: dict[str, Any]
    shard: tuple[int, int]
    connection: Connection | None = None
    seq: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)
    ready: bool = False
    resumes: int = 0
    invalidated: bool = False

    async def dispatch(self, event: str, data: Any) -> None:
        self.seq += 1
        frame = {"op": 0, "t": event, "s": self.seq, "d": data}
        self.sent.append(frame)
        del self.sent[:-2000]
        if self.connection is not None:
            try:
                await self.connection.send(frame)
            except (ConnectionResetError, RuntimeError):
                self.connection = None  # kept for a RESUME


Reply = tuple[int, Any] | tuple[int, Any, dict[str, str]]


def _error(status: int, code: int, message: str, errors: dict[str, Any] | None = None) -> tuple[int, Any]:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return status, body


def _form(errors: dict[str, Any]) -> tuple[int, Any]:
    return _error(400, INVALID_FORM_BODY, "Invalid Form Body", errors)


class FakeDiscord:
    def __init__(self, *, bot_name: str = "Unknot", app_flags: int = DEFAULT_APP_FLAGS,
                 heartbeat_interval: int = 41_250, ack_deadline: float = 3.0) -> None:
        self.bot_id = BOT_ID
        self.application_id = BOT_ID
        encoded = base64.urlsafe_b64encode(str(BOT_ID).encode()).decode().rstrip("=")
        self.token = f"{encoded}.GfAkE0.{secrets.token_urlsafe(28)}"
        self.app_flags = app_flags
        self.heartbeat_interval = heartbeat_interval  # milliseconds, as in HELLO
        self.ack_deadline = ack_deadline
        self.ack_heartbeats = True
        self.port = 0
        self.calls: list[Call] = []
        self.invalid_requests = 0
        self.failures: list[Failure] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.guilds: dict[int, dict[str, Any]] = {}
        self.channels: dict[int, dict[str, Any]] = {}
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        self.messages: dict[int, dict[str, Any]] = {}
        self.channel_messages: dict[int, list[int]] = {}
        self.global_commands: list[dict[str, Any]] = []
        self.guild_commands: dict[int, list[dict[str, Any]]] = {}
        self.interactions: dict[int, FakeInteraction] = {}
        self.closed_dms: set[int] = set()
        self.deleted_channels: set[int] = set()
        self.forbidden_channels: set[int] = set()
        self.sessions: dict[str, Session] = {}
        # (guild, command) a server's admins opened to everyone in Server Settings > Integrations,
        # overriding the command's default_member_permissions (Discord lets them).
        self.command_overrides: set[tuple[int, str]] = set()
        self.connections: list[Connection] = []
        self._by_token: dict[str, FakeInteraction] = {}
        self._last_snowflake = 0
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.bot_user = self.add_user(BOT_ID, bot_name, bot=True)

    # -- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application(client_max_size=1 << 25)
        app.router.add_get("/", self._gateway)
        app.router.add_get("/resume", self._gateway)
        app.router.add_route("*", r"/api/v{version:\d+}/{tail:.*}", self._rest)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        """Close the gateway sockets (1001, going away) and the server. Close the client first, or it reconnects."""
        for conn in self.connections:
            if not conn.ws.closed:
                await self._close(conn, 1001, "going away")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    @contextmanager
    def point_discord_py(self) -> Iterator[None]:
        """Point discord.py's REST routes and its default gateway here, and back afterwards."""
        import discord.gateway
        import discord.http
        import yarl

        base, gateway = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
        discord.http.Route.BASE = self.api_base
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            discord.http.Route.BASE = base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway

    # -- waiting -----------------------------------------------------------------------
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_until(self, predicate: Callable[[], T | None], timeout: float = 5.0) -> T:
        """The first truthy value of ``predicate()``, checked whenever the fake's state changes."""
        async with self._changed:
            try:
                found = await asyncio.wait_for(self._changed.wait_for(predicate), timeout)
            except TimeoutError:
                recent = "\n  ".join(f"{c.route} -> {c.status}" for c in self.calls[-10:])
                raise TimeoutError(f"not within {timeout}s; the last calls:\n  {recent}") from None
        assert found is not None
        return found

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 5.0) -> Call:
        """The first recorded call (already made or to come) that satisfies ``predicate``."""
        return await self.wait_until(lambda: next((c for c in self.calls if predicate(c)), None), timeout)

    async def wait_identified(self, timeout: float = 5.0) -> Session:
        """The newest session that got READY and its GUILD_CREATEs and is still connected."""
        return await self.wait_until(lambda: next(
            (s for s in reversed(self.sessions.values()) if s.ready and s.connection and not s.invalidated), None),
            timeout)

    async def wait_for_callback(self, interaction: FakeInteraction, timeout: float = 5.0) -> dict[str, Any]:
        """The bot's answer to ``interaction`` (the body of its POST .../callback)."""
        return await self.wait_until(lambda: interaction.callback, timeout)

    # -- what happened -----------------------------------------------------------------
    @property
    def heartbeats(self) -> int:
        return sum(c.heartbeats for c in self.connections)

    @property
    def heartbeat_acks(self) -> int:
        return sum(c.acks for c in self.connections)

    @property
    def intents(self) -> int | None:
        """The intents of the newest IDENTIFY."""
        return next((s.intents for s in reversed(self.sessions.values())), None)

    def commands(self, guild_id: int | None = None) -> list[dict[str, Any]]:
        return self.global_commands if guild_id is None else self.guild_commands.get(guild_id, [])

    def original(self, interaction: FakeInteraction) -> dict[str, Any] | None:
        """The interaction's original response message (for 6/7: the component's message)."""
        return None if interaction.original_id is None else self.messages.get(interaction.original_id)

    def followups(self, interaction: FakeInteraction) -> list[dict[str, Any]]:
        return [self.messages[i] for i in interaction.followup_ids if i in self.messages]

    def messages_in(self, channel_id: int) -> list[dict[str, Any]]:
        return [self.messages[i] for i in self.channel_messages.get(channel_id, []) if i in self.messages]

    # -- the world ---------------------------------------------------------------------
    def snowflake(self) -> int:
        stamp = (int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22 | 1 << 17
        self._last_snowflake = max(stamp, self._last_snowflake + 1)
        return self._last_snowflake

    def add_user(self, user_id: int, username: str | None = None, *, global_name: str | None = None,
                 bot: bool = False) -> dict[str, Any]:
        user: dict[str, Any] = {
            "id": str(user_id), "username": (username or f"user{user_id}").lower(), "discriminator": "0",
            "global_name": global_name if global_name is not None else (username or f"User {user_id}"),
            "avatar": None, "avatar_decoration_data": None, "public_flags": 0, "flags": 0,
        }
        if bot:
            user["bot"] = True
            user["global_name"] = None
            user["username"] = username or "bot"
        self.users[user_id] = user
        return user

    def user(self, user_id: int) -> dict[str, Any]:
        return self.users.get(user_id) or self.add_user(user_id)

    def add_guild(self, guild_id: int, name: str = "Back Club", channels: Iterable[int | dict[str, Any]] | None = None,
                  members: Mapping[int, int | None] | None = None, *, owner_id: int | None = None,
                  everyone_permissions: int = EVERYONE_PERMISSIONS,
                  bot_permissions: int = BOT_PERMISSIONS) -> dict[str, Any]:
        """A guild the bot is in. ``channels``: ids of text channels or channel dicts (``id``, ``name``,
        ``type``...); ``members``: user id -> the permissions of a role of theirs (added to @everyone's).
        The bot joins with a managed role holding ``bot_permissions``. Add guilds before the bot
        connects, or follow with ``await join_guild(id)``."""
        roles: dict[int, dict[str, Any]] = {}
        owner_id = OWNER_ID if owner_id is None else owner_id
        guild: dict[str, Any] = {"id": guild_id, "name": name, "owner_id": owner_id, "roles": roles,
                                 "members": {}, "channels": [], "joined_at": _now_iso()}
        self.guilds[guild_id] = guild
        roles[guild_id] = self._role(guild_id, "@everyone", everyone_permissions, 0)
        bot_role = self.snowflake()
        roles[bot_role] = self._role(bot_role, self.bot_user["username"], bot_permissions, 1, managed=True)
        roles[bot_role]["tags"] = {"bot_id": str(self.bot_id)}
        self.add_member(guild_id, self.bot_id, role_ids=[bot_role])
        for user_id, permissions in (members or {}).items():
            self.add_member(guild_id, user_id, permissions)
        if owner_id not in guild["members"]:
            self.add_member(guild_id, owner_id)
        for position, spec in enumerate(channels if channels is not None else [self.snowflake()]):
            data = {"id": spec} if isinstance(spec, int) else dict(spec)
            data.setdefault("position", position)
            self.add_channel(guild_id, int(data.pop("id")), **data)
        return self.guild_object(guild_id)

    def _role(self, role_id: int, name: str, permissions: int, position: int, *, managed: bool = False
              ) -> dict[str, Any]:
        return {"id": str(role_id), "name": name, "permissions": str(permissions), "position": position,
                "color": 0, "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
                "hoist": False, "icon": None, "unicode_emoji": None, "managed": managed, "mentionable": False,
                "flags": 0}

    def add_member(self, guild_id: int, user_id: int, permissions: int | None = None, *,
                   role_ids: Iterable[int] = ()) -> dict[str, Any]:
        """``user_id`` joins the guild; with ``permissions``, through a role holding them."""
        guild = self.guilds[guild_id]
        self.user(user_id)
        roles = list(role_ids)
        if permissions is not None:
            role = next((r for r in guild["roles"].values()
                         if r["permissions"] == str(permissions) and not r["managed"] and int(r["id"]) != guild_id),
                        None)
            if role is None:
                role_id = self.snowflake()
                role = guild["roles"][role_id] = self._role(role_id, f"perms {permissions}", permissions,
                                                            len(guild["roles"]))
            roles.append(int(role["id"]))
        guild["members"][user_id] = {"roles": roles, "joined_at": _now_iso()}
        return self.member_object(guild_id, user_id)

    def add_channel(self, guild_id: int, channel_id: int, name: str | None = None, type: int = 0, *,
                    position: int = 0, **extra: Any) -> dict[str, Any]:
        channel: dict[str, Any] = {
            "id": str(channel_id), "type": type, "guild_id": str(guild_id), "name": name or f"channel-{position}",
            "position": position, "permission_overwrites": [], "parent_id": None, "flags": 0,
        }
        if type in (0, 5):
            channel.update(topic=None, nsfw=False, last_message_id=None, rate_limit_per_user=0)
        elif type in (2, 13):
            channel.update(bitrate=64000, user_limit=0, rtc_region=None, nsfw=False, last_message_id=None,
                           rate_limit_per_user=0)
        channel.update(extra)
        self.channels[channel_id] = channel
        self.guilds[guild_id]["channels"].append(channel_id)
        return channel

    def dm_channel(self, user_id: int) -> dict[str, Any]:
        """The DM channel between the bot and ``user_id`` (Discord keeps one per user)."""
        if user_id not in self.dm_channels:
            channel_id = self.snowflake()
            self.channels[channel_id] = {"id": str(channel_id), "type": 1, "last_message_id": None, "flags": 0,
                                         "recipients": [self.user(user_id)]}
            self.dm_channels[user_id] = channel_id
        return self.channels[self.dm_channels[user_id]]

    def guild_object(self, guild_id: int) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        return {
            "id": str(guild_id), "name": guild["name"], "icon": None, "splash": None, "discovery_splash": None,
            "owner_id": str(guild["owner_id"]), "afk_channel_id": None, "afk_timeout": 300,
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "roles": list(guild["roles"].values()), "emojis": [], "stickers": [], "features": [], "mfa_level": 0,
            "application_id": None, "system_channel_id": None, "system_channel_flags": 0, "rules_channel_id": None,
            "max_members": 500000, "vanity_url_code": None, "description": None, "banner": None,
            "premium_tier": 0, "premium_subscription_count": 0, "preferred_locale": "en-US",
            "public_updates_channel_id": None, "nsfw_level": 0, "premium_progress_bar_enabled": False,
            "safety_alerts_channel_id": None,
        }

    def member_object(self, guild_id: int, user_id: int, *, with_user: bool = True) -> dict[str, Any]:
        stored = self.guilds[guild_id]["members"][user_id]
        member: dict[str, Any] = {
            "roles": [str(r) for r in stored["roles"]], "joined_at": stored["joined_at"], "nick": None,
            "avatar": None, "banner": None, "premium_since": None, "deaf": False, "mute": False, "flags": 0,
            "pending": False, "communication_disabled_until": None,
        }
        if with_user:
            member["user"] = self.user(user_id)
        return member

    def permissions(self, guild_id: int, user_id: int) -> int:
        """A member's guild permissions: @everyone's and their roles', all of them for the owner or an admin."""
        guild = self.guilds[guild_id]
        if user_id == guild["owner_id"]:
            return ALL_PERMISSIONS
        roles = guild["roles"]
        value = int(roles[guild_id]["permissions"])
        for role_id in guild["members"].get(user_id, {}).get("roles", []):
            value |= int(roles[role_id]["permissions"])
        return ALL_PERMISSIONS if value & ADMINISTRATOR else value

    async def join_guild(self, guild_id: int) -> None:
        """Send GUILD_CREATE for a guild added while the bot is connected (the bot was added to it)."""
        for session in self._live_sessions():
            await session.dispatch("GUILD_CREATE", self._guild_create(guild_id, session.intents))

    # -- scripted failures ---------------------------------------------------------------
    def close_dms(self, user_id: int) -> None:
        """The user no longer takes DMs from the bot: sends to their DM answer 403, code 50007."""
        self.closed_dms.add(user_id)

    def open_dms(self, user_id: int) -> None:
        self.closed_dms.discard(user_id)

    def delete_channel(self, channel_id: int) -> None:
        """The channel is gone: every /channels/{id} route answers 404, code 10003 Unknown Channel."""
        self.deleted_channels.add(channel_id)

    def forbid_channel(self, channel_id: int) -> None:
        """The bot lost its rights there: sends and edits answer 403, code 50013 Missing Permissions."""
        self.forbidden_channels.add(channel_id)

    def allow_channel(self, channel_id: int) -> None:
        self.forbidden_channels.discard(channel_id)

    def rate_limit_next(self, route: str, retry_after: float = 1.0, *, count: int = 1, scope: str = "user",
                        is_global: bool = False) -> None:
        """The next ``count`` requests whose ``"METHOD /path"`` contains ``route`` get a 429 as Discord
        sends it (JSON body, Retry-After, X-RateLimit-* and Via headers)."""
        reset_after = f"{retry_after:.3f}"
        scope = "global" if is_global else scope
        headers = {"Retry-After": str(math.ceil(retry_after)), "X-RateLimit-Scope": scope}
        if is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update({"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                            "X-RateLimit-Reset-After": reset_after, "X-RateLimit-Bucket": self._bucket(route)})
        message = "The resource is being rate limited." if scope == "shared" else "You are being rate limited."
        self.failures.append(Failure(route, 429, {"message": message, "retry_after": retry_after,
                                                  "global": is_global}, headers, count))

    def fail_next(self, route: str, status: int, code: int = 0, message: str | None = None, *,
                  count: int = 1) -> None:
        """The next ``count`` requests whose ``"METHOD /path"`` contains ``route`` answer ``status`` with
        ``{"message", "code"}`` (e.g. 500, or 403 with a JSON error code)."""
        reasons = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
                   500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
                   504: "Gateway Timeout"}
        text = message or f"{status}: {reasons.get(status, 'Error')}"
        self.failures.append(Failure(route, status, {"message": text, "code": code}, {}, count))

    # -- what users do -------------------------------------------------------------------
    def _live_sessions(self) -> list[Session]:
        return [s for s in self.sessions.values() if s.ready and not s.invalidated]

    def _need_session(self) -> None:
        # Sessions without a connection still get events (replayed on RESUME); one must be connected.
        if not any(s.connection is not None for s in self._live_sessions()):
            raise RuntimeError("no bot is connected to the fake gateway (await fake.wait_identified() first)")

    def _resolve_place(self, channel_id: int | None, guild_id: int | None, user_id: int
                       ) -> tuple[int, int | None]:
        if channel_id is None:
            if guild_id is None:
                return int(self.dm_channel(user_id)["id"]), None
            text = [c for c in self.guilds[guild_id]["channels"] if self.channels[c]["type"] == 0]
            if not text:
                raise ValueError(f"guild {guild_id} has no text channel")
            return text[0], guild_id
        channel = self.channels.get(channel_id)
        if channel is None:
            raise ValueError(f"unknown channel {channel_id}: add it with add_guild or use a DM")
        found = int(channel["guild_id"]) if "guild_id" in channel else None
        if guild_id is not None and found != guild_id:
            raise ValueError(f"channel {channel_id} is not in guild {guild_id}")
        return channel_id, found

    async def push_message(self, content: str, author_id: int = DEFAULT_USER_ID, channel_id: int | None = None,
                           guild_id: int | None = None, mentions_bot: bool = False,
                           **extra: Any) -> dict[str, Any]:
        """A user writes: MESSAGE_CREATE (a DM with the bot when no channel or guild is given).
        ``mentions_bot`` puts ``<@bot>`` before the content; mentions come from the content."""
        self._need_session()
        channel_id, guild_id = self._resolve_place(channel_id, guild_id, author_id)
        if guild_id is not None and author_id not in self.guilds[guild_id]["members"]:
            self.add_member(guild_id, author_id)
        if mentions_bot and f"<@{self.bot_id}>" not in content and f"<@!{self.bot_id}>" not in content:
            content = f"<@{self.bot_id}> {content}"
        message = self._new_message(channel_id, self.user(author_id), {"content": content, **extra})
        await self._dispatch_message("MESSAGE_CREATE", message)
        return message

    async def push_slash(self, name: str, options: Mapping[str, Any] | list[dict[str, Any]] | None = None,
                         user_id: int = DEFAULT_USER_ID, guild_id: int | None = None, channel_id: int | None = None,
                         member_permissions: int | str | None = None, locale: str = "en-US") -> FakeInteraction:
        """A user runs /name: INTERACTION_CREATE type 2. ``options``: {name: value} (a dict for a
        subcommand) checked against the registered command, or Discord's raw option list.
        ``member_permissions`` overrides what the member's roles give."""
        self._need_session()
        channel_id, guild_id = self._resolve_place(channel_id, guild_id, user_id)
        command = self._find_command(name, guild_id, user_id, member_permissions)
        resolved: dict[str, dict[str, Any]] = {}
        data: dict[str, Any] = {"id": command["id"], "name": name, "type": command.get("type", 1)}
        if options:
            data["options"] = self._options(name, command.get("options") or [], options, guild_id, resolved)
        else:
            self._options(name, command.get("options") or [], {}, guild_id, resolved)
        if resolved:
            data["resolved"] = resolved
        if command.get("guild_id"):
            data["guild_id"] = command["guild_id"]
        return await self._push_interaction(APPLICATION_COMMAND, data, user_id, channel_id, guild_id,
                                            member_permissions, locale)

    async def push_component(self, custom_id: str, message_id: int, user_id: int = DEFAULT_USER_ID,
                             values: list[str] | None = None, member_permissions: int | str | None = None,
                             locale: str = "en-US") -> FakeInteraction:
        """A user clicks a button or picks in a select of a message the fake holds: INTERACTION_CREATE
        type 3 with the component's type, and ``values`` for a select."""
        self._need_session()
        message = self.messages.get(message_id)
        if message is None:
            raise LookupError(f"no message {message_id}: the bot never sent it")
        component = next((c for c in _walk_components(message.get("components") or [])
                          if c.get("custom_id") == custom_id), None)
        if component is None:
            present = [c.get("custom_id") for c in _walk_components(message.get("components") or [])]
            raise LookupError(f"message {message_id} has no component {custom_id!r}: {present}")
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled: Discord does not let it be used")
        kind = component["type"]
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": kind}
        if "id" in component:
            data["id"] = component["id"]
        if kind in SELECTS:
            values = list(values or [])
            low, high = component.get("min_values", 1), component.get("max_values", 1)
            if not low <= len(values) <= high:
                raise ValueError(f"select {custom_id!r} takes {low}..{high} values, not {values}")
            if kind == STRING_SELECT:
                allowed = [o["value"] for o in component.get("options", [])]
                if any(v not in allowed for v in values):
                    raise ValueError(f"select {custom_id!r} offers {allowed}, not {values}")
            data["values"] = values
        elif kind != BUTTON or component.get("style") in (5, 6):
            raise ValueError(f"component {custom_id!r} (type {kind}) sends no interaction")
        channel_id = int(message["channel_id"])
        guild_id = self.channels.get(channel_id, {}).get("guild_id")
        return await self._push_interaction(MESSAGE_COMPONENT, data, user_id, channel_id,
                                            int(guild_id) if guild_id else None, member_permissions, locale,
                                            message=message)

    async def _push_interaction(self, kind: int, data: dict[str, Any], user_id: int, channel_id: int,
                                guild_id: int | None, member_permissions: int | str | None, locale: str,
                                message: dict[str, Any] | None = None) -> FakeInteraction:
        interaction_id = self.snowflake()
        token = "aW50ZXJhY3Rpb246" + secrets.token_urlsafe(96)
        payload: dict[str, Any] = {
            "id": str(interaction_id), "application_id": str(self.application_id), "type": kind, "data": data,
            "token": token, "version": 1, "locale": locale, "entitlements": [],
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT, "channel_id": str(channel_id),
        }
        channel = dict(self.channels[channel_id])
        if guild_id is None:
            payload["user"] = self.user(user_id)
            payload["app_permissions"] = str(DM_APP_PERMISSIONS)
            payload["context"] = 1
            payload["authorizing_integration_owners"] = {"0": "0"}
        else:
            if user_id not in self.guilds[guild_id]["members"]:
                self.add_member(guild_id, user_id)
            permissions = (self.permissions(guild_id, user_id) if member_permissions is None
                           else int(member_permissions))
            member = self.member_object(guild_id, user_id)
            member["permissions"] = str(permissions)
            payload.update(guild_id=str(guild_id), member=member, guild_locale="en-US", context=0,
                           guild={"id": str(guild_id), "locale": "en-US", "features": []},
                           app_permissions=str(self.permissions(guild_id, self.bot_id)),
                           authorizing_integration_owners={"0": str(guild_id)})
            channel["permissions"] = str(permissions)
        payload["channel"] = channel
        if message is not None:
            payload["message"] = message
        interaction = FakeInteraction(str(interaction_id), token, kind, payload, time.monotonic(), channel_id,
                                      guild_id, user_id, int(message["id"]) if message else None)
        self.interactions[interaction_id] = interaction
        self._by_token[token] = interaction
        for session in self._live_sessions():
            await session.dispatch("INTERACTION_CREATE", payload)
        await self._notify()
        return interaction

    def _find_command(self, name: str, guild_id: int | None, user_id: int,
                      member_permissions: int | str | None) -> dict[str, Any]:
        candidates = list(self.guild_commands.get(guild_id, [])) if guild_id is not None else []
        candidates += self.global_commands
        for command in candidates:
            if command["name"] != name or command.get("type", 1) != 1:
                continue
            contexts = command.get("contexts")
            if guild_id is None and (command.get("dm_permission") is False
                                     or (contexts is not None and 1 not in contexts)):
                continue
            if guild_id is not None and contexts is not None and 0 not in contexts:
                continue
            needed = command.get("default_member_permissions")
            overridden = (guild_id, name) in self.command_overrides
            if guild_id is not None and needed is not None and not overridden:
                have = (self.permissions(guild_id, user_id) if member_permissions is None
                        else int(member_permissions))
                if not have & ADMINISTRATOR and (int(needed) == 0 or have & int(needed) != int(needed)):
                    raise PermissionError(f"Discord hides /{name} from this member (needs {needed}, has {have})")
            return command
        where = "this DM" if guild_id is None else f"guild {guild_id}"
        raise LookupError(f"/{name} is not registered for {where}: the bot must sync it first")

    def _options(self, command: str, defs: list[dict[str, Any]], given: Mapping[str, Any] | list[dict[str, Any]],
                 guild_id: int | None, resolved: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        if isinstance(given, list):
            return given
        by_name = {d["name"]: d for d in defs}
        out: list[dict[str, Any]] = []
        for name, value in given.items():
            spec = by_name.get(name)
            if spec is None:
                raise ValueError(f"/{command} has no option {name!r}; it has {sorted(by_name)}")
            kind = spec["type"]
            if kind in (1, 2):
                out.append({"name": name, "type": kind,
                            "options": self._options(command, spec.get("options") or [], value or {}, guild_id,
                                                     resolved)})
                continue
            choices = [c["value"] for c in spec.get("choices") or []]
            if choices and value not in choices:
                raise ValueError(f"/{command} {name}: {value!r} is not one of {choices}")
            if kind in ID_OPTION_TYPES:
                value = str(value)
                self._resolve(kind, int(value), guild_id, resolved)
            elif not isinstance(value, OPTION_PYTHON_TYPES.get(kind, object)):
                raise TypeError(f"/{command} {name}: {value!r} does not fit option type {kind}")
            out.append({"name": name, "type": kind, "value": value})
        subcommands = [d for d in defs if d["type"] in (1, 2)]
        if subcommands and len([o for o in out if o["type"] in (1, 2)]) != 1:
            raise ValueError(f"/{command}: pick one of {[d['name'] for d in subcommands]}")
        missing = [d["name"] for d in defs if d.get("required") and d["name"] not in given]
        if missing:
            raise ValueError(f"/{command}: required options missing: {missing}")
        return out

    def _resolve(self, kind: int, target: int, guild_id: int | None, resolved: dict[str, dict[str, Any]]) -> None:
        if kind == 7 or (kind == 9 and target in self.channels):
            channel = self.channels.get(target)
            if channel is None:
                raise ValueError(f"unknown channel {target}")
            keys = ("id", "name", "type", "guild_id", "parent_id", "flags", "position", "topic", "nsfw")
            partial = {k: channel[k] for k in keys if k in channel}
            partial["permissions"] = str(self.permissions(guild_id, self.bot_id) if guild_id else DM_APP_PERMISSIONS)
            resolved.setdefault("channels", {})[str(target)] = partial
        elif kind == 8 or (kind == 9 and guild_id is not None and target in self.guilds[guild_id]["roles"]):
            if guild_id is None or target not in self.guilds[guild_id]["roles"]:
                raise ValueError(f"unknown role {target}")
            resolved.setdefault("roles", {})[str(target)] = self.guilds[guild_id]["roles"][target]
        else:
            resolved.setdefault("users", {})[str(target)] = self.user(target)
            if guild_id is not None and target in self.guilds[guild_id]["members"]:
                member = self.member_object(guild_id, target, with_user=False)
                del member["deaf"], member["mute"]
                member["permissions"] = str(self.permissions(guild_id, target))
                resolved.setdefault("members", {})[str(target)] = member

    async def request_reconnect(self) -> None:
        """Send op 7 RECONNECT: the client should come back on resume_gateway_url and RESUME."""
        for session in self._live_sessions():
            if session.connection is not None:
                await session.connection.send({"op": 7, "d": None, "s": None, "t": None})

    # -- gateway -------------------------------------------------------------------------
    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse(max_msg_size=1 << 22)
        await ws.prepare(request)
        conn = Connection(ws, request.path, dict(request.query))
        self.connections.append(conn)
        await self._notify()
        try:
            if conn.query.get("v", "10") not in ("9", "10"):
                await self._close(conn, 4012, "Invalid API version.")
                return ws
            if conn.query.get("encoding", "json") != "json":
                await self._close(conn, 4002, "Error while decoding payload.")  # the fake speaks JSON only
                return ws
            if conn.query.get("compress") == "zlib-stream":
                conn.zlib = zlib.compressobj()
            await conn.send({"op": 10, "d": {"heartbeat_interval": self.heartbeat_interval, "_trace": TRACE},
                             "s": None, "t": None})
            async for msg in ws:
                if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    raw = msg.data if msg.type == WSMsgType.TEXT else msg.data.decode()
                    payload = json.loads(raw)
                    op = payload["op"]
                except (ValueError, KeyError, TypeError):
                    await self._close(conn, 4002, "Error while decoding payload.")
                    break
                conn.received.append(payload)
                await self._on_op(conn, op, payload.get("d"))
                await self._notify()
                if conn.closing:
                    break
        finally:
            if conn.close_code is None:  # the client closed; when the fake did, its own code stays
                conn.close_code = ws.close_code
            session = conn.session
            if session is not None and session.connection is conn:
                session.connection = None
                if conn.close_code in (1000, 1001):
                    session.invalidated = True  # a clean close ends the session (the bot goes offline)
            await self._notify()
        return ws

    async def _close(self, conn: Connection, code: int, reason: str) -> None:
        conn.closing = True
        conn.close_code = code  # aiohttp's close_code becomes the code the client echoes
        await conn.ws.close(code=code, message=reason.encode())

    async def _on_op(self, conn: Connection, op: Any, data: Any) -> None:
        if op == 1:
            conn.heartbeats += 1
            if self.ack_heartbeats:
                await conn.send({"op": 11, "d": None, "s": None, "t": None})
                conn.acks += 1
        elif op == 2:
            await self._identify(conn, data)
        elif op == 6:
            await self._resume(conn, data)
        elif op in (3, 4, 8) and conn.session is None:
            await self._close(conn, 4003, "Not authenticated.")
        elif op == 8:
            await self._member_chunks(conn, data)
        elif op not in (3, 4):
            await self._close(conn, 4001, "Unknown opcode.")

    def _check_token(self, token: Any) -> bool:
        return isinstance(token, str) and token.removeprefix("Bot ") == self.token

    async def _identify(self, conn: Connection, data: Any) -> None:
        if conn.session is not None:
            await self._close(conn, 4005, "Already authenticated.")
            return
        if not isinstance(data, dict) or not self._check_token(data.get("token")):
            await self._close(conn, 4004, "Authentication failed.")
            return
        intents = data.get("intents")
        if not isinstance(intents, int) or intents < 0 or intents & ~ALL_INTENTS:
            await self._close(conn, 4013, "Invalid intent(s).")
            return
        if any(intents & intent and not self.app_flags & flags for intent, flags in PRIVILEGED.items()):
            await self._close(conn, 4014, "Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        if not (isinstance(shard, list) and len(shard) == 2 and 0 <= shard[0] < shard[1]):
            await self._close(conn, 4010, "Invalid shard.")
            return
        session = Session(secrets.token_hex(16), intents, data, (shard[0], shard[1]), connection=conn)
        conn.session = session
        self.sessions[session.session_id] = session
        guild_ids = [g for g in self.guilds if (g >> 22) % shard[1] == shard[0]]
        ready: dict[str, Any] = {
            "v": 10, "user": {**self.bot_user, "verified": True, "mfa_enabled": False, "email": None},
            "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
            "session_id": session.session_id, "session_type": "normal",
            "resume_gateway_url": f"ws://127.0.0.1:{self.port}/resume",
            "application": {"id": str(self.application_id), "flags": self.app_flags},
            "private_channels": [], "relationships": [], "presences": [], "user_settings": {},
            "guild_join_requests": [], "geo_ordered_rtc_regions": ["rotterdam"], "auth": {}, "_trace": TRACE,
        }
        if "shard" in data:
            ready["shard"] = shard
        await session.dispatch("READY", ready)
        for guild_id in guild_ids:
            await session.dispatch("GUILD_CREATE", self._guild_create(guild_id, intents))
        session.ready = True

    def _guild_create(self, guild_id: int, intents: int) -> dict[str, Any]:
        guild = self.guilds[guild_id]
        # Without GUILD_PRESENCES Discord sends only the bot among the members (others come by chunks).
        shown = [u for u in guild["members"] if intents & GUILD_PRESENCES or u == self.bot_id]
        channels = []
        for channel_id in guild["channels"]:
            if channel_id not in self.deleted_channels:
                channel = dict(self.channels[channel_id])
                del channel["guild_id"]
                channels.append(channel)
        return {
            **self.guild_object(guild_id), "joined_at": guild["joined_at"], "large": False, "unavailable": False,
            "member_count": len(guild["members"]), "voice_states": [],
            "members": [self.member_object(guild_id, u) for u in shown], "channels": channels, "threads": [],
            "presences": [], "stage_instances": [], "guild_scheduled_events": [], "soundboard_sounds": [],
            "lazy": True,
        }

    async def _resume(self, conn: Connection, data: Any) -> None:
        session = self.sessions.get(str(data.get("session_id"))) if isinstance(data, dict) else None
        if session is None or session.invalidated or not self._check_token(data.get("token")):
            await conn.send({"op": 9, "d": False, "s": None, "t": None})
            return
        seq = data.get("seq") or 0
        if seq > session.seq:
            await self._close(conn, 4007, "Invalid seq.")
            return
        old = session.connection
        session.connection = conn
        conn.session = session
        if old is not None and old is not conn and not old.ws.closed:
            await self._close(old, 4009, "Session timed out.")
        for frame in [f for f in session.sent if f["s"] > seq]:
            await conn.send(frame)
        session.resumes += 1
        await session.dispatch("RESUMED", {"_trace": TRACE})

    async def _member_chunks(self, conn: Connection, data: Any) -> None:
        assert conn.session is not None
        if not isinstance(data, dict):
            await self._close(conn, 4001, "Unknown opcode.")
            return
        if not conn.session.intents & GUILD_MEMBERS and not data.get("user_ids"):
            await self._close(conn, 4013, "Invalid intent(s).")  # all members need GUILD_MEMBERS
            return
        guild_ids: Any = data.get("guild_id")
        for guild_id in [int(g) for g in (guild_ids if isinstance(guild_ids, list) else [guild_ids])]:
            guild = self.guilds.get(guild_id)
            if guild is None:
                continue
            wanted = {int(u) for u in data.get("user_ids") or []}
            query = (data.get("query") or "").lower()
            found = [u for u in guild["members"]
                     if (not wanted or u in wanted) and self.user(u)["username"].startswith(query)]
            if data.get("limit"):
                found = found[:data["limit"]]
            chunk: dict[str, Any] = {"guild_id": str(guild_id), "chunk_index": 0, "chunk_count": 1,
                                     "members": [self.member_object(int(guild_id), u) for u in found]}
            if wanted - set(found):
                chunk["not_found"] = [str(u) for u in wanted - set(found)]
            if data.get("nonce") is not None:
                chunk["nonce"] = data["nonce"]
            if data.get("presences"):
                chunk["presences"] = []
            await conn.session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    async def _dispatch_message(self, event: str, message: dict[str, Any]) -> None:
        channel = self.channels.get(int(message["channel_id"]), {})
        guild_id = int(channel["guild_id"]) if "guild_id" in channel else None
        data = dict(message)
        if guild_id is not None:
            data["guild_id"] = str(guild_id)
            author_id = int(message["author"]["id"])
            if author_id in self.guilds[guild_id]["members"] and "webhook_id" not in message:
                data["member"] = self.member_object(guild_id, author_id, with_user=False)
        intent = DIRECT_MESSAGES if guild_id is None else GUILD_MESSAGES
        mentioned = any(int(u["id"]) == self.bot_id for u in message.get("mentions", []))
        private = guild_id is None or mentioned or int(message["author"]["id"]) == self.bot_id
        for session in self._live_sessions():
            if not session.intents & intent:
                continue
            seen = data
            if not private and not session.intents & MESSAGE_CONTENT:
                seen = {**data, "content": "", "embeds": [], "attachments": [], "components": []}
                seen.pop("poll", None)
            await session.dispatch(event, seen)

    # -- REST ----------------------------------------------------------------------------
    def _bucket(self, template: str) -> str:
        return hashlib.sha256(template.encode()).hexdigest()[:32]

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        versioned = "version" in request.match_info
        path = "/" + request.match_info["tail"] if versioned else request.path
        call = Call(request.method, path, query=dict(request.query))
        reply: Reply
        try:
            call.json, call.files = await self._read_body(request)
        except ValueError:
            reply = _error(400, INVALID_JSON, "The request body contains invalid JSON.")
        else:
            reply = await self._answer(request, call, versioned)
        status, body = reply[0], reply[1]
        headers = {"Via": "1.1 google", **(reply[2] if len(reply) == 3 else {})}
        call.status, call.response = status, body
        if status in (401, 403) or (status == 429 and headers.get("X-RateLimit-Scope") != "shared"):
            self.invalid_requests += 1
        self.calls.append(call)
        await self._notify()
        if status == 204 or body is None:
            return web.Response(status=status, headers=headers)
        # Exactly "application/json", no charset: discord.py decodes nothing else (http.json_or_text).
        headers["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(body).encode(), status=status, headers=headers)

    async def _read_body(self, request: web.Request) -> tuple[Any, list[str]]:
        if not request.body_exists:
            return None, []
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            files = [v.filename for v in form.values() if isinstance(v, web.FileField)]
            payload = form.get("payload_json")  # bytes when the part says application/json
            return (json.loads(payload) if isinstance(payload, str | bytes) else None), files
        text = await request.text()
        return (json.loads(text) if text else None), []

    async def _answer(self, request: web.Request, call: Call, versioned: bool) -> Reply:
        route = f"{call.method} {call.path}"
        failure = next((f for f in self.failures if f.match in route), None)
        if failure is not None:
            failure.count -= 1
            if failure.count <= 0:
                self.failures.remove(failure)
            return failure.status, failure.body, failure.headers
        if not versioned:
            return _error(404, 0, "404: Not Found")
        open_route = (call.path == "/gateway" or call.path.startswith("/interactions/")
                      or re.match(r"^/webhooks/\d+/[^/]+", call.path) is not None)
        if not open_route and request.headers.get("Authorization") != f"Bot {self.token}":
            return _error(401, 0, "401: Unauthorized")
        matched = False
        for method, pattern, handler in self._routes():
            found = re.fullmatch(pattern, call.path)
            if found is None:
                continue
            matched = True
            if method == call.method:
                reply: Reply = await handler(call, **found.groupdict())
                if reply[0] < 300 and len(reply) == 2:
                    return reply[0], reply[1], self._ratelimit_headers(f"{method} {pattern}")
                return reply
        if matched:
            return _error(405, 0, "405: Method Not Allowed")
        return _error(404, 0, "404: Not Found")

    def _ratelimit_headers(self, template: str) -> dict[str, str]:
        return {"X-RateLimit-Limit": "5", "X-RateLimit-Remaining": "4",
                "X-RateLimit-Reset": f"{time.time() + 1:.3f}", "X-RateLimit-Reset-After": "1.000",
                "X-RateLimit-Bucket": self._bucket(template)}

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        app = r"/applications/(?P<app_id>\d+)"
        hook = r"/webhooks/(?P<app_id>\d+)/(?P<token>[^/]+)"
        channel = r"/channels/(?P<channel_id>\d+)"
        guild = r"/guilds/(?P<guild_id>\d+)"
        return [
            ("GET", r"/users/@me", self._get_me),
            ("GET", r"/users/(?P<user_id>\d+)", self._get_user),
            ("POST", r"/users/@me/channels", self._create_dm),
            ("GET", r"/oauth2/applications/@me", self._get_application),
            ("GET", r"/applications/@me", self._get_application),
            ("GET", r"/gateway", self._get_gateway),
            ("GET", r"/gateway/bot", self._get_gateway_bot),
            ("GET", app + r"/commands", self._get_commands),
            ("PUT", app + r"/commands", self._put_commands),
            ("GET", app + r"/guilds/(?P<guild_id>\d+)/commands", self._get_commands),
            ("PUT", app + r"/guilds/(?P<guild_id>\d+)/commands", self._put_commands),
            ("POST", r"/interactions/(?P<interaction_id>\d+)/(?P<token>[^/]+)/callback", self._callback),
            ("POST", hook, self._followup),
            ("GET", hook + r"/messages/(?P<message_id>@original|\d+)", self._get_webhook_message),
            ("PATCH", hook + r"/messages/(?P<message_id>@original|\d+)", self._edit_webhook_message),
            ("DELETE", hook + r"/messages/(?P<message_id>@original|\d+)", self._delete_webhook_message),
            ("GET", channel, self._get_channel),
            ("POST", channel + r"/messages", self._send_message),
            ("GET", channel + r"/messages/(?P<message_id>\d+)", self._get_message),
            ("PATCH", channel + r"/messages/(?P<message_id>\d+)", self._edit_message),
            ("DELETE", channel + r"/messages/(?P<message_id>\d+)", self._delete_message),
            ("POST", channel + r"/typing", self._typing),
            ("GET", guild, self._get_guild),
            ("GET", guild + r"/channels", self._get_guild_channels),
            ("GET", guild + r"/roles", self._get_guild_roles),
            ("GET", guild + r"/members/(?P<user_id>\d+)", self._get_member),
        ]

    # users, application, gateway
    async def _get_me(self, call: Call) -> Reply:
        return 200, {**self.bot_user, "verified": True, "mfa_enabled": False, "locale": "en-US", "email": None,
                     "bio": "", "banner": None, "accent_color": None}

    async def _get_user(self, call: Call, user_id: str) -> Reply:
        user = self.users.get(int(user_id))
        return (200, user) if user else _error(404, UNKNOWN_USER, "Unknown User")

    async def _create_dm(self, call: Call) -> Reply:
        recipient = (call.json or {}).get("recipient_id")
        if recipient is None or int(recipient) not in self.users or int(recipient) == self.bot_id:
            return _error(400, INVALID_RECIPIENTS, "Invalid Recipient(s)")
        return 200, self.dm_channel(int(recipient))

    async def _get_application(self, call: Call) -> Reply:
        return 200, {
            "id": str(self.application_id), "name": self.bot_user["username"], "icon": None, "description": "",
            "summary": "", "type": None, "bot_public": True, "bot_require_code_grant": False,
            "verify_key": hashlib.sha256(self.token.encode()).hexdigest(), "flags": self.app_flags,
            "owner": self.user(DEFAULT_USER_ID), "team": None, "hook": True, "bot": self.bot_user,
            "redirect_uris": [], "interactions_endpoint_url": None, "tags": [],
            "approximate_guild_count": len(self.guilds), "integration_types_config": {"0": {}},
            "install_params": {"scopes": ["bot", "applications.commands"], "permissions": str(BOT_PERMISSIONS)},
        }

    async def _get_gateway(self, call: Call) -> Reply:
        return 200, {"url": self.gateway_url.rstrip("/")}

    async def _get_gateway_bot(self, call: Call) -> Reply:
        return 200, {"url": self.gateway_url.rstrip("/"), "shards": 1,
                     "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000,
                                             "max_concurrency": 1}}

    # application commands
    def _commands_for(self, app_id: str, guild_id: str | None) -> list[dict[str, Any]] | tuple[int, Any]:
        if int(app_id) != self.application_id:
            return _error(403, MISSING_ACCESS, "Missing Access")
        if guild_id is None:
            return self.global_commands
        if int(guild_id) not in self.guilds:
            return _error(403, MISSING_ACCESS, "Missing Access")
        return self.guild_commands.setdefault(int(guild_id), [])

    async def _get_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> Reply:
        found = self._commands_for(app_id, guild_id)
        return found if isinstance(found, tuple) else (200, found)

    async def _put_commands(self, call: Call, app_id: str, guild_id: str | None = None) -> Reply:
        found = self._commands_for(app_id, guild_id)
        if isinstance(found, tuple):
            return found
        body = call.json
        if not isinstance(body, list):
            return _form({"_errors": [{"code": "BASE_TYPE_ARRAY", "message": "Must be an array."}]})
        errors = {str(i): e for i, c in enumerate(body) if (e := self._command_errors(c))}
        if errors:
            return _form(errors)
        keys = [(c["name"], c.get("type", 1)) for c in body]
        if len(set(keys)) != len(keys):
            return _form(_form_error("APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique"))
        if sum(1 for c in body if c.get("type", 1) == 1) > 100:
            return _form(_too_long(100))
        old = {(c["name"], c.get("type", 1)): c["id"] for c in found}
        stored = []
        for command in body:
            key = (command["name"], command.get("type", 1))
            entry: dict[str, Any] = {
                "type": 1, "default_member_permissions": None, "nsfw": False, "integration_types": [0],
                "contexts": None, **command,
                "id": old.get(key) or str(self.snowflake()), "application_id": str(self.application_id),
                "version": str(self.snowflake()),
            }
            if entry["default_member_permissions"] is not None:  # sent as a number or a string, stored as a string
                entry["default_member_permissions"] = str(int(entry["default_member_permissions"]))
            if guild_id is not None:
                entry["guild_id"] = guild_id
            else:
                entry.setdefault("dm_permission", True)
            stored.append(entry)
        found[:] = stored
        return 200, stored

    def _command_errors(self, command: Any) -> dict[str, Any]:
        if not isinstance(command, dict):
            return _form_error("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")
        errors: dict[str, Any] = {}
        kind = command.get("type", 1)
        name = command.get("name")
        if not isinstance(name, str) or not 1 <= len(name) <= 32:
            errors["name"] = _form_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        elif kind == 1 and (not COMMAND_NAME.match(name) or name != name.lower()):
            errors["name"] = _form_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
        description = command.get("description", "")
        if kind == 1 and not (isinstance(description, str) and 1 <= len(description) <= 100):
            errors["description"] = _form_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        option_errors = self._option_errors(command.get("options") or [], depth=0)
        if option_errors:
            errors["options"] = option_errors
        return errors

    def _option_errors(self, options: list[dict[str, Any]], depth: int) -> dict[str, Any]:
        if len(options) > 25:
            return _too_long(25)
        errors: dict[str, Any] = {}
        seen_optional = False
        for i, option in enumerate(options):
            problems: dict[str, Any] = {}
            name, kind = option.get("name"), option.get("type")
            if not isinstance(name, str) or not COMMAND_NAME.match(name) or name != name.lower():
                problems["name"] = _form_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
            if not isinstance(option.get("description"), str) or not 1 <= len(option["description"]) <= 100:
                problems["description"] = _form_error("BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
            if kind not in range(1, 12) or (kind in (1, 2) and depth >= (1 if kind == 1 else 0) + 1):
                problems["type"] = _form_error("BASE_TYPE_CHOICES", "Value must be one of (1..11).")
            if len(option.get("choices") or []) > 25:
                problems["choices"] = _too_long(25)
            if option.get("required") and seen_optional:
                problems["required"] = _form_error("APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                                                   "Required options must be placed before non-required options")
            seen_optional = seen_optional or (not option.get("required") and kind not in (1, 2))
            if kind in (1, 2):
                nested = self._option_errors(option.get("options") or [], depth + 1)
                if nested:
                    problems["options"] = nested
            if problems:
                errors[str(i)] = problems
        return errors

    # messages
    def _message_errors(self, data: dict[str, Any], *, creating: bool = True) -> Reply | None:
        errors: dict[str, Any] = {}
        content = data.get("content")
        if content is not None and len(str(content)) > 2000:
            errors["content"] = _too_long(2000)
        embeds = data.get("embeds") or []
        if len(embeds) > 10:
            errors["embeds"] = _too_long(10)
        for i, embed in enumerate(embeds[:10]):
            problems = {}
            if len(embed.get("title") or "") > 256:
                problems["title"] = _too_long(256)
            if len(embed.get("description") or "") > 4096:
                problems["description"] = _too_long(4096)
            if len(embed.get("fields") or []) > 25:
                problems["fields"] = _too_long(25)
            if problems:
                errors.setdefault("embeds", {})[str(i)] = problems
        components = data.get("components") or []
        flags = int(data.get("flags") or 0)
        if not flags & IS_COMPONENTS_V2:
            if len(components) > 5:
                errors["components"] = _too_long(5)
            for i, row in enumerate(components[:5]):
                if len(row.get("components") or []) > 5:
                    errors.setdefault("components", {})[str(i)] = {"components": _too_long(5)}
        ids = [c["custom_id"] for c in _walk_components(components) if "custom_id" in c]
        if any(not 1 <= len(str(i)) <= 100 for i in ids):
            errors.setdefault("components", {}).update(_too_long(100))
        if len(set(ids)) != len(ids):
            errors.setdefault("components", {}).update(
                _form_error("COMPONENT_CUSTOM_ID_DUPLICATED", "Component custom id cannot be duplicated"))
        if any(len(c.get("label") or "") > 80 for c in _walk_components(components) if c.get("type") == BUTTON):
            errors.setdefault("components", {}).update(_too_long(80))
        if errors:
            return _form(errors)
        if creating and not (content or embeds or components or data.get("sticker_ids") or data.get("poll")
                             or data.get("attachments")):
            return _error(400, EMPTY_MESSAGE, "Cannot send an empty message")
        return None

    def _components(self, components: list[dict[str, Any]]) -> list[dict[str, Any]]:
        copied: list[dict[str, Any]] = json.loads(json.dumps(components))
        for number, component in enumerate(_walk_components(copied), start=1):
            component.setdefault("id", number)
        return copied

    def _new_message(self, channel_id: int, author: dict[str, Any], data: dict[str, Any], *, kind: int = 0,
                     flags: int = 0, files: Iterable[str] = (), **extra: Any) -> dict[str, Any]:
        message_id = self.snowflake()
        content = str(data.get("content") or "")
        mentions = [self.user(int(u)) for u in dict.fromkeys(re.findall(r"<@!?(\d+)>", content))]
        message: dict[str, Any] = {
            "id": str(message_id), "type": kind, "content": content, "channel_id": str(channel_id),
            "author": author, "attachments": [], "embeds": [{"type": "rich", **e} for e in data.get("embeds") or []],
            "mentions": mentions, "mention_roles": [], "mention_everyone": False, "pinned": False,
            "tts": bool(data.get("tts")), "timestamp": _now_iso(), "edited_timestamp": None, "flags": flags,
            "components": self._components(data.get("components") or []),
        }
        for filename in files:
            message["attachments"].append(self._attachment(channel_id, filename))
        if data.get("nonce") is not None:
            message["nonce"] = data["nonce"]
        reference = data.get("message_reference")
        if reference:
            message["type"] = REPLY
            message["message_reference"] = {"type": 0, "channel_id": str(channel_id), **reference}
            referenced = self.messages.get(int(reference.get("message_id", 0)))
            message["referenced_message"] = referenced
        message.update(extra)
        self.messages[message_id] = message
        self.channel_messages.setdefault(channel_id, []).append(message_id)
        if channel_id in self.channels and not flags & EPHEMERAL:
            self.channels[channel_id]["last_message_id"] = str(message_id)
        return message

    def _attachment(self, channel_id: int, filename: str) -> dict[str, Any]:
        attachment_id = self.snowflake()
        url = f"http://127.0.0.1:{self.port}/attachments/{channel_id}/{attachment_id}/{filename}"
        return {"id": str(attachment_id), "filename": filename, "size": 0, "url": url, "proxy_url": url}

    def _apply_edit(self, message: dict[str, Any], data: dict[str, Any], files: Iterable[str] = ()) -> None:
        was_loading = message["flags"] & LOADING
        for key in ("content", "embeds", "components", "attachments"):
            if key in data and data[key] is not None:
                if key == "components":
                    message[key] = self._components(data[key])
                elif key == "embeds":
                    message[key] = [{"type": "rich", **e} for e in data[key]]
                elif key == "attachments":
                    kept = {str(a.get("id")) for a in data[key]}
                    message[key] = [a for a in message["attachments"] if a["id"] in kept]
                else:
                    message[key] = str(data[key])
        if "content" in data:
            message["mentions"] = [self.user(int(u)) for u in
                                   dict.fromkeys(re.findall(r"<@!?(\d+)>", message["content"]))]
        for filename in files:
            message["attachments"].append(self._attachment(int(message["channel_id"]), filename))
        if data.get("flags") is not None:
            keep = message["flags"] & (EPHEMERAL | IS_COMPONENTS_V2)
            message["flags"] = keep | (int(data["flags"]) & (SUPPRESS_EMBEDS | IS_COMPONENTS_V2))
        message["flags"] &= ~LOADING
        if not was_loading:
            message["edited_timestamp"] = _now_iso()

    def _check_channel(self, channel_id: int, *, write: bool = False) -> tuple[int, Any] | dict[str, Any]:
        channel = self.channels.get(channel_id)
        if channel is None or channel_id in self.deleted_channels:
            return _error(404, UNKNOWN_CHANNEL, "Unknown Channel")
        if "guild_id" in channel:
            have = self.permissions(int(channel["guild_id"]), self.bot_id)
            if not have & VIEW_CHANNEL:
                return _error(403, MISSING_ACCESS, "Missing Access")
            if write and (channel_id in self.forbidden_channels or not have & SEND_MESSAGES):
                return _error(403, MISSING_PERMISSIONS, "Missing Permissions")
        elif write:
            if channel_id in self.forbidden_channels:
                return _error(403, MISSING_PERMISSIONS, "Missing Permissions")
            if any(int(u["id"]) in self.closed_dms for u in channel.get("recipients", [])):
                return _error(403, CANNOT_DM, "Cannot send messages to this user")
        return channel

    async def _get_channel(self, call: Call, channel_id: str) -> Reply:
        found = self._check_channel(int(channel_id))
        return found if isinstance(found, tuple) else (200, found)

    async def _send_message(self, call: Call, channel_id: str) -> Reply:
        found = self._check_channel(int(channel_id), write=True)
        if isinstance(found, tuple):
            return found
        data = call.json or {}
        if (problem := self._message_errors({**data, "attachments": data.get("attachments") or call.files})):
            return problem
        flags = int(data.get("flags") or 0) & (SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2)
        message = self._new_message(int(channel_id), self.bot_user, data, flags=flags, files=call.files)
        await self._dispatch_message("MESSAGE_CREATE", message)
        return 200, message

    def _channel_message(self, channel_id: str, message_id: str) -> tuple[int, Any] | dict[str, Any]:
        found = self._check_channel(int(channel_id))
        if isinstance(found, tuple):
            return found
        message = self.messages.get(int(message_id))
        if message is None or message["channel_id"] != channel_id or message["flags"] & EPHEMERAL:
            return _error(404, UNKNOWN_MESSAGE, "Unknown Message")
        return message

    async def _get_message(self, call: Call, channel_id: str, message_id: str) -> Reply:
        found = self._channel_message(channel_id, message_id)
        return found if isinstance(found, tuple) else (200, found)

    async def _edit_message(self, call: Call, channel_id: str, message_id: str) -> Reply:
        found = self._channel_message(channel_id, message_id)
        if isinstance(found, tuple):
            return found
        if int(found["author"]["id"]) != self.bot_id:
            return _error(403, CANNOT_EDIT_OTHERS, "Cannot edit a message authored by another user")
        writable = self._check_channel(int(channel_id), write=True)
        if isinstance(writable, tuple):
            return writable
        data = call.json or {}
        if (problem := self._message_errors(data, creating=False)):
            return problem
        self._apply_edit(found, data, call.files)
        await self._dispatch_message("MESSAGE_UPDATE", found)
        return 200, found

    async def _delete_message(self, call: Call, channel_id: str, message_id: str) -> Reply:
        found = self._channel_message(channel_id, message_id)
        if isinstance(found, tuple):
            return found
        await self._remove_message(found)
        return 204, None

    async def _remove_message(self, message: dict[str, Any]) -> None:
        del self.messages[int(message["id"])]
        if message["flags"] & EPHEMERAL:
            return
        channel = self.channels.get(int(message["channel_id"]), {})
        event = {"id": message["id"], "channel_id": message["channel_id"]}
        intent = DIRECT_MESSAGES
        if "guild_id" in channel:
            event["guild_id"] = channel["guild_id"]
            intent = GUILD_MESSAGES
        for session in self._live_sessions():
            if session.intents & intent:
                await session.dispatch("MESSAGE_DELETE", event)

    async def _typing(self, call: Call, channel_id: str) -> Reply:
        found = self._check_channel(int(channel_id), write=True)
        return found if isinstance(found, tuple) else (204, None)

    # guilds
    async def _get_guild(self, call: Call, guild_id: str) -> Reply:
        if int(guild_id) not in self.guilds:
            return _error(404, UNKNOWN_GUILD, "Unknown Guild")
        guild = self.guild_object(int(guild_id))
        if call.query.get("with_counts") in ("true", "1", "True"):
            guild["approximate_member_count"] = len(self.guilds[int(guild_id)]["members"])
            guild["approximate_presence_count"] = 0
        return 200, guild

    async def _get_guild_channels(self, call: Call, guild_id: str) -> Reply:
        if int(guild_id) not in self.guilds:
            return _error(404, UNKNOWN_GUILD, "Unknown Guild")
        return 200, [self.channels[c] for c in self.guilds[int(guild_id)]["channels"] if c not in self.deleted_channels]

    async def _get_guild_roles(self, call: Call, guild_id: str) -> Reply:
        if int(guild_id) not in self.guilds:
            return _error(404, UNKNOWN_GUILD, "Unknown Guild")
        return 200, list(self.guilds[int(guild_id)]["roles"].values())

    async def _get_member(self, call: Call, guild_id: str, user_id: str) -> Reply:
        guild = self.guilds.get(int(guild_id))
        if guild is None:
            return _error(404, UNKNOWN_GUILD, "Unknown Guild")
        if int(user_id) not in guild["members"]:
            return _error(404, UNKNOWN_MEMBER, "Unknown Member")
        return 200, self.member_object(int(guild_id), int(user_id))

    # interactions
    async def _callback(self, call: Call, interaction_id: str, token: str) -> Reply:
        interaction = self.interactions.get(int(interaction_id))
        if interaction is None or interaction.token != token or interaction.expired:
            return _error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        if interaction.response_type is not None:
            return _error(400, ALREADY_ACKNOWLEDGED, "Interaction has already been acknowledged.")
        if time.monotonic() - interaction.sent_at > self.ack_deadline:
            interaction.expired = True  # the token is gone too
            return _error(404, UNKNOWN_INTERACTION, "Unknown interaction")
        body = call.json or {}
        kind, data = body.get("type"), body.get("data") or {}
        allowed = CALLBACK_TYPES[interaction.type]
        if kind not in allowed:
            return _form({"type": _form_error("BASE_TYPE_CHOICES", f"Value must be one of {set(allowed)}.")})
        message: dict[str, Any] | None = None
        if kind == CHANNEL_MESSAGE:
            if (problem := self._message_errors({**data, "attachments": data.get("attachments") or call.files})):
                return _error(problem[0], problem[1]["code"], problem[1]["message"],
                              {"data": problem[1]["errors"]} if "errors" in problem[1] else None)
            message = self._interaction_message(interaction, data, int(data.get("flags") or 0) & SENDABLE_FLAGS,
                                                call.files)
            interaction.original_id = int(message["id"])
        elif kind == DEFERRED_CHANNEL_MESSAGE:
            loading = self._interaction_message(interaction, {}, LOADING | int(data.get("flags") or 0) & EPHEMERAL)
            interaction.original_id = int(loading["id"])
        elif kind in (DEFERRED_UPDATE_MESSAGE, UPDATE_MESSAGE):
            interaction.original_id = interaction.source_message_id
            if kind == UPDATE_MESSAGE and interaction.source_message_id in self.messages:
                if (problem := self._message_errors(data, creating=False)):
                    return problem
                message = self.messages[interaction.source_message_id]
                self._apply_edit(message, data, call.files)
                if not message["flags"] & EPHEMERAL:
                    await self._dispatch_message("MESSAGE_UPDATE", message)
        interaction.response_type = kind
        interaction.callback = body
        if message is not None and kind == CHANNEL_MESSAGE and not message["flags"] & EPHEMERAL:
            await self._dispatch_message("MESSAGE_CREATE", message)
        if kind == DEFERRED_CHANNEL_MESSAGE and interaction.original_id is not None:
            original = self.messages[interaction.original_id]
            if not original["flags"] & EPHEMERAL:
                await self._dispatch_message("MESSAGE_CREATE", original)
        if call.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        answer: dict[str, Any] = {"id": interaction.id, "type": interaction.type}
        resource: dict[str, Any] = {"type": kind}
        if interaction.original_id is not None and kind in (CHANNEL_MESSAGE, DEFERRED_CHANNEL_MESSAGE, UPDATE_MESSAGE):
            original = self.messages[interaction.original_id]
            answer.update(response_message_id=original["id"], response_message_loading=kind == DEFERRED_CHANNEL_MESSAGE,
                          response_message_ephemeral=bool(original["flags"] & EPHEMERAL))
            if kind != DEFERRED_CHANNEL_MESSAGE:
                resource["message"] = original
        return 200, {"interaction": answer, "resource": resource}

    def _interaction_message(self, interaction: FakeInteraction, data: dict[str, Any], flags: int,
                             files: Iterable[str] = (), *, followup: bool = False) -> dict[str, Any]:
        user = self.user(interaction.user_id)
        metadata: dict[str, Any] = {"id": interaction.id, "type": interaction.type, "user": user,
                                    "authorizing_integration_owners": interaction.payload.get(
                                        "authorizing_integration_owners", {})}
        extra: dict[str, Any] = {"webhook_id": str(self.application_id), "application_id": str(self.application_id),
                                 "interaction_metadata": metadata}
        kind = DEFAULT_MESSAGE
        if interaction.type == APPLICATION_COMMAND:
            name = interaction.payload["data"]["name"]
            metadata["name"] = name
            extra["interaction"] = {"id": interaction.id, "type": interaction.type, "name": name, "user": user}
            kind = CHAT_INPUT_COMMAND if not followup else DEFAULT_MESSAGE
        elif interaction.source_message_id is not None:
            metadata["interacted_message_id"] = str(interaction.source_message_id)
            extra["message_reference"] = {"type": 0, "message_id": str(interaction.source_message_id),
                                          "channel_id": str(interaction.channel_id)}
        if followup and interaction.original_id is not None:
            metadata["original_response_message_id"] = str(interaction.original_id)
        return self._new_message(interaction.channel_id, self.bot_user, data, kind=kind, flags=flags, files=files,
                                 **extra)

    def _webhook_interaction(self, app_id: str, token: str) -> FakeInteraction | tuple[int, Any]:
        if int(app_id) != self.application_id:
            return _error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")
        interaction = self._by_token.get(token)
        if interaction is None or interaction.expired \
                or time.monotonic() - interaction.sent_at > INTERACTION_TOKEN_LIFETIME:
            return _error(401, INVALID_WEBHOOK_TOKEN, "Invalid Webhook Token")
        if interaction.response_type is None:
            return _error(404, UNKNOWN_WEBHOOK, "Unknown Webhook")  # no follow-up before the first answer
        return interaction

    def _webhook_message(self, interaction: FakeInteraction, message_id: str) -> dict[str, Any] | tuple[int, Any]:
        wanted = interaction.original_id if message_id == "@original" else int(message_id)
        if wanted is None or wanted not in self.messages or (
                wanted != interaction.original_id and wanted not in interaction.followup_ids):
            return _error(404, UNKNOWN_MESSAGE, "Unknown Message")
        return self.messages[wanted]

    async def _followup(self, call: Call, app_id: str, token: str) -> Reply:
        interaction = self._webhook_interaction(app_id, token)
        if isinstance(interaction, tuple):
            return interaction
        data = call.json or {}
        if (problem := self._message_errors({**data, "attachments": data.get("attachments") or call.files})):
            return problem
        original = self.original(interaction)
        if interaction.response_type == DEFERRED_CHANNEL_MESSAGE and original and original["flags"] & LOADING:
            # Deprecated but still so: the first follow-up after a deferral edits the loading message.
            self._apply_edit(original, {k: v for k, v in data.items() if k != "flags"}, call.files)
            if not original["flags"] & EPHEMERAL:
                await self._dispatch_message("MESSAGE_UPDATE", original)
            return 200, original
        flags = int(data.get("flags") or 0) & SENDABLE_FLAGS
        message = self._interaction_message(interaction, data, flags, call.files, followup=True)
        interaction.followup_ids.append(int(message["id"]))
        if not flags & EPHEMERAL:
            await self._dispatch_message("MESSAGE_CREATE", message)
        return 200, message

    async def _get_webhook_message(self, call: Call, app_id: str, token: str, message_id: str) -> Reply:
        interaction = self._webhook_interaction(app_id, token)
        if isinstance(interaction, tuple):
            return interaction
        found = self._webhook_message(interaction, message_id)
        return found if isinstance(found, tuple) else (200, found)

    async def _edit_webhook_message(self, call: Call, app_id: str, token: str, message_id: str) -> Reply:
        interaction = self._webhook_interaction(app_id, token)
        if isinstance(interaction, tuple):
            return interaction
        found = self._webhook_message(interaction, message_id)
        if isinstance(found, tuple):
            return found
        data = call.json or {}
        if (problem := self._message_errors(data, creating=False)):
            return problem
        self._apply_edit(found, data, call.files)
        if not found["flags"] & EPHEMERAL:
            await self._dispatch_message("MESSAGE_UPDATE", found)
        return 200, found

    async def _delete_webhook_message(self, call: Call, app_id: str, token: str, message_id: str) -> Reply:
        interaction = self._webhook_interaction(app_id, token)
        if isinstance(interaction, tuple):
            return interaction
        found = self._webhook_message(interaction, message_id)
        if isinstance(found, tuple):
            return found
        await self._remove_message(found)
        return 204, None
