"""Reminders set up in plain words: the parser alone, then the proposal, Confirm and Cancel through
the router on the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import json
import time as timer
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select

from bot.app import Services, open_services
from bot.config import Settings
from bot.core.chat import is_expired
from bot.core.replies import Reply
from bot.core.router import Caller
from bot.reminders import plain
from bot.reminders import proposal as proposals
from bot.storage.models import Subscriber, Subscription
from tests.conftest import ROOT, FakeClock
from tests.test_reminder_service import hm, snapshot

ANN = Caller("telegram", "42", "42", private=True)
GROUP = Caller("telegram", "42", "-100", private=False)


def shown(text: str) -> tuple[str, str, str]:
    """(action, the proposal in plain words, its Confirm spec) with the user's current settings unknown."""
    proposal = plain.understand(text)
    assert proposal is not None, text
    proposal = proposals.with_current(proposal, {})
    if proposal.action in (proposals.ASK, proposals.LIST):
        return proposal.action, proposal.note, ""
    return proposal.action, proposals.describe(proposal), proposals.encode(proposal)


# -- the parser ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "words", "spec"),
    [
        ("remind me to drink water every hour from 9 to 5 on weekdays", "Water every 60 min, 09:00–17:00, Mon–Fri",
         "w60.h0900-1700.d01234"),
        ("stretch reminders every 90 minutes", "Stretch every 90 min", "s90"),
        ("remind me about posture every 45 min", "Posture break every 45 min", "p45"),
        ("daily tip at 8:30", "Daily tip at 08:30", "t0830"),
        ("stop reminding me", "Turn off all reminders (your settings are kept; /resume brings them back)", "x"),
        ("turn off reminders", "Turn off all reminders (your settings are kept; /resume brings them back)", "x"),
        ("how do I turn off reminders", "Turn off all reminders (your settings are kept; /resume brings them back)",
         "x"),
        ("pause reminders until tomorrow", "Pause all reminders until tomorrow", "zT"),
        ("pause for 2 hours", "Pause all reminders for 2 hours", "z2h"),
        ("resume reminders", "Turn your reminders back on and end any pause", "r"),
        # misspelt, short and other wordings
        ("remind me 2 drink water evry hour", "Water every 60 min", "w60"),
        ("remnd me to strech evry 2 hours", "Stretch every 120 min", "s120"),
        ("Remind me about POSTURE every 45m!", "Posture break every 45 min", "p45"),
        ("water every hour", "Water every 60 min", "w60"),
        ("water hourly", "Water every 60 min", "w60"),
        ("daily tip at 8.30am", "Daily tip at 08:30", "t0830"),
        ("tip at 7pm", "Daily tip at 19:00", "t1900"),
        ("remind me to stand up every 30 minutes from 9am to 5pm", "Posture break every 30 min, 09:00–17:00",
         "p30.h0900-1700"),
        ("water from 9 to 9", "Water every 60 min, 09:00–21:00", "w60.h0900-2100"),
        ("remind me about water every 90 min between 22:00 and 06:00", "Water every 90 min, 22:00–06:00",
         "w90.h2200-0600"),
        ("water every hour 9am-5pm", "Water every 60 min, 09:00–17:00", "w60.h0900-1700"),
        ("stretch reminders every 1.5 hours mon-fri", "Stretch every 90 min, Mon–Fri", "s90.d01234"),
        ("remind me to drink water and stretch every hour", "Water every 60 min; Stretch every 60 min", "w60.s60"),
        ("please remind me to drink water every 2 hrs on weekends", "Water every 120 min, Sat, Sun", "w120.d56"),
        ("don't remind me on weekends", "Active days Mon–Fri", "d01234"),
        ("stop water reminders", "Water reminders off", "w-"),
        ("turn reminders back on", "Turn your reminders back on and end any pause", "r"),
        ("stop", "Turn off all reminders (your settings are kept; /resume brings them back)", "x"),
        ("resume", "Turn your reminders back on and end any pause", "r"),
        ("pause for today", "Pause all reminders until tomorrow", "zT"),
        ("pause tomorrow", "Pause all reminders for today and tomorrow", "zM"),
        ("pause for half an hour", "Pause all reminders for 30 minutes", "z30m"),
        ("pause 90 min", "Pause all reminders for 90 minutes", "z90m"),
        ("I keep forgetting to drink water, can you remind me every hour?", "Water every 60 min", "w60"),
        ("can you remind me to stretch?", "Stretch every 90 min", "s90"),
        ("I need reminders to sit up straight every 20 min", "Posture break every 20 min", "p20"),
        ("turn off stretching", "Stretch reminders off", "s-"),
        ("send me the daily tip at 7", "Daily tip at 07:00", "t0700"),
        ("pause reminders for a week", "Pause all reminders for 7 days", "z7d"),
    ],
)
def test_requests_become_proposals(text: str, words: str, spec: str) -> None:
    _, described, encoded = shown(text)
    assert (described, encoded) == (words, spec)
    assert proposals.decode(encoded) is not None


