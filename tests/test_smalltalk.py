"""Small talk, navigation in words and messages in other languages."""

from __future__ import annotations

import pytest

from bot.core.answers import AnswerEngine
from bot.core.catalogue import load_catalogue
from bot.core.chat import MENU
from bot.core.language import foreign_language
from bot.core.smalltalk import kind_of
from tests.conftest import ROOT

CATALOGUE = load_catalogue(ROOT / "content")
ENGINE = AnswerEngine(CATALOGUE)


@pytest.mark.parametrize(("message", "kind"), [
    ("hi", "greeting"), ("hello", "greeting"), ("Hey there!", "greeting"), ("good morning", "greeting"),
    ("thanks!", "thanks"), ("thank you so much", "thanks"), ("ok thanks", "thanks"), ("cheers", "thanks"),
    ("help", "help"), ("what can you do?", "help"), ("Help me please", "help"),
    ("who are you", "who"), ("are you a bot?", "who"), ("is this medical advice?", "who"),
    ("start", "start"), ("topics", "topics"), ("show me the topics", "topics"),
    ("bye", "bye"), ("how are you?", "how_are_you"), ("ok", "ok"),
])
def test_small_talk_gets_a_short_reply_that_leads_somewhere(message: str, kind: str) -> None:
    assert kind_of(message) == kind
    answer = ENGINE.answer(message)
    assert answer.kind == "smalltalk"
    reply = answer.reply
    assert "no answer" not in reply.text
    assert reply.buttons, "every small-talk reply offers a way on"
    assert len(reply.text) < 600 or kind == "start"


def test_topics_in_words_opens_the_menu() -> None:
    reply = ENGINE.answer("topics").reply
    assert any(b.payload.startswith("g:") for b in reply.all_buttons())


def test_greeting_links_to_reminders_and_topics() -> None:
    reply = ENGINE.answer("hi").reply
    assert "/remind" in reply.text and MENU in [b.payload for b in reply.all_buttons()]


def test_who_are_you_points_to_the_disclaimer() -> None:
    assert "/about" in ENGINE.answer("is this medical advice").reply.text


@pytest.mark.parametrize("message", [
    "hi, my back hurts", "hello my lower back keeps cramping what do i do", "thanks, but is ice or heat better?",
    "help my back is killing me", "i need help with back spasms",
])
def test_a_greeting_with_a_question_is_answered(message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind in {"answer", "see_doctor"} and answer.entry is not None


def test_a_greeting_does_not_hide_a_crisis() -> None:
    assert ENGINE.answer("hi. i want to die").kind == "crisis"


@pytest.mark.parametrize(("message", "language"), [
    ("me duele la espalda", "es"), ("背中が痛い", None), ("was soll ich tun", "de"),
    ("у меня болит спина", "ru"), ("mi fa male la schiena", "it"), ("tengo espasmos en la espalda baja", "es"),
])
def test_other_languages_get_one_simple_english_line(message: str, language: str | None) -> None:
    detected = foreign_language(message, ENGINE.ours)
    assert detected is not None and (language is None or detected == language)
    reply = ENGINE.answer(message).reply
    assert reply.text.startswith("Sorry, I only speak English.")
    assert "no answer" not in reply.text


def test_the_line_comes_in_their_words_too_where_we_have_them() -> None:
    assert "solo hablo inglés" in ENGINE.answer("me duele la espalda").reply.text


@pytest.mark.parametrize("message", [
    "advil", "bananas", "meds", "my bak is killin me wat do i do", "hi", "stomach cramps", "magnesium",
    "sciatica help", "is advil ok", "leg cramps at night", "vitamins", "hola que tal my back hurts",
])
def test_short_english_is_not_taken_for_another_language(message: str) -> None:
    assert foreign_language(message, ENGINE.ours) is None


def test_shipped_word_lists_match_wordfreq() -> None:
    import gzip
    import json

    from bot.core.language import DATA, build

    assert json.loads(gzip.decompress(DATA.read_bytes())) == build(), \
        "run .venv/bin/python -m bot.core.language after upgrading wordfreq"


@pytest.mark.parametrize(("message", "language"), [
    ("doet pijn in mijn rug", "nl"), ("dói minhas costas", "pt"), ("у меня болит спина", "ru"),
    ("허리가 아파요", "ko"), ("el ibuprofeno es bueno para la espalda?", "es"),
])
def test_more_languages_by_words_and_by_script(message: str, language: str) -> None:
    assert foreign_language(message, ENGINE.ours) == language


@pytest.mark.parametrize(("message", "language"), [
    ("me duele la espalda, que hago?", "es"), ("ich habe Rückenschmerzen, was soll ich tun?", "de"),
    ("j'ai mal au dos, que faire?", "fr"), ("mon dos me fait mal depuis hier", "fr"),
    ("ho mal di schiena, cosa devo fare?", "it"), ("estou com dor nas costas, o que devo fazer?", "pt"),
    ("ik heb rugpijn, wat moet ik doen?", "nl"),
])
def test_every_language_with_its_own_line_gets_it(message: str, language: str) -> None:
    from bot.core.language import IN_THEIR_WORDS

    reply = ENGINE.answer(message).reply.text
    assert reply.startswith("Sorry, I only speak English.") and IN_THEIR_WORDS[language] in reply


@pytest.mark.parametrize("message", [
    "is a heeting pad good for my bakc", "how lnog shoud an ice pakc stay on", "bak pain wat do",
    "gout flare in my big toe", "dos and donts for back spasms", "mal posture", "la la la", "me too",
])
def test_english_with_typos_or_foreign_looking_words_stays_english(message: str) -> None:
    assert foreign_language(message, ENGINE.ours) is None
