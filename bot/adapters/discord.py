"""Discord adapter: discord.py 2.x slash commands, DMs and buttons that translate to and from the core.

Every topic and reminder command is a slash command of its own (Unknot has about 60; Discord
allows 100 global ones), plus ``/ask`` (the free-text path) and ``/channeltips``. Replies are
embeds with the source and the disclaimer in the footer; buttons carry the core's payloads as
their ``custom_id`` and are answered by ``PayloadButton`` and ``PayloadSelect``, dynamic items
registered at start, so a button on a reminder sent before a restart still works.
"""

from __future__ import annotations

import asyncio
import logging
import zoneinfo
from collections.abc import Callable
from typing import Any

import aiohttp
import discord
import discord.gateway
import discord.http
import yarl
from discord import app_commands

from bot.config import DEFAULT_DISCORD_API_BASE, Settings
from bot.core.chat import CommandInfo, is_expired
from bot.core.replies import Button, Reply
from bot.core.router import Caller, Router
from bot.reminders.dispatcher import Blocked, RateLimited, Rejected, Transient, Unanswered
from bot.reminders.groups import GroupService
from bot.reminders.service import COMMANDS as REMINDER_COMMANDS

log = logging.getLogger(__name__)

PLATFORM = "discord"
PERSONAL = {c.name for c in REMINDER_COMMANDS}  # reminders are a person's: answered only to them, sent by DM
TELEGRAM_ONLY = {"grouptips", "groupbreaks", "channel", "channels"}
ROWS, PER_ROW = 5, 5  # Discord's limits on buttons under a message
SELECT_ID = "unknot:select"
GONE_CODES = {50007, 10003, 50001, 50013, 10013}  # closed DMs, unknown channel, no access, no rights, unknown user


class Footer:
    text = ""


def render_embed(reply: Reply) -> discord.Embed | None:
    if not reply.text and not reply.title:
        return None
    embed = discord.Embed(title=(reply.title or "")[:256] or None, description=reply.text[:4096] or None,
                          colour=discord.Colour.teal())
    if Footer.text:
        embed.set_footer(text=Footer.text[:2048])
    return embed


def render_view(reply: Reply) -> discord.ui.View | None:
    """Buttons as Discord allows them (5 rows of 5); more than that become one select menu."""
    buttons = reply.all_buttons()
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    if len(reply.buttons) <= ROWS and all(len(row) <= PER_ROW for row in reply.buttons):
        for index, row in enumerate(reply.buttons):
            for button in row:
                view.add_item(discord.ui.Button(label=button.label[:80], custom_id=button.payload, row=index))
        # The reply's menus, in the rows left (the buttons alone can do everything).
        for index, menu in enumerate(reply.menus[:ROWS - len(reply.buttons)], start=len(reply.buttons)):
            view.add_item(select_of(menu.options, menu.placeholder, index))
        return view
    view.add_item(select_of(tuple(buttons), "Choose…", 0))
    return view


def select_of(options: tuple[Button, ...], placeholder: str, row: int) -> discord.ui.Select[discord.ui.View]:
    return discord.ui.Select(custom_id=f"{SELECT_ID}:{row}", placeholder=placeholder[:150], row=row,
                             options=[discord.SelectOption(label=b.label[:100], value=b.payload) for b in options[:25]])


class PayloadButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"(?P<payload>(?!unknot:select:\d$).+)"):
    """Any button Unknot sent, before or after a restart: its custom_id is the core's payload."""

    adapter: DiscordAdapter | None = None

    def __init__(self, payload: str) -> None:
        super().__init__(discord.ui.Button(label="…", custom_id=payload))
        self.payload = payload

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> PayloadButton:
        return cls(match["payload"])

    async def callback(self, interaction: discord.Interaction) -> None:
        if self.adapter is not None:
            await self.adapter.on_payload(interaction, self.payload)


class PayloadSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"unknot:select:(?P<row>\d)"):
    """The select menu that stands in for a long list of buttons: each option's value is a payload."""

    adapter: DiscordAdapter | None = None

    def __init__(self, row: str) -> None:
        super().__init__(discord.ui.Select(custom_id=f"{SELECT_ID}:{row}", options=[discord.SelectOption(label="…")]))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: Any, /) -> PayloadSelect:
        return cls(match["row"])

    async def callback(self, interaction: discord.Interaction) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or []
        if self.adapter is not None and values:
            await self.adapter.on_payload(interaction, str(values[0]))


