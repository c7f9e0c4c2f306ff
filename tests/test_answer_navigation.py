"""Buttons under a free-text answer: "Full topic" only for a shortened topic, and "« Back"
from the full topic or the related topics returns to the answer the person came from."""

from __future__ import annotations

import pytest

from bot.core.answers import AnswerEngine
from bot.core.catalogue import load_catalogue
from bot.core.chat import ChatService, is_expired
from bot.core.replies import Reply
from tests.conftest import ROOT

CATALOGUE = load_catalogue(ROOT / "content")
ENGINE = AnswerEngine(CATALOGUE)
CHAT = ChatService(CATALOGUE)
SHORTENED = "what are the benefits of massage for back pain"


def press(reply: Reply, label: str) -> Reply:
    button = next(b for b in reply.all_buttons() if b.label == label)
    assert len(button.payload.encode()) <= 64
    return CHAT.button(button.payload)


def test_full_topic_shows_more_than_the_answer_and_back_returns_to_it() -> None:
    answer = ENGINE.answer(SHORTENED).reply
    assert [b.label for b in answer.all_buttons()] == ["Full topic", "Related topics"]
    full = press(answer, "Full topic")
    body = CATALOGUE.entries["massage"].body
    assert body in full.text and len(full.text) > len(answer.text)
    assert [b.label for b in full.all_buttons()] == ["« Back", "All topics"]
    back = press(full, "« Back")
    assert back.text == answer.text and back.title == answer.title
    assert back.buttons == answer.buttons


def test_related_topics_back_returns_to_the_answer_not_the_menu() -> None:
    answer = ENGINE.answer(SHORTENED).reply
    related = press(answer, "Related topics")
    assert related.title == CATALOGUE.group(CATALOGUE.entries["massage"].group).title  # type: ignore[union-attr]
    back = press(related, "« Back")
    assert back.text == answer.text


def test_a_topic_opened_from_the_menu_still_goes_back_to_its_group() -> None:
    topic = CHAT.button("t:massage")
    assert topic.all_buttons()[0].payload == "g:" + CATALOGUE.entries["massage"].group


def test_see_doctor_answer_is_redrawn_with_its_note() -> None:
    answer = ENGINE.answer("these back cramps happen almost every day now, should i worry")
    assert answer.kind == "see_doctor"
    related = press(answer.reply, "Related topics")
    back = press(related, "« Back")
    assert back.text == answer.reply.text


@pytest.mark.parametrize("payload", [
    "a:", "a:nosuchtopic", "a:massage.99", "a:massage.3.1", "a:massage.x", "a:ice,heat,relief,doctor",
    "t:massage;nosuch", "g:relief;massage.999", "a:" + "x" * 70, "a:tip-water-drink", "t:ice;ice;ice",
])
def test_tampered_answer_payloads_expire(payload: str) -> None:
    assert is_expired(CHAT.button(payload))
