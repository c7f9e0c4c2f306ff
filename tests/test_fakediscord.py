"""The fake Discord, proved with the real discord.py: a tiny client of the test's own (not the bot's)
logs in, registers its commands, answers slash commands and buttons (also after a restart), replies
to DMs, and meets refusals, rate limits, heartbeats and a RESUME as Discord would send them."""

from __future__ import annotations

import asyncio
import io
import json
import time
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.fakediscord import (
    BOT_ID,
    DEFAULT_USER_ID,
    EPHEMERAL,
    LOADING,
    MANAGE_GUILD,
    MESSAGE_CONTENT,
    FakeDiscord,
)

GUILD = 881_234_567_890_123_456
CHANNEL = 881_234_567_890_123_457
ADMIN = 700_000_000_000_000_001


@asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(**options)
    await fake.start()
    try:
        with fake.point_discord_py():
            yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with serving() as server:
        yield server


class Persistent(discord.ui.View):
    """Buttons that still answer after a restart: no timeout, fixed custom ids."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="Done", custom_id="tiny:done", style=discord.ButtonStyle.success)
    async def done(self, interaction: discord.Interaction, button: discord.ui.Button[Persistent]) -> None:
        await interaction.response.send_message(f"done by {interaction.user.id}", ephemeral=True)

    @discord.ui.select(custom_id="tiny:zone", options=[discord.SelectOption(label="Neck", value="neck"),
                                                      discord.SelectOption(label="Back", value="back")])
    async def zone(self, interaction: discord.Interaction, select: discord.ui.Select[Persistent]) -> None:
        await interaction.response.edit_message(content=f"zone: {select.values[0]}")


class TinyBot(discord.Client):
    def __init__(self, intents: discord.Intents | None = None, *, in_guild: bool = False) -> None:
        self.in_guild = in_guild
        # on_ready waits guild_ready_timeout (2 s by default) after the last GUILD_CREATE.
        super().__init__(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.ready = asyncio.Event()
        self.seen: list[discord.Message] = []
        self.synced: list[app_commands.AppCommand] = []
        self.synced_guild: list[app_commands.AppCommand] = []
        tree = self.tree

        @tree.command(name="ping", description="Answers pong")
        async def ping(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("pong")

        @tree.command(name="secret", description="Answers only you")
        async def secret(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("only you", ephemeral=True)

        @tree.command(name="slow", description="Thinks, then answers")
        async def slow(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True, ephemeral=True)
            await interaction.edit_original_response(content="working")
            await interaction.followup.send("second", ephemeral=True)

        @tree.command(name="thinking", description="Thinks, then follows up")
        async def thinking(interaction: discord.Interaction) -> None:
            await interaction.response.defer(thinking=True)
            await interaction.followup.send("late")

        @tree.command(name="sleepy", description="Answers too late")
        async def sleepy(interaction: discord.Interaction) -> None:
            await asyncio.sleep(0.4)
            await interaction.response.send_message("late")

        @tree.command(name="menu", description="Shows buttons")
        async def menu(interaction: discord.Interaction) -> None:
            await interaction.response.send_message("Pick", view=Persistent())

        @app_commands.command(name="settings", description="Guild settings")
        @app_commands.default_permissions(manage_guild=True)
        async def settings(interaction: discord.Interaction, hours: int, who: discord.User) -> None:
            assert interaction.guild is not None
            await interaction.response.send_message(
                f"{hours} {who.id} {interaction.permissions.manage_guild} {interaction.guild.name}")

        tree.add_command(settings, guild=discord.Object(GUILD))

    async def setup_hook(self) -> None:
        self.add_view(Persistent())
        self.synced = await self.tree.sync()
        if self.in_guild:
            self.synced_guild = await self.tree.sync(guild=discord.Object(GUILD))

    async def on_ready(self) -> None:
        self.ready.set()

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(message)
        assert self.user is not None
        if message.author.id == self.user.id:
            return
        if message.guild is None or self.user in message.mentions:
            await message.channel.send(f"echo: {message.content}")


@asynccontextmanager
async def running(fake: FakeDiscord, client: TinyBot | None = None, token: str | None = None
                  ) -> AsyncIterator[TinyBot]:
    """The client logged in to the fake and READY (on_ready); closed afterwards."""
    client = client or TinyBot()
    task = asyncio.create_task(client.start(token or fake.token))
    ready = asyncio.create_task(client.ready.wait())
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            task.result()  # raises what start() raised
        assert ready in done, "the client did not get READY"
        yield client
    finally:
        ready.cancel()
        with suppress(asyncio.CancelledError):
            await ready
        await client.close()
        if not task.done():
            await asyncio.wait_for(task, 5)


def posted_to(channel_id: int | str) -> Any:
    return lambda c: c.method == "POST" and c.path == f"/channels/{channel_id}/messages" and c.status == 200


async def raw(fake: FakeDiscord, method: str, path: str, body: Any = None, *, auth: bool = True
              ) -> tuple[int, Any]:
    headers = {"Authorization": f"Bot {fake.token}"} if auth else {}
    async with aiohttp.ClientSession() as session, \
            session.request(method, fake.api_base + path, json=body, headers=headers) as response:
        return response.status, await response.json() if response.content_length != 0 else None


# -- login, READY, commands ------------------------------------------------------------------
async def test_login_registers_commands_and_answers_slash_commands(fake: FakeDiscord) -> None:
    async with running(fake) as client:
        assert client.user is not None and client.user.id == BOT_ID and client.user.bot
        assert client.application_id == BOT_ID
        # tree.sync() overwrote the global commands; the fake keeps them with ids, as discord.py got them.
        names = {c["name"]: c["id"] for c in fake.commands()}
        assert set(names) == {"ping", "secret", "slow", "thinking", "sleepy", "menu"}
        assert {c.name: str(c.id) for c in client.synced} == names
        put = await fake.wait_for(lambda c: c.route == f"PUT /applications/{BOT_ID}/commands")
        assert put.status == 200 and {c["name"] for c in put.json} == set(names)
        assert fake.intents == client.intents.value

        pong = await fake.push_slash("ping")  # in a DM with the bot
        callback = await fake.wait_for_callback(pong)
        assert callback["type"] == 4 and callback["data"]["content"] == "pong"
        original = fake.original(pong)
        assert original is not None and original["flags"] == 0 and original["type"] == 20
        assert original["interaction_metadata"]["user"]["id"] == str(DEFAULT_USER_ID)
        # A public answer is a message in the channel: the bot sees it come back over the gateway.
        await _until(lambda: any(m.id == int(original["id"]) for m in client.seen))

        secret = await fake.push_slash("secret", user_id=DEFAULT_USER_ID + 1)
        answer = await fake.wait_for_callback(secret)
        assert answer["data"]["content"] == "only you" and answer["data"]["flags"] == EPHEMERAL
        hidden = fake.original(secret)
        assert hidden is not None and hidden["flags"] & EPHEMERAL
        callback_call = await fake.wait_for(lambda c: c.path == f"/interactions/{secret.id}/{secret.token}/callback")
        assert callback_call.query == {"with_response": "1"} and callback_call.status == 200
        assert callback_call.response["interaction"]["response_message_ephemeral"] is True


async def test_guild_commands_options_permissions_and_guild_state(fake: FakeDiscord) -> None:
    fake.add_guild(GUILD, "Back Club", channels=[{"id": CHANNEL, "name": "stretching"}],
                   members={ADMIN: MANAGE_GUILD, DEFAULT_USER_ID: None})
    intents = discord.Intents.default()
    intents.members = True  # discord.py then asks the members by op 8 before READY
    async with running(fake, TinyBot(intents, in_guild=True)) as client:
        guild = client.get_guild(GUILD)
        assert guild is not None and guild.name == "Back Club"
        assert guild.me.guild_permissions.send_messages and not guild.me.guild_permissions.manage_guild
        assert {m.id for m in guild.members} >= {BOT_ID, ADMIN, DEFAULT_USER_ID}
        channel = guild.get_channel(CHANNEL)
        assert isinstance(channel, discord.TextChannel) and channel.name == "stretching"
        assert [c.name for c in client.synced_guild] == ["settings"]
        assert fake.commands(GUILD)[0]["default_member_permissions"] == str(MANAGE_GUILD)

        settings = await fake.push_slash("settings", {"hours": 3, "who": DEFAULT_USER_ID}, user_id=ADMIN,
                                         guild_id=GUILD)
        assert settings.payload["member"]["permissions"] == str(fake.permissions(GUILD, ADMIN))
        assert settings.payload["data"]["resolved"]["users"][str(DEFAULT_USER_ID)]["id"] == str(DEFAULT_USER_ID)
        callback = await fake.wait_for_callback(settings)
        assert callback["data"]["content"] == f"3 {DEFAULT_USER_ID} True Back Club"
        with pytest.raises(PermissionError):  # Discord does not even show it to this member
            await fake.push_slash("settings", {"hours": 1, "who": ADMIN}, guild_id=GUILD)
        with pytest.raises(ValueError, match="required"):
            await fake.push_slash("settings", {"hours": 1}, user_id=ADMIN, guild_id=GUILD)
        with pytest.raises(LookupError):
            await fake.push_slash("nothing")


async def test_deferred_answers_edits_and_follow_ups(fake: FakeDiscord) -> None:
    async with running(fake):
        slow = await fake.push_slash("slow")
        assert (await fake.wait_for_callback(slow)) == {"type": 5, "data": {"flags": EPHEMERAL}}
        await fake.wait_until(lambda: fake.followups(slow))
        original = fake.original(slow)
        assert original is not None and original["content"] == "working"
        assert original["flags"] == EPHEMERAL  # LOADING went with the edit
        [followup] = fake.followups(slow)
        assert followup["content"] == "second" and followup["flags"] == EPHEMERAL
        assert followup["interaction_metadata"]["original_response_message_id"] == original["id"]

        # Discord's deprecated but live rule: the first follow-up after a deferral edits the loading message.
        thinking = await fake.push_slash("thinking")
        await fake.wait_for(lambda c: c.method == "POST" and c.path.startswith(f"/webhooks/{BOT_ID}/{thinking.token}"))
        loaded = fake.original(thinking)
        assert loaded is not None and loaded["content"] == "late" and not loaded["flags"] & LOADING
        assert fake.followups(thinking) == []


async def test_an_interaction_is_answered_once_and_within_the_deadline(fake: FakeDiscord) -> None:
    async with running(fake):
        pong = await fake.push_slash("ping")
        await fake.wait_for_callback(pong)
        status, body = await raw(fake, "POST", f"/interactions/{pong.id}/{pong.token}/callback",
                                 {"type": 4, "data": {"content": "again"}}, auth=False)
        assert (status, body) == (400, {"message": "Interaction has already been acknowledged.", "code": 40060})

        fake.ack_deadline = 0.2
        sleepy = await fake.push_slash("sleepy")
        late = await fake.wait_for(lambda c: c.path.startswith(f"/interactions/{sleepy.id}/"))
        assert (late.status, late.response) == (404, {"message": "Unknown interaction", "code": 10062})
        assert sleepy.callback is None


# -- components ----------------------------------------------------------------------------
async def test_persistent_view_answers_buttons_and_selects_also_after_a_restart(fake: FakeDiscord) -> None:
    async with running(fake):
        menu = await fake.push_slash("menu")
        callback = await fake.wait_for_callback(menu)
        rows = callback["data"]["components"]
        assert [c["custom_id"] for row in rows for c in row["components"]] == ["tiny:done", "tiny:zone"]
        message = fake.original(menu)
        assert message is not None
        message_id = int(message["id"])

        click = await fake.push_component("tiny:done", message_id)
        assert click.payload["data"] == {"custom_id": "tiny:done", "component_type": 2, "id": 2}
        answer = await fake.wait_for_callback(click)
        assert answer["type"] == 4 and answer["data"]["content"] == f"done by {DEFAULT_USER_ID}"
        assert answer["data"]["flags"] == EPHEMERAL

    # A new process: the same persistent view, added before login, answers the old message.
    async with running(fake):
        again = await fake.push_component("tiny:done", message_id, user_id=ADMIN)
        assert (await fake.wait_for_callback(again))["data"]["content"] == f"done by {ADMIN}"
        pick = await fake.push_component("tiny:zone", message_id, values=["back"])
        assert pick.payload["data"]["component_type"] == 3
        update = await fake.wait_for_callback(pick)
        assert update["type"] == 7 and fake.messages[message_id]["content"] == "zone: back"
        assert fake.original(pick) is fake.messages[message_id]
        with pytest.raises(ValueError, match="offers"):
            await fake.push_component("tiny:zone", message_id, values=["knee"])
        with pytest.raises(LookupError):
            await fake.push_component("tiny:nothing", message_id)


# -- messages ------------------------------------------------------------------------------
async def test_a_dm_gets_a_reply_and_guild_content_needs_the_intent_or_a_mention(fake: FakeDiscord) -> None:
    fake.add_guild(GUILD, channels=[CHANNEL])
    async with running(fake) as client:  # Intents.default(): no message_content
        assert fake.intents is not None and not fake.intents & MESSAGE_CONTENT
        pushed = await fake.push_message("hello", author_id=DEFAULT_USER_ID)
        dm = fake.dm_channel(DEFAULT_USER_ID)
        assert dm["type"] == 1 and pushed["channel_id"] == dm["id"]
        reply = await fake.wait_for(posted_to(dm["id"]))
        assert reply.json["content"] == "echo: hello"  # DMs keep their content without the intent
        sent = reply.response
        assert sent["author"]["id"] == str(BOT_ID) and sent["channel_id"] == dm["id"] and sent["timestamp"]
        assert [m["content"] for m in fake.messages_in(int(dm["id"]))] == ["hello", "echo: hello"]
        channel = await client.fetch_channel(int(dm["id"]))
        assert isinstance(channel, discord.DMChannel) and channel.recipient is not None
        with_file = await channel.send("a file", file=discord.File(io.BytesIO(b"stretch"), "plan.txt"))
        assert [a.filename for a in with_file.attachments] == ["plan.txt"]
        assert fake.calls[-1].json["content"] == "a file" and fake.calls[-1].files == ["plan.txt"]

        await fake.push_message("not for you", channel_id=CHANNEL)
        await fake.push_message("stretch?", channel_id=CHANNEL, mentions_bot=True)
        answer = await fake.wait_for(posted_to(CHANNEL))
        assert answer.json["content"] == f"echo: <@{BOT_ID}> stretch?"
        in_guild = [m for m in client.seen if m.guild is not None and m.author.id != BOT_ID]
        assert [m.content for m in in_guild] == ["", f"<@{BOT_ID}> stretch?"]
        assert in_guild[0].author.id == DEFAULT_USER_ID


async def test_refusals_come_as_discord_sends_them(fake: FakeDiscord) -> None:
    fake.add_guild(GUILD, channels=[CHANNEL, CHANNEL + 1])
    fake.add_user(ADMIN, "ann")
    async with running(fake) as client:
        user = await client.fetch_user(ADMIN)
        assert user.name == "ann"
        fake.close_dms(ADMIN)
        with pytest.raises(discord.Forbidden) as closed:
            await user.send("hi")
        assert (closed.value.status, closed.value.code, closed.value.text) == (
            403, 50007, "Cannot send messages to this user")

        fake.delete_channel(CHANNEL)
        with pytest.raises(discord.NotFound) as gone:
            await client.get_partial_messageable(CHANNEL).send("hi")
        assert (gone.value.code, gone.value.text) == (10003, "Unknown Channel")

        fake.forbid_channel(CHANNEL + 1)
        with pytest.raises(discord.Forbidden) as forbidden:
            await client.get_partial_messageable(CHANNEL + 1).send("hi")
        assert (forbidden.value.code, forbidden.value.text) == (50013, "Missing Permissions")
        assert fake.invalid_requests == 2  # the 404 is not an invalid request in Discord's count

        status, body = await raw(fake, "GET", "/nowhere")
        assert (status, body) == (404, {"message": "404: Not Found", "code": 0})
        assert fake.calls[-1].path == "/nowhere" and fake.calls[-1].status == 404
        status, body = await raw(fake, "GET", "/users/@me", auth=False)
        assert (status, body) == (401, {"message": "401: Unauthorized", "code": 0})
        status, body = await raw(fake, "PUT", f"/applications/{BOT_ID}/commands",
                                 [{"name": "Ping", "description": "x"}])
        assert status == 400 and body["code"] == 50035
        assert body["errors"]["0"]["name"]["_errors"][0]["code"] == "APPLICATION_COMMAND_INVALID_NAME"


async def test_a_429_is_retried_after_retry_after(fake: FakeDiscord) -> None:
    fake.add_user(DEFAULT_USER_ID, "ann")
    async with running(fake) as client:
        user = await client.fetch_user(DEFAULT_USER_ID)
        fake.rate_limit_next("POST /channels/", retry_after=0.3)
        started = time.monotonic()
        message = await user.send("hi")
        assert time.monotonic() - started >= 0.3 and message.content == "hi"
        sends = [c for c in fake.calls if c.method == "POST" and c.path.endswith("/messages")]
        assert [c.status for c in sends] == [429, 200]
        assert sends[0].response == {"message": "You are being rate limited.", "retry_after": 0.3, "global": False}
        assert fake.invalid_requests == 1

        # Interaction callbacks go through discord.py's webhook adapter, which retries only with ``Via``.
        fake.rate_limit_next("/callback", retry_after=0.1)
        pong = await fake.push_slash("ping")
        assert (await fake.wait_for_callback(pong))["data"]["content"] == "pong"
        assert [c.status for c in fake.calls if c.path.endswith("/callback")] == [429, 200]


# -- gateway -------------------------------------------------------------------------------
async def test_heartbeats_are_acknowledged_over_a_zlib_stream() -> None:
    async with serving(heartbeat_interval=100) as fake:
        async with running(fake) as client:
            await fake.wait_until(lambda: fake.heartbeat_acks >= 3)
            assert fake.heartbeats >= fake.heartbeat_acks >= 3
            [conn] = fake.connections
            assert conn.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"} and conn.zlib is not None
            assert client.latency < 1.0
            assert [p["op"] for p in conn.received][:2] == [1, 2]  # a heartbeat straight after HELLO, then IDENTIFY
        await fake.wait_until(lambda: conn.close_code is not None)
        # discord.py means 1000 but its poll loop races it and 4000 goes out (aiohttp 3.14): resumable.
        assert conn.close_code in (1000, 4000) and conn.session is not None
        assert conn.session.invalidated is (conn.close_code == 1000)


class RawGateway:
    """A hand-made gateway client: zlib-stream frames decoded as Discord's docs show."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.inflator = zlib.decompressobj()
        self.buffer = bytearray()

    async def receive(self) -> dict[str, Any]:
        while True:
            msg = await asyncio.wait_for(self.ws.receive(), 2)
            assert msg.type == aiohttp.WSMsgType.BINARY, msg
            self.buffer.extend(msg.data)
            if self.buffer[-4:] == b"\x00\x00\xff\xff":
                frame = json.loads(self.inflator.decompress(bytes(self.buffer)))
                self.buffer.clear()
                return frame  # type: ignore[no-any-return]