class UnknotClient(discord.Client):
    """discord.py's client, pointed at ``DISCORD_API_BASE``. discord.py reads the REST base from
    ``Route.BASE`` and the gateway from ``DiscordWebSocket.DEFAULT_GATEWAY`` (a ``Client``
    never asks ``/gateway/bot``), so another API (a test's fake Discord) also gets asked for its
    gateway. The slash commands are registered here, after login and before the gateway."""

    def __init__(self, adapter: DiscordAdapter, api_base: str, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter
        self.api_base = api_base
        discord.http.Route.BASE = api_base

    async def setup_hook(self) -> None:
        if self.api_base != DEFAULT_DISCORD_API_BASE:
            _, url, _ = await self.http.get_bot_gateway()
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(url)
        try:
            await self.adapter.sync_commands()
        except discord.HTTPException:
            log.exception("could not register the slash commands with Discord; they may be out of date")


class DiscordAdapter:
    """Owns the discord.py client. Every callback parses, calls the core once, renders."""

    def __init__(self, router: Router, groups: GroupService | None, settings: Settings) -> None:
        self.router = router
        self.groups = groups
        about = router.chat.catalogue.about
        Footer.text = f"Source: \"{about.source_title}\", retold by Unknot. {about.disclaimer}"
        intents = discord.Intents.default()
        intents.message_content = True  # to read DMs and messages that mention the bot
        self.client = UnknotClient(self, settings.discord_api_base, intents=intents)
        self.tree = app_commands.CommandTree(self.client)
        PayloadButton.adapter = self
        PayloadSelect.adapter = self
        self.client.add_dynamic_items(PayloadButton, PayloadSelect)
        self.client.event(self.on_message)
        self._install_commands()

    # -- callers -------------------------------------------------------------------
    @staticmethod
    def caller(user: discord.abc.User, channel_id: int | None, private: bool) -> Caller:
        return Caller(platform=PLATFORM, user_id=str(user.id), chat_id=str(channel_id or user.id), private=private,
                      display_name=user.display_name, chat_type="private" if private else "guild")

    async def personal_caller(self, interaction: discord.Interaction) -> Caller:
        """A person's reminders live in their DMs, wherever they typed the command."""
        dm = interaction.user.dm_channel or await interaction.user.create_dm()
        return self.caller(interaction.user, dm.id, True)

    # -- commands ------------------------------------------------------------------
    def _install_commands(self) -> None:
        for info in self.router.commands():
            if info.name in TELEGRAM_ONLY:
                continue
            self.tree.add_command(self._command(info))
        self.tree.add_command(self._ask())
        self.tree.add_command(self._channeltips())

    def _command(self, info: CommandInfo) -> app_commands.Command[Any, Any, Any]:
        name = info.name

        async def with_text(interaction: discord.Interaction, text: str | None = None) -> None:
            await self.on_command(interaction, name, text or "")

        async def plain(interaction: discord.Interaction) -> None:
            await self.on_command(interaction, name, "")

        takes_text = name in PERSONAL and name not in {"reminders", "resume", "stop", "stats", "forget"}
        callback: Any = with_text if takes_text else plain
        command: app_commands.Command[Any, Any, Any] = app_commands.Command(
            name=name, description=info.description[:100], callback=callback)
        if takes_text:
            command._params["text"].description = "e.g. " + (info.description.split("e.g. ")[-1][:90]
                                                             if "e.g. " in info.description else "what to set")
        if name == "timezone":
            command.autocomplete("text")(zone_choices)
        return command

    def _ask(self) -> app_commands.Command[Any, Any, Any]:
        async def ask(interaction: discord.Interaction, question: str) -> None:
            caller = self.caller(interaction.user, interaction.channel_id, interaction.guild_id is None)
            reply = await self.router.text(caller, question, addressed=True)
            await self.respond(interaction, reply or Reply(text="Ask me about back spasms and pain."),
                               ephemeral=interaction.guild_id is not None)

        command: app_commands.Command[Any, Any, Any] = app_commands.Command(
            name="ask", description="Ask a question about back spasms and pain", callback=ask)
        command._params["question"].description = "Your question, in your own words"
        return command

    def _channeltips(self) -> app_commands.Command[Any, Any, Any]:
        async def channeltips(interaction: discord.Interaction, channel: discord.TextChannel,
                              settings: str | None = None) -> None:
            await self.on_channeltips(interaction, channel, settings or "")

        command: app_commands.Command[Any, Any, Any] = app_commands.Command(
            name="channeltips", description="A daily tip in a server channel, e.g. 09:00 Europe/London mon-fri",
            callback=channeltips)
        command._params["settings"].description = "time, zone, days; or off, on"
        command.default_permissions = discord.Permissions(manage_guild=True)
        command.guild_only = True
        return command

    async def on_command(self, interaction: discord.Interaction, name: str, args: str) -> None:
        personal = name in PERSONAL
        if personal:
            caller = await self.personal_caller(interaction)
        else:
            caller = self.caller(interaction.user, interaction.channel_id, interaction.guild_id is None)
        reply = await self.router.command(caller, name, args)
        await self.respond(interaction, reply, ephemeral=personal and interaction.guild_id is not None)

    async def on_channeltips(self, interaction: discord.Interaction, channel: discord.TextChannel,
                             args: str) -> None:
        """Manage Server is the command's default permission, and checked again here: a server
        can change who sees a command, and the check must not depend on that."""
        perms = interaction.permissions
        if interaction.guild is None or not (perms.manage_guild or perms.administrator):
            await self.respond(interaction, Reply(text="Only members with the Manage Server permission can set up "
                                                       "channel tips."), ephemeral=True)
            return
        me = interaction.guild.me
        mine = channel.permissions_for(me) if me is not None else None
        if mine is not None and not (mine.send_messages and mine.embed_links):
            await self.respond(interaction, Reply(text=f"I can't post in #{channel.name}: give me Send Messages "
                                                       "and Embed Links there, then try again."), ephemeral=True)
            return
        if self.groups is None:
            return
        caller = Caller(platform=PLATFORM, user_id=str(interaction.user.id), chat_id=str(channel.id), private=False,
                        chat_type="guild", chat_title=f"#{channel.name}")
        reply = await self.groups.group_tips(caller, args, command=f"/channeltips #{channel.name}")
        await self.respond(interaction, reply, ephemeral=True)

    # -- free text -------------------------------------------------------------------
    async def on_message(self, message: discord.Message) -> None:
        """DMs: every message is a question. Servers: only when the bot is mentioned."""
        me = self.client.user
        if message.author.bot or me is None or not message.content:
            return
        private = message.guild is None
        addressed = private or me in message.mentions
        if not addressed:
            return
        caller = self.caller(message.author, message.channel.id, private)
        reply = await self.router.text(caller, message.content, addressed=True)
        if reply is not None:
            await message.channel.send(**self.message_kwargs(reply))

    # -- buttons ---------------------------------------------------------------------
    async def on_payload(self, interaction: discord.Interaction, payload: str) -> None:
        private = interaction.guild_id is None
        personal = payload.startswith("r:")
        if personal:
            caller = await self.personal_caller(interaction)
        else:
            caller = self.caller(interaction.user, interaction.channel_id, private)
        reply = await self.router.button(caller, payload)
        if is_expired(reply) or not reply.text:
            await interaction.response.send_message(reply.notice or "Done.", ephemeral=True)
            return
        await interaction.response.edit_message(**self.message_kwargs(reply, edit=True))
        if reply.notice:
            await interaction.followup.send(reply.notice, ephemeral=True)

    # -- rendering -------------------------------------------------------------------
    @staticmethod
    def message_kwargs(reply: Reply, edit: bool = False) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"embed": render_embed(reply), "view": render_view(reply)}
        if edit and kwargs["view"] is None:
            kwargs["view"] = None  # an edit drops the old buttons
        return kwargs

    async def respond(self, interaction: discord.Interaction, reply: Reply, ephemeral: bool = False) -> None:
        kwargs = self.message_kwargs(reply)
        if kwargs["embed"] is None:
            kwargs = {"content": reply.notice or "…"}
        if kwargs.get("view") is None:
            kwargs.pop("view", None)
        await interaction.response.send_message(ephemeral=ephemeral, **kwargs)

    async def sync_commands(self) -> None:
        await self.tree.sync()