@pytest.mark.parametrize("text", [
    "does drinking water help spasms", "how long should I stretch", "is it bad to sit all day",
    "should I drink water every hour", "how often should I stretch?", "stretch", "posture", "water",
    "my back hurts when I sit", "what helps a back spasm", "stop the pain in my lower back", "hi",
    "it reminds me of the injury I had", "do reminders to stretch help back pain?", "can heat help at night",
    "Is drinking water every day good for my back?", "weekdays from 9 to 5", "2 to 3 times a day",
    "I was reminded by my doctor to stretch every morning", "", "stop sitting all day", "stop stretching",
    "My physio wants me to remind myself to stretch every hour. " + "My lower back has been stiff for weeks. " * 10,
])
def test_questions_and_stories_are_not_caught(text: str) -> None:
    assert plain.understand(text) is None


def test_a_long_message_goes_to_the_answer_engine() -> None:
    request = "My physio wants me to remind myself to stretch every hour. "
    assert plain.understand(request) is not None
    assert len(request * 6) > plain.MAX_CHARS == 300
    assert plain.understand(request * 6) is None


def test_no_question_of_the_answer_and_triage_sets_is_taken_for_a_request() -> None:
    files = [*(ROOT / "tests" / "data").glob("*.jsonl"), *(ROOT / "bot" / "core" / "data").glob("*.jsonl")]
    messages = [json.loads(line)["message"] for path in files for line in path.read_text().splitlines() if line]
    assert len(messages) > 2000
    assert [m for m in messages if plain.understand(m) is not None] == []


def test_what_reminders_do_i_have_is_a_listing() -> None:
    for text in ("what reminders do I have", "which reminders are on?", "show my reminders", "my reminders"):
        assert shown(text)[0] == proposals.LIST


def test_an_impossible_interval_offers_the_nearest_for_each_kind() -> None:
    proposal = plain.understand("remind me every 3 seconds")
    assert proposal is not None and proposal.action == proposals.ASK
    assert "can't remind you every 3 seconds" in proposal.note
    assert [proposals.describe(o) for o in proposal.options] == [
        "Posture break every 20 min", "Water every 45 min", "Stretch every 60 min"]


def test_an_interval_not_offered_snaps_to_the_nearest_and_says_so() -> None:
    proposal = plain.understand("remind me to stretch every half hour")
    assert proposal is not None and proposals.describe(proposal) == "Stretch every 60 min"
    assert "every 60, 90 or 120 minutes, so every half hour isn't possible" in proposal.note
    proposal = plain.understand("water every 3 hours")
    assert proposal is not None and proposals.describe(proposal) == "Water every 120 min"


def test_a_time_for_water_or_an_impossible_time() -> None:
    proposal = proposals.with_current(plain.understand("water at 25:00") or proposals.Proposal(proposals.STOP), {})
    assert proposals.describe(proposal) == "Water every 60 min"
    assert "25:00 isn't a time of day, and water reminders come every so many minutes" in proposal.note
    action, note, _ = shown("daily tip at 25:00")
    assert action == proposals.ASK and "25:00 isn't a time of day" in note
    assert plain.understand("daily tip at 25:00") == proposals.Proposal(proposals.ASK, note=note)  # no button
    proposal = plain.understand("remind me at 7am")
    assert proposal is not None and proposals.describe(proposal) == "Daily tip at 07:00"
    assert "daily tip is the reminder that comes at a set time" in proposal.note


@pytest.mark.parametrize(("text", "expect"), [
    ("remind me sometimes", "What should I remind you about, and how often?"),
    ("remind me to call mum at 5", "I can remind you about posture breaks, water, stretching and the daily tip."),
    ("remind me to take ibuprofen every 6 hours", "I can remind you about posture breaks, water, stretching"),
    ("remind me to stretch 2 to 3 times a day", "I didn't follow the '2 3' part"),
    ("pause", "For how long?"),
    ("pause until friday", "I can pause for some minutes, hours or days"),
    ("remind me to drink water every hour from 09:00 to 09:00", "can't read 09:00–09:00 as active hours"),
    ("pause for 0 minutes", "a minute is the shortest pause"),
])
def test_unclear_requests_ask(text: str, expect: str) -> None:
    action, note, _ = shown(text)
    assert action == proposals.ASK and expect in note


