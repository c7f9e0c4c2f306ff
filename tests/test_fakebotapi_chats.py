"""The fake Bot API's groups and channels: members, getChat*, refusals and the updates Telegram
sends, checked over real HTTP and against python-telegram-bot's own parsing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from telegram import (
    Bot,
    ChatFullInfo,
    ChatMember,
    ChatMemberAdministrator,
    ChatMemberBanned,
    ChatMemberLeft,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    MessageOriginChannel,
    Update,
)
from telegram.error import BadRequest, ChatMigrated, Forbidden

from tests.fakebotapi import BOT_ID, BOT_USER, GROUP_ANONYMOUS_BOT, SECRET_HEADER, FakeBotAPI

GROUP = -4518810793
SUPERGROUP = -1001779449685
CHANNEL = -1001234567890
PTB_CLASSES: dict[str, type[ChatMember]] = {
    "creator": ChatMemberOwner, "administrator": ChatMemberAdministrator, "member": ChatMemberMember,
    "restricted": ChatMemberRestricted, "left": ChatMemberLeft, "kicked": ChatMemberBanned,
}


async def call(api: FakeBotAPI, method: str, **params: Any) -> tuple[int, dict[str, Any]]:
    """POST a Bot API method as JSON; the HTTP status and the decoded answer."""
    async with aiohttp.ClientSession() as session, \
            session.post(f"{api.base_url}{api.token}/{method}", json=params) as response:
        return response.status, await response.json()


async def result(api: FakeBotAPI, method: str, **params: Any) -> Any:
    status, body = await call(api, method, **params)
    assert (status, body["ok"]) == (200, True), body
    return body["result"]


async def updates(api: FakeBotAPI) -> list[dict[str, Any]]:
    return list(await result(api, "getUpdates", timeout=0))


@pytest.fixture
async def ptb(fake_api: FakeBotAPI) -> AsyncIterator[Bot]:
    """python-telegram-bot's Bot, pointed at the fake server."""
    async with Bot(fake_api.token, base_url=fake_api.base_url) as bot:
        yield bot


# -- members -----------------------------------------------------------------------------
async def test_anyone_is_a_member_by_default_and_the_bot_too_in_groups(fake_api: FakeBotAPI) -> None:
    user = await result(fake_api, "getChatMember", chat_id=SUPERGROUP, user_id=42)
    assert user == {"status": "member", "user": {"id": 42, "is_bot": False, "first_name": "Ann",
                                                 "language_code": "en"}}
    bot = await result(fake_api, "getChatMember", chat_id=GROUP, user_id=BOT_ID)
    assert bot == {"status": "member", "user": BOT_USER}
    parsed = ChatMember.de_json(bot, None)
    assert isinstance(parsed, ChatMemberMember) and parsed.user.id == BOT_ID


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
@pytest.mark.parametrize("status", list(PTB_CLASSES))
async def test_every_status_is_json_ptb_accepts(fake_api: FakeBotAPI, status: str, chat_type: str) -> None:
    chat_id = {"group": GROUP, "supergroup": SUPERGROUP, "channel": CHANNEL}[chat_type]
    fake_api.add_chat(chat_id, chat_type, "Back Club")
    fake_api.set_member(chat_id, 7, status)
    member = await result(fake_api, "getChatMember", chat_id=chat_id, user_id=7)
    assert member["status"] == status and member["user"]["id"] == 7
    parsed = ChatMember.de_json(member, Bot(fake_api.token))
    assert type(parsed) is PTB_CLASSES[status]
    assert not parsed.api_kwargs  # no field PTB does not know