async def zone_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete for /timezone: IANA names containing what was typed (25 at most)."""
    typed = current.strip().lower().replace(" ", "_")
    names = sorted(n for n in zoneinfo.available_timezones() if "/" in n and typed in n.lower())
    return [app_commands.Choice(name=n, value=n) for n in names[:25]]


class DiscordNotifier:
    """Sends reminders and channel tips through discord.py; its errors become dispatcher decisions.

    discord.py paces requests by Discord's rate-limit headers and retries a 429 itself; what
    is left over is a closed DM or a lost channel (deactivate at once: retrying would count
    against Discord's invalid-request limit), a 5xx or a timeout (try again later)."""

    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def send(self, chat_id: str, reply: Reply, thread_id: int = 0) -> None:
        channel = self.client.get_partial_messageable(int(thread_id or chat_id))
        kwargs = DiscordAdapter.message_kwargs(reply)
        if kwargs["view"] is None:
            kwargs.pop("view")
        try:
            await channel.send(**kwargs)
        except discord.RateLimited as exc:
            raise RateLimited(exc.retry_after) from exc
        except (discord.Forbidden, discord.NotFound) as exc:
            if exc.code in GONE_CODES or isinstance(exc, discord.NotFound):
                raise Blocked(f"{exc.code} {exc.text}".strip()) from exc
            raise Rejected(str(exc)) from exc
        except discord.DiscordServerError as exc:
            raise Transient(str(exc)) from exc
        except discord.HTTPException as exc:
            if exc.status == 429:
                raise RateLimited(5.0) from exc
            raise Rejected(str(exc)) from exc
        except TimeoutError as exc:
            raise Unanswered(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise Transient(str(exc)) from exc


async def serve_discord(adapter: DiscordAdapter, token: str, stop: asyncio.Event,
                        ready: Callable[[], None] | None = None) -> None:
    """Log in, register the slash commands, take events until ``stop`` is set."""
    client = adapter.client

    @client.event
    async def on_ready() -> None:
        log.info("Unknot is connected to Discord as %s", client.user)
        if ready is not None:
            ready()

    runner = asyncio.ensure_future(client.start(token))
    waiter = asyncio.ensure_future(stop.wait())
    try:
        done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            runner.result()  # a login failure ends here, with its error
    finally:
        waiter.cancel()
        await client.close()
        if not runner.done():
            runner.cancel()