def test_too_long_a_pause_offers_the_longest() -> None:
    proposal = plain.understand("pause for 40 days")
    assert proposal is not None and proposal.pause == "30d" and "30 days is the most" in proposal.note


def test_a_request_without_an_interval_keeps_the_current_one() -> None:
    proposal = plain.understand("remind me to drink water")
    assert proposal is not None
    assert proposals.describe(proposals.with_current(proposal, {})) == "Water every 60 min"  # the default
    current = {"water": proposals.Setting("water", 90), "daily": proposals.Setting("daily", at=time(7, 0))}
    assert proposals.describe(proposals.with_current(proposal, current)) == "Water every 90 min"
    tip = plain.understand("turn on the daily tip")
    assert tip is not None and proposals.describe(proposals.with_current(tip, current)) == "Daily tip at 07:00"


@pytest.mark.parametrize("spec", [
    "", "w7", "w60.w90", "w0060", "q60", "h0900-0900", "h2500-1700", "t2500", "t0860", "d7", "d00", "d10",
    "d01234.w60", "x.r", "zT.x", "z0m", "z99999m", "z31d", "z2x", "w60.h0900-1700.d01234.extra", "W60", "w60 ",
    "p30.h0900-1700.d0123456.s90.w60.t0830", "r1", "x" * 41,
])
def test_decode_refuses_what_encode_could_not_write(spec: str) -> None:
    assert proposals.decode(spec) is None


def test_payloads_fit_in_64_bytes() -> None:
    widest = proposals.Proposal(proposals.SET, (proposals.Setting("posture", 45), proposals.Setting("water", 120),
                                        proposals.Setting("stretch", 120), proposals.Setting("daily", at=time(8, 30))),
                            (time(9, 0), time(17, 0)), frozenset(range(7)))
    reply = proposals.proposal_reply(widest, proposals.stamp(datetime(2099, 12, 31, tzinfo=UTC)))
    assert all(len(b.payload.encode()) <= 64 for b in reply.all_buttons())
    assert proposals.decode(reply.all_buttons()[0].payload.split(":")[2]) == widest


def test_parsing_is_fast() -> None:
    plain.understand("warm up")  # the spelling corrector is built once
    message = "remind me to drink water every hour from 9 to 5 on weekdays"
    start = timer.perf_counter()
    for _ in range(1000):
        plain.understand(message)
    assert (timer.perf_counter() - start) / 1000 < 0.001
    story = "My lower back locks up whenever I sit, remind me to stretch more often. " * 57
    start = timer.perf_counter()
    assert plain.understand(story[:4096]) is None
    assert timer.perf_counter() - start < 0.001


# -- through the router, on the real store ---------------------------------------------------------
def confirm_of(reply: Reply) -> str:
    payloads = [b.payload for b in reply.all_buttons() if b.label == "✅ Confirm"]
    assert len(payloads) == 1, reply
    return payloads[0]


async def test_confirm_applies_hours_days_and_interval(services: Services) -> None:
    router = services.router
    reply = await router.text(ANN, "remind me to drink water every hour from 9 to 5 on weekdays")
    assert reply is not None
    assert "Water every 60 min, 09:00–17:00, Mon–Fri." in reply.text and "Nothing changes until then" in reply.text
    assert [b.label for b in reply.all_buttons()] == ["✅ Confirm", "Cancel"]
    assert await snapshot(services) == []  # nothing stored before the press
    done = await router.button(ANN, confirm_of(reply))
    assert done.notice == "Saved."
    assert done.text.startswith("Active hours set to 09:00-17:00")
    assert f"Saved. Water: every 60 min, next today {hm(10, 0)}" in done.text  # the first slot after 09:00
    assert "Active hours set to 09:00-17:00" in done.text and "Active days set to Mon-Fri" in done.text
    assert "/timezone" in done.text  # the first subscription asks for the zone, as /remind does
    rows = await snapshot(services)
    assert rows[0][1:4] == ("09:00", "17:00", "01234")
    assert rows[1][:4] == ("water", True, 60, None)