async def test_administrator_rights_default_true_and_follow_the_chat_type(fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(CHANNEL, "channel", "Back News")
    fake_api.add_chat(SUPERGROUP, "supergroup", "Back Club")
    fake_api.add_chat(GROUP, "group", "Back Club")
    channel = fake_api.set_member(CHANNEL, BOT_ID, "administrator", can_delete_messages=False)
    assert channel["user"] == BOT_USER
    for right in ("can_manage_chat", "can_manage_video_chats", "can_restrict_members", "can_promote_members",
                  "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                  "can_delete_stories", "can_post_messages", "can_edit_messages"):
        assert channel[right] is True, right
    assert channel["can_delete_messages"] is False
    assert channel["can_be_edited"] is False and channel["is_anonymous"] is False
    assert "can_pin_messages" not in channel and "can_manage_topics" not in channel
    supergroup = fake_api.set_member(SUPERGROUP, 7, "administrator", custom_title="Coach")
    assert supergroup["can_pin_messages"] is supergroup["can_manage_topics"] is True
    assert "can_post_messages" not in supergroup and supergroup["custom_title"] == "Coach"
    group = fake_api.set_member(GROUP, 7, "administrator")
    assert group["can_pin_messages"] is True and "can_manage_topics" not in group
    parsed = ChatMember.de_json(dict(channel), None)
    assert isinstance(parsed, ChatMemberAdministrator)
    assert parsed.can_post_messages is True and parsed.can_delete_messages is False


async def test_restricted_and_kicked_carry_their_fields(fake_api: FakeBotAPI) -> None:
    muted = fake_api.set_member(SUPERGROUP, 7, "restricted", until_date=2_000_000_000)
    assert muted["is_member"] is True and muted["can_send_messages"] is False
    assert muted["until_date"] == 2_000_000_000
    talker = fake_api.set_member(SUPERGROUP, 8, "restricted", can_send_messages=True)
    assert talker["can_send_messages"] is True and talker["until_date"] == 0
    banned = fake_api.set_member(SUPERGROUP, 9, "kicked")
    assert banned == {"status": "kicked", "user": banned["user"], "until_date": 0}
    parsed = ChatMember.de_json(await result(fake_api, "getChatMember", chat_id=SUPERGROUP, user_id=7), None)
    assert isinstance(parsed, ChatMemberRestricted) and parsed.until_date.year == 2033
    assert not parsed.can_send_messages and parsed.is_member


def test_set_member_refuses_what_telegram_would_not_send(fake_api: FakeBotAPI) -> None:
    with pytest.raises(ValueError, match="owner"):
        fake_api.set_member(SUPERGROUP, 7, "owner")
    with pytest.raises(TypeError, match="can_post_message"):
        fake_api.set_member(CHANNEL, 7, "administrator", can_post_message=True)
    with pytest.raises(TypeError, match="can_send_messages"):
        fake_api.set_member(SUPERGROUP, 7, "member", can_send_messages=False)


async def test_get_chat_member_by_username_and_unknown_chats(fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(CHANNEL, "channel", "Back News", username="backnews")
    fake_api.set_member(CHANNEL, BOT_ID, "administrator")
    member = await result(fake_api, "getChatMember", chat_id="@BackNews", user_id=BOT_ID)
    assert member["status"] == "administrator"
    status, body = await call(fake_api, "getChatMember", chat_id="@nobody", user_id=BOT_ID)
    assert (status, body) == (400, {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"})


async def test_administrators_list_creator_first_and_no_other_bots(fake_api: FakeBotAPI) -> None:
    fake_api.set_member(SUPERGROUP, 7, "administrator")
    fake_api.set_member(SUPERGROUP, 8, "member")
    fake_api.set_member(SUPERGROUP, 9, "creator", custom_title="Founder")
    other_bot = {"id": 555, "is_bot": True, "first_name": "Spam guard", "username": "GuardBot"}
    fake_api.set_member(SUPERGROUP, 555, "administrator", user=other_bot)
    fake_api.set_member(SUPERGROUP, BOT_ID, "administrator")
    admins = await result(fake_api, "getChatAdministrators", chat_id=SUPERGROUP)
    assert [(a["status"], a["user"]["id"]) for a in admins] == [("creator", 9), ("administrator", 7),
                                                                ("administrator", BOT_ID)]
    with_bots = await result(fake_api, "getChatAdministrators", chat_id=SUPERGROUP, return_bots=True)
    assert 555 in [a["user"]["id"] for a in with_bots]
    parsed = [ChatMember.de_json(a, None) for a in admins]
    assert isinstance(parsed[0], ChatMemberOwner) and parsed[0].custom_title == "Founder"
    assert await result(fake_api, "getChatAdministrators", chat_id=GROUP) == []


# -- getChat -----------------------------------------------------------------------------
async def test_get_chat_answers_chat_full_info(fake_api: FakeBotAPI) -> None:
    fake_api.add_chat(SUPERGROUP, "supergroup", "Back Club", username="@backclub", is_forum=True)
    info = await result(fake_api, "getChat", chat_id=SUPERGROUP)
    assert info == {"id": SUPERGROUP, "type": "supergroup", "title": "Back Club", "username": "backclub",
                    "is_forum": True, "accent_color_id": 0, "max_reaction_count": 11,
                    "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                            "unique_gifts": False, "premium_subscription": False,
                                            "gifts_from_channels": False}}
    parsed = ChatFullInfo.de_json(info, Bot(fake_api.token))
    assert (parsed.id, parsed.type, parsed.title, parsed.username, parsed.is_forum) == (
        SUPERGROUP, "supergroup", "Back Club", "backclub", True)
    assert parsed.max_reaction_count == 11 and parsed.accepted_gift_types.unique_gifts is False
    assert not parsed.api_kwargs
    assert (await result(fake_api, "getChat", chat_id="@backclub"))["id"] == SUPERGROUP


async def test_get_chat_knows_chats_seen_in_updates_only(fake_api: FakeBotAPI) -> None:
    for chat_id in (GROUP, "@nobody"):
        status, body = await call(fake_api, "getChat", chat_id=chat_id)
        assert (status, body["description"]) == (400, "Bad Request: chat not found")
    await fake_api.push_message("hi", chat_id=GROUP, chat_type="group")
    await fake_api.push_message("hi", user_id=42)
    group = ChatFullInfo.de_json(await result(fake_api, "getChat", chat_id=GROUP), None)
    assert (group.type, group.title) == ("group", "Back Club")
    private = ChatFullInfo.de_json(await result(fake_api, "getChat", chat_id=42), None)
    assert (private.type, private.first_name) == ("private", "Ann")


# -- sendMessage refusals ----------------------------------------------------------------
@pytest.mark.parametrize(("chat_type", "status", "rights", "code", "description"), [
    ("group", "kicked", {}, 403, "Forbidden: bot was kicked from the group chat"),
    ("supergroup", "kicked", {}, 403, "Forbidden: bot was kicked from the supergroup chat"),
    ("supergroup", "left", {}, 403, "Forbidden: bot is not a member of the supergroup chat"),
    ("supergroup", "restricted", {"is_member": False}, 403, "Forbidden: bot is not a member of the supergroup chat"),
    ("supergroup", "restricted", {}, 400, "Bad Request: not enough rights to send text messages to the chat"),
    ("channel", None, {}, 403, "Forbidden: bot is not a member of the channel chat"),
    ("channel", "kicked", {}, 403, "Forbidden: bot was kicked from the channel chat"),
    ("channel", "member", {}, 400, "Bad Request: need administrator rights in the channel chat"),
    ("channel", "administrator", {"can_post_messages": False}, 400,
     "Bad Request: need administrator rights in the channel chat"),
])
async def test_send_message_refused_where_the_bot_may_not_write(
        fake_api: FakeBotAPI, chat_type: str, status: str | None, rights: dict[str, Any], code: int,
        description: str) -> None:
    chat_id = {"group": GROUP, "supergroup": SUPERGROUP, "channel": CHANNEL}[chat_type]
    fake_api.add_chat(chat_id, chat_type, "Back Club")
    if status is not None:
        fake_api.set_member(chat_id, BOT_ID, status, **rights)
    got, body = await call(fake_api, "sendMessage", chat_id=chat_id, text="hello")
    assert (got, body) == (code, {"ok": False, "error_code": code, "description": description})
    assert [c.method for c in fake_api.calls] == ["sendMessage!failed"]


@pytest.mark.parametrize(("chat_type", "status", "rights"), [
    ("supergroup", None, {}),
    ("group", "member", {}),
    ("supergroup", "restricted", {"can_send_messages": True}),
    ("supergroup", "administrator", {}),
    ("channel", "administrator", {}),
])
async def test_send_message_accepted_where_the_bot_may_write(fake_api: FakeBotAPI, chat_type: str,
                                                             status: str | None, rights: dict[str, Any]) -> None:
    chat_id = {"group": GROUP, "supergroup": SUPERGROUP, "channel": CHANNEL}[chat_type]
    fake_api.add_chat(chat_id, chat_type, "Back Club")
    if status is not None:
        fake_api.set_member(chat_id, BOT_ID, status, **rights)
    sent = await result(fake_api, "sendMessage", chat_id=chat_id, text="hello")
    assert sent["chat"] == {"id": chat_id, "type": chat_type, "title": "Back Club"}
    if chat_type == "channel":
        assert "from" not in sent and sent["sender_chat"] == sent["chat"]
    else:
        assert sent["from"] == BOT_USER


async def test_blocked_private_chats_still_refused(fake_api: FakeBotAPI) -> None:
    fake_api.blocked_chats.add(42)
    status, body = await call(fake_api, "sendMessage", chat_id=42, text="hello")
    assert (status, body["description"]) == (403, "Forbidden: bot was blocked by the user")


async def test_ptb_raises_its_own_errors_for_the_refusals(fake_api: FakeBotAPI, ptb: Bot) -> None:
    fake_api.add_chat(CHANNEL, "channel", "Back News", username="backnews")
    fake_api.set_member(SUPERGROUP, BOT_ID, "kicked")
    with pytest.raises(Forbidden, match="kicked from the supergroup chat"):
        await ptb.send_message(SUPERGROUP, "hello")
    with pytest.raises(Forbidden, match="not a member of the channel chat"):
        await ptb.send_message("@backnews", "hello")
    fake_api.set_member(CHANNEL, BOT_ID, "administrator", can_post_messages=False)
    with pytest.raises(BadRequest, match="Need administrator rights"):
        await ptb.send_message(CHANNEL, "hello")
    with pytest.raises(BadRequest, match="Chat not found"):
        await ptb.get_chat("@nobody")
    member = await ptb.get_chat_member("@backnews", BOT_ID)
    assert isinstance(member, ChatMemberAdministrator) and member.can_post_messages is False
    chat = await ptb.get_chat(CHANNEL)
    assert (chat.type, chat.username) == ("channel", "backnews")
    admins = await ptb.get_chat_administrators(CHANNEL)
    assert [a.user.id for a in admins] == [BOT_ID]


# -- updates -----------------------------------------------------------------------------
async def test_my_chat_member_update_and_the_status_it_records(fake_api: FakeBotAPI) -> None:
    await fake_api.push_my_chat_member(SUPERGROUP, "supergroup", "left", "administrator", from_user_id=9,
                                       title="Spine Friends", is_forum=True, can_pin_messages=False)
    [update] = await updates(fake_api)
    changed = update["my_chat_member"]
    assert changed["chat"] == {"id": SUPERGROUP, "type": "supergroup", "title": "Spine Friends", "is_forum": True}
    assert changed["from"]["id"] == 9 and isinstance(changed["date"], int)
    assert changed["old_chat_member"] == {"status": "left", "user": BOT_USER}
    assert changed["new_chat_member"]["status"] == "administrator"
    assert fake_api.members[SUPERGROUP][BOT_ID] == changed["new_chat_member"]
    parsed = Update.de_json(update, Bot(fake_api.token))
    assert parsed.my_chat_member is not None
    assert isinstance(parsed.my_chat_member.old_chat_member, ChatMemberLeft)
    new = parsed.my_chat_member.new_chat_member
    assert isinstance(new, ChatMemberAdministrator) and new.can_pin_messages is False and new.user.id == BOT_ID
    assert parsed.my_chat_member.chat.is_forum is True and parsed.effective_chat is not None
    assert (await result(fake_api, "getChat", chat_id=SUPERGROUP))["title"] == "Spine Friends"

    await fake_api.push_my_chat_member(SUPERGROUP, "supergroup", "administrator", "kicked")
    removed = (await updates(fake_api))[-1]["my_chat_member"]
    assert removed["old_chat_member"]["can_pin_messages"] is False  # the rights it had
    status, body = await call(fake_api, "sendMessage", chat_id=SUPERGROUP, text="still here?")
    assert (status, body["description"]) == (403, "Forbidden: bot was kicked from the supergroup chat")


async def test_user_blocking_the_bot_in_private(fake_api: FakeBotAPI) -> None:
    await fake_api.push_my_chat_member(42, "private", "member", "kicked")
    assert 42 in fake_api.blocked_chats
    [update] = await updates(fake_api)
    assert update["my_chat_member"]["chat"] == {"id": 42, "type": "private", "first_name": "Ann"}
    parsed = Update.de_json(update, None)
    assert parsed.my_chat_member is not None
    assert isinstance(parsed.my_chat_member.new_chat_member, ChatMemberBanned)
    await fake_api.push_my_chat_member(42, "private", "kicked", "member")
    assert 42 not in fake_api.blocked_chats


async def test_migration_sends_both_service_messages(fake_api: FakeBotAPI, ptb: Bot) -> None:
    fake_api.add_chat(GROUP, "group", "Back Club")
    fake_api.set_member(GROUP, 7, "administrator")
    first, second = await fake_api.push_migration(GROUP, SUPERGROUP, user_id=42)
    assert second == first + 1
    old, new = [u["message"] for u in await updates(fake_api)]
    assert old["chat"] == {"id": GROUP, "type": "group", "title": "Back Club"}
    assert old["from"]["id"] == 42 and old["migrate_to_chat_id"] == SUPERGROUP
    assert new["chat"] == {"id": SUPERGROUP, "type": "supergroup", "title": "Back Club"}
    assert new["from"] == GROUP_ANONYMOUS_BOT and new["sender_chat"] == new["chat"]
    assert new["migrate_from_chat_id"] == GROUP and new["message_id"] == 1
    assert "text" not in old and "text" not in new
    parsed = [Update.de_json(u, ptb) for u in (dict(update_id=1, message=old), dict(update_id=2, message=new))]
    assert parsed[0].message is not None and parsed[0].message.migrate_to_chat_id == SUPERGROUP
    assert parsed[1].message is not None and parsed[1].message.migrate_from_chat_id == GROUP
    assert parsed[1].message.sender_chat is not None and parsed[1].message.sender_chat.id == SUPERGROUP

    status, body = await call(fake_api, "sendMessage", chat_id=GROUP, text="hello")
    assert (status, body) == (400, {"ok": False, "error_code": 400,
                                    "description": "Bad Request: group chat was upgraded to a supergroup chat",
                                    "parameters": {"migrate_to_chat_id": SUPERGROUP}})
    with pytest.raises(ChatMigrated) as raised:
        await ptb.send_message(GROUP, "hello")
    assert raised.value.new_chat_id == SUPERGROUP
    assert (await result(fake_api, "getChatMember", chat_id=SUPERGROUP, user_id=7))["status"] == "administrator"
    assert (await result(fake_api, "getChat", chat_id=SUPERGROUP))["type"] == "supergroup"
    assert (await result(fake_api, "sendMessage", chat_id=SUPERGROUP, text="hello"))["chat"]["id"] == SUPERGROUP


async def test_anonymous_admin_writes_as_the_group(fake_api: FakeBotAPI) -> None:
    await fake_api.push_message("/start", chat_id=SUPERGROUP, chat_type="supergroup", anonymous_admin=True)
    [update] = await updates(fake_api)
    message = update["message"]
    assert message["from"] == GROUP_ANONYMOUS_BOT
    assert message["sender_chat"] == message["chat"] == {"id": SUPERGROUP, "type": "supergroup",
                                                         "title": "Back Club"}
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]
    parsed = Update.de_json(update, Bot(fake_api.token)).message
    assert parsed is not None and parsed.from_user is not None and parsed.sender_chat is not None
    assert parsed.from_user.id == 1087968824 and parsed.sender_chat.id == SUPERGROUP and parsed.text == "/start"


async def test_forwarded_channel_post(fake_api: FakeBotAPI) -> None:
    channel = {"id": CHANNEL, "title": "Back News", "username": "backnews", "message_id": 77, "date": 1_700_000_000}
    await fake_api.push_message("Stretch every hour", chat_id=SUPERGROUP, chat_type="supergroup",
                                forward_from_channel=channel)
    [update] = await updates(fake_api)
    message = update["message"]
    assert message["text"] == "Stretch every hour" and message["from"]["id"] == 42
    assert message["forward_origin"] == {"type": "channel", "chat": {"id": CHANNEL, "type": "channel",
                                                                     "title": "Back News", "username": "backnews"},
                                         "message_id": 77, "date": 1_700_000_000}
    parsed = Update.de_json(update, None).message
    assert parsed is not None and isinstance(parsed.forward_origin, MessageOriginChannel)
    assert parsed.forward_origin.chat.id == CHANNEL and parsed.forward_origin.message_id == 77
    plain = fake_api.message("hi", forward_from_channel={"id": CHANNEL})["forward_origin"]
    assert plain["chat"] == {"id": CHANNEL, "type": "channel", "title": "Back News"}
    assert isinstance(plain["message_id"], int) and isinstance(plain["date"], int)


async def test_channel_post(fake_api: FakeBotAPI) -> None:
    await fake_api.push_channel_post(CHANNEL, "/start now", username="backnews")
    [update] = await updates(fake_api)
    post = update["channel_post"]
    chat = {"id": CHANNEL, "type": "channel", "title": "Back Club", "username": "backnews"}
    assert post["chat"] == post["sender_chat"] == chat and "from" not in post
    assert post["text"] == "/start now" and post["entities"][0]["type"] == "bot_command"
    parsed = Update.de_json(update, Bot(fake_api.token))
    assert parsed.channel_post is not None and parsed.channel_post.chat.username == "backnews"
    assert parsed.effective_chat is not None and parsed.effective_chat.type == "channel"
    assert fake_api.members[CHANNEL][BOT_ID]["can_post_messages"] is True
    assert (await result(fake_api, "sendMessage", chat_id="@backnews", text="hi"))["chat"]["id"] == CHANNEL


async def test_builders_reach_a_webhook_too(fake_api: FakeBotAPI) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    arrived = asyncio.Event()

    async def hook(request: web.Request) -> web.Response:
        received.append((request.headers.get(SECRET_HEADER), await request.json()))
        arrived.set()
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        await result(fake_api, "setWebhook", url=f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        await fake_api.push_my_chat_member(CHANNEL, "channel", "left", "administrator")
        await fake_api.push_channel_post(CHANNEL, "hello")
        await fake_api.push_migration(GROUP, SUPERGROUP)
        await asyncio.wait_for(arrived.wait(), 5)
    finally:
        await runner.cleanup()
    assert [secret for secret, _ in received] == ["s3cret"] * 4
    kinds = [next(k for k in update if k != "update_id") for _, update in received]
    assert kinds == ["my_chat_member", "channel_post", "message", "message"]
    assert fake_api.updates == []