async def test_gateway_by_hand_identify_ready_clean_close_and_refused_resume(fake: FakeDiscord) -> None:
    fake.add_guild(GUILD, channels=[CHANNEL])
    url = fake.gateway_url + "?v=10&encoding=json&compress=zlib-stream"
    identify: dict[str, Any] = {"op": 2, "d": {"token": fake.token, "intents": 513,
                               "properties": {"os": "linux", "browser": "t", "device": "t"}}}
    async with aiohttp.ClientSession() as http:
        async with http.ws_connect(url) as ws:
            gateway = RawGateway(ws)
            hello = await gateway.receive()
            assert hello["op"] == 10 and hello["d"]["heartbeat_interval"] == 41_250
            await ws.send_json({"op": 1, "d": None})
            assert (await gateway.receive())["op"] == 11
            await ws.send_json(identify)
            ready = await gateway.receive()
            assert (ready["op"], ready["t"], ready["s"]) == (0, "READY", 1)
            d = ready["d"]
            assert d["v"] == 10 and d["user"]["id"] == str(BOT_ID) and d["user"]["bot"] is True
            assert d["user"]["discriminator"] == "0" and d["guilds"] == [{"id": str(GUILD), "unavailable": True}]
            assert d["application"] == {"id": str(BOT_ID), "flags": fake.app_flags}
            assert d["resume_gateway_url"].endswith("/resume")
            created = await gateway.receive()
            assert (created["t"], created["s"]) == ("GUILD_CREATE", 2)
            assert [m["user"]["id"] for m in created["d"]["members"]] == [str(BOT_ID)]  # no presences intent
            assert [c["id"] for c in created["d"]["channels"]] == [str(CHANNEL)]
            await ws.send_json(identify)
            await asyncio.wait_for(ws.receive(), 2)
            assert ws.close_code == 4005  # already authenticated
        session = next(iter(fake.sessions.values()))
        assert session.intents == 513 and not session.invalidated
        async with http.ws_connect(url) as ws:
            gateway = RawGateway(ws)
            await gateway.receive()
            await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": session.session_id, "seq": 1}})
            replayed = await gateway.receive()
            assert (replayed["t"], replayed["s"]) == ("GUILD_CREATE", 2)
            assert (await gateway.receive())["t"] == "RESUMED"
            await ws.close(code=1000)
        await fake.wait_until(lambda: session.invalidated)
        async with http.ws_connect(url) as ws:
            gateway = RawGateway(ws)
            await gateway.receive()
            await ws.send_json({"op": 6, "d": {"token": fake.token, "session_id": session.session_id, "seq": 3}})
            assert await gateway.receive() == {"op": 9, "d": False, "s": None, "t": None}
        async with http.ws_connect(url) as ws:
            gateway = RawGateway(ws)
            await gateway.receive()
            await ws.send_json({**identify, "d": {**identify["d"], "token": "wrong"}})
            await asyncio.wait_for(ws.receive(), 2)
            assert ws.close_code == 4004