@pytest.mark.parametrize("text", [
    "remind me to drink water every hour from 9 to 5 on weekdays", "stretch reminders every 90 minutes",
    "remind me about posture every 45 min", "daily tip at 8:30", "stop reminding me", "turn off reminders",
    "how do I turn off reminders", "pause reminders until tomorrow", "pause for 2 hours", "resume reminders",
    "remind me every 3 seconds", "water at 25:00", "remind me sometimes", "remind me 2 drink water evry hour",
])
async def test_a_proposal_changes_nothing_and_cancel_changes_nothing(services: Services, text: str) -> None:
    await services.router.command(ANN, "remind", "posture every 30m")
    before = await snapshot(services)
    reply = await services.router.text(ANN, text)
    assert reply is not None and all(b.payload.startswith(("r:ok:", "r:no:")) for b in reply.all_buttons())
    assert await snapshot(services) == before
    cancel = [b.payload for b in reply.all_buttons() if b.label == "Cancel"]
    if cancel:
        done = await services.router.button(ANN, cancel[0])
        assert done.text == "Okay, nothing changed."
    assert await snapshot(services) == before


async def test_stop_pause_and_resume_by_confirm(services: Services, clock: FakeClock) -> None:
    router = services.router
    await router.command(ANN, "remind", "water every 90m")
    await router.command(ANN, "timezone", "Europe/Berlin")  # 08:00 local
    ask = await router.text(ANN, "pause reminders until tomorrow")
    assert ask is not None and "Pause all reminders until tomorrow (until tomorrow 00:00)." in ask.text
    done = await router.button(ANN, confirm_of(ask))
    assert "Paused until tomorrow 00:00" in done.text
    async with services.store.session() as session:
        user = (await session.execute(select(Subscriber))).scalar_one()
    assert user.paused_until == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # midnight in Berlin
    ask = await router.text(ANN, "pause for 2 hours")
    assert ask is not None and "(until today 10:00)" in ask.text
    assert "Paused until today 10:00" in (await router.button(ANN, confirm_of(ask))).text
    ask = await router.text(ANN, "how do I turn off reminders")
    assert ask is not None and ask.text.startswith("To turn reminders off yourself, send /stop")
    assert "All reminders are off" in (await router.button(ANN, confirm_of(ask))).text
    assert "not scheduled" in (await router.command(ANN, "reminders", "")).text
    ask = await router.text(ANN, "resume reminders")
    assert ask is not None
    assert "Reminders are back on" in (await router.button(ANN, confirm_of(ask))).text
    assert f"every 90 min, next today {hm(10, 30)}" in (await router.command(ANN, "reminders", "")).text


async def test_choosing_the_nearest_setting_offered(services: Services) -> None:
    ask = await services.router.text(ANN, "remind me every 3 seconds")
    assert ask is not None
    water = next(b.payload for b in ask.all_buttons() if b.label == "Water every 45 min")
    done = await services.router.button(ANN, water)
    assert "Saved. Water: every 45 min" in done.text
    assert [row[:3] for row in await snapshot(services) if row[0] == "water"] == [("water", True, 45)]


async def test_one_reminder_off_by_confirm(services: Services) -> None:
    await services.router.command(ANN, "remind", "water every 60m")
    await services.router.command(ANN, "remind", "posture every 30m")
    ask = await services.router.text(ANN, "stop water reminders")
    assert ask is not None and "Water reminders off." in ask.text
    assert "Saved. Water: off" in (await services.router.button(ANN, confirm_of(ask))).text
    assert [row[:2] for row in await snapshot(services) if row[0] in ("water", "posture")] == [
        ("water", False), ("posture", True)]


@pytest.mark.parametrize("text", ["daily tip at 25:00", "remind me sometimes"])
async def test_a_question_has_no_confirm_button(services: Services, text: str) -> None:
    reply = await services.router.text(ANN, text)
    assert reply is not None and "?" in reply.text and reply.buttons == ()


async def test_what_reminders_do_i_have_answers_directly(services: Services) -> None:
    reply = await services.router.text(ANN, "what reminders do I have")
    assert reply is not None and "No reminders are on" in reply.text
    await services.router.command(ANN, "remind", "stretch every 60m")
    reply = await services.router.text(ANN, "what reminders do I have?")
    assert reply is not None and reply.title == "Your reminders" and "Stretch: every 60 min" in reply.text
    assert not reply.buttons


async def test_the_proposal_shows_the_current_interval(services: Services) -> None:
    await services.router.command(ANN, "remind", "water every 120m")
    reply = await services.router.text(ANN, "remind me to drink water")
    assert reply is not None and "Water every 120 min." in reply.text


def tampered(spec: str, made: str) -> list[str]:
    return [f"r:ok:w7:{made}", f"r:ok:w60.w90:{made}", f"r:ok:h0900-0900:{made}", f"r:ok:t2500:{made}",
            f"r:ok:d7:{made}", f"r:ok:z99999m:{made}", f"r:ok:{spec}:ZZ", f"r:ok:{spec}:", f"r:ok:{spec}",
            f"r:ok:{spec}:{made}:1", f"r:ok:{spec}x:{made}", f"r:ok:{spec}:{made}0", "r:no:", "r:no:A!"]


async def test_tampered_or_stale_confirms_change_nothing(services: Services, clock: FakeClock) -> None:
    await services.router.command(ANN, "remind", "posture every 30m")
    reply = await services.router.text(ANN, "remind me to drink water every hour from 9 to 5 on weekdays")
    assert reply is not None
    payload = confirm_of(reply)
    _, _, spec, made = payload.split(":")
    before = await snapshot(services)
    for bad in tampered(spec, made):
        assert is_expired(await services.router.button(ANN, bad)), bad
    assert is_expired(await services.router.button(GROUP, payload))  # a Confirm pressed in a group
    future = proposals.stamp(clock.now() + timedelta(minutes=5))
    assert is_expired(await services.router.button(ANN, f"r:ok:{spec}:{future}"))
    clock.advance(minutes=31)
    assert is_expired(await services.router.button(ANN, payload))  # stale
    assert await snapshot(services) == before


async def test_a_confirm_holds_for_half_an_hour(services: Services, clock: FakeClock) -> None:
    reply = await services.router.text(ANN, "stretch reminders every 90 minutes")
    assert reply is not None
    clock.advance(minutes=29)
    assert "Saved. Stretch: every 90 min" in (await services.router.button(ANN, confirm_of(reply))).text


async def test_group_chats_are_ignored(services: Services) -> None:
    text = "remind me to drink water every hour"
    reply = await services.router.text(GROUP, text, addressed=True)
    assert services.router.answers is not None
    assert reply == services.router.answers.answer(text).reply  # the answer engine's reply
    assert await services.router.text(GROUP, "stop reminding me") is None  # not addressed: silence
    assert await services.reminders.plain_words(GROUP, "stop reminding me") is None
    assert await snapshot(services) == []


@pytest.mark.parametrize(("text", "kind"), [
    ("remind me to drink water every hour, I want to kill myself", "crisis"),
    ("remind me to stretch, I can't feel my legs and I lost bladder control", "urgent"),
])
async def test_a_crisis_gets_the_crisis_reply_not_a_proposal(services: Services, text: str, kind: str) -> None:
    assert plain.understand(text) is not None  # alone, the words would make a proposal
    reply = await services.router.text(ANN, text)
    assert services.router.answers is not None
    crisis = services.router.answers.screen(text)
    assert crisis is not None and crisis.kind == kind
    assert reply == crisis.reply
    assert reply is not None and not any(b.payload.startswith("r:") for b in reply.all_buttons())
    assert await snapshot(services) == []


@pytest.mark.parametrize("text", ["does drinking water help spasms", "how long should I stretch",
                                  "is it bad to sit all day"])
async def test_back_pain_questions_stay_with_the_answer_engine(services: Services, text: str) -> None:
    reply = await services.router.text(ANN, text)
    assert services.router.answers is not None
    assert reply == services.router.answers.answer(text).reply
    assert await snapshot(services) == []


async def test_console_confirms_by_number(settings: Settings, clock: FakeClock) -> None:
    from bot.adapters.console import Console

    services = await open_services(replace(settings, database_url=""), clock)
    console = Console(services.router, io.StringIO(), io.StringIO(), interactive=False)
    try:
        ask = await console.handle("stretch reminders every 90 minutes")
        assert ask is not None
        console.show(ask)
        assert "[1] ✅ Confirm" in console.stdout.getvalue()  # type: ignore[attr-defined]
        done = await console.handle("1")
        assert done is not None and "Saved. Stretch: every 90 min" in done.text
        async with services.store.session() as session:
            subs = list((await session.execute(select(Subscription))).scalars())
        assert [(s.kind, s.enabled, s.interval_minutes) for s in subs] == [("stretch", True, 90)]
    finally:
        await services.close()