async def test_reconnect_resumes_and_replays_missed_events(fake: FakeDiscord) -> None:
    async with running(fake) as client:
        session = await fake.wait_identified()
        await fake.request_reconnect()
        await fake.wait_until(lambda: session.resumes == 1 and session.connection is not None)
        first, second = fake.connections
        assert first.close_code not in (1000, 1001) and second.path == "/resume"
        assert second.received[1]["op"] == 6 and second.received[1]["d"]["session_id"] == session.session_id
        await fake.push_message("still there?")
        reply = await fake.wait_for(posted_to(fake.dm_channel(DEFAULT_USER_ID)["id"]))
        assert reply.json["content"] == "echo: still there?"
        assert client.user is not None and len(fake.sessions) == 1


async def test_refused_logins() -> None:
    async with serving(app_flags=0) as fake:
        intents = discord.Intents.default()
        intents.message_content = True  # privileged, and not switched on for this application
        with pytest.raises(discord.PrivilegedIntentsRequired):
            async with running(fake, TinyBot(intents)):
                pass
        assert fake.connections[-1].close_code == 4014
    async with serving() as fake:
        with pytest.raises(discord.LoginFailure):
            async with running(fake, token="not-the-token"):
                pass
        assert fake.invalid_requests == 1 and fake.connections == []


async def test_gateway_routes_answer_the_gateway_url(fake: FakeDiscord) -> None:
    status, body = await raw(fake, "GET", "/gateway/bot")
    assert status == 200 and body["url"] == fake.gateway_url.rstrip("/") and body["shards"] == 1
    assert body["session_start_limit"]["max_concurrency"] == 1
    status, body = await raw(fake, "GET", "/gateway", auth=False)
    assert (status, body) == (200, {"url": fake.gateway_url.rstrip("/")})
    assert [c.route for c in fake.calls] == ["GET /gateway/bot", "GET /gateway"]


async def _until(predicate: Any, timeout: float = 2.0) -> None:
    """Poll the client's own state (the fake cannot see it)."""
    for _ in range(int(timeout / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the client never got there")
