"""Every message quoted when free-text understanding was specified, tried as a person types it."""

from __future__ import annotations

import pytest

from bot.core.answers import AnswerEngine, question_clauses
from bot.core.catalogue import load_catalogue
from bot.core.chat import ChatService
from bot.core.router import Caller, Router
from tests.conftest import ROOT

CATALOGUE = load_catalogue(ROOT / "content")
ENGINE = AnswerEngine(CATALOGUE)
NO_ANSWER = "has no answer to that"


@pytest.mark.parametrize(("message", "topics"), [
    # kinds of held-out misses found before this engine
    ("how long will this last", {"duration"}),
    ("how long do back spasms usually take to go away", {"duration"}),
    ("heat or ice after I hurt it", {"strain", "ice", "heat", "backpain"}),
    ("what do doctors call upper back pain", {"upperpain"}),
    ("how do doctors find out what's causing it", {"diagnosis"}),
    ("creams or rubs", {"relief"}),
    ("rest or keep moving", {"backpain", "relief"}),
    ("does the pain always show up at once", {"injury"}),
    ("where exactly is the upper back", {"upper"}),
    ("can sleeping funny cause a spasm", {"causes"}),
    # short or bare messages
    ("advil", {"ibuprofen"}), ("can i take advil", {"ibuprofen"}), ("is advil ok", {"ibuprofen"}),
    ("bananas", {"bananas"}), ("meds", {"meds"}), ("doctor", {"doctor"}), ("sleep", {"sleep"}),
    ("vitamins", {"vitamins"}), ("foods", {"foods"}), ("ice", {"ice"}), ("heat", {"heat"}),
    ("what vitamins help", {"vitamins"}), ("magnesium", {"bananas", "foods", "vitamins"}),
    ("what should I eat", {"foods"}), ("should I go to the ER", {"doctor"}),
    # misspelt, the way someone in pain types
    ("my bak is killin me wat do i do", {"backpain"}),
    ("my lower back keeps cramping what do i do", {"backpain", "relief"}),
])
def test_the_issue_messages_reach_their_topic(message: str, topics: set[str]) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind in {"answer", "see_doctor"}, answer.reply.text[:120]
    assert answer.entry is not None and answer.entry.id in topics, answer.entry and answer.entry.id


def test_the_readme_example_gets_relief_not_the_definition() -> None:
    reply = ENGINE.answer("my lower back keeps cramping what do i do").reply
    assert "without you asking" not in reply.text  # the definition of a spasm
    assert "ice" in reply.text.lower() and "stretch" in reply.text.lower()


@pytest.mark.parametrize("message", ["stomach cramps", "leg cramps at night",
                                     "what should i take for stomach cramps after a dodgy takeaway"])
def test_unrelated_passages_are_never_returned(message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "out_of_scope" and NO_ANSWER in answer.reply.text


def test_another_language_gets_the_english_only_line_not_a_passage() -> None:
    for message in ("was soll ich tun", "me duele la espalda", "背中が痛い"):
        answer = ENGINE.answer(message)
        assert answer.kind == "out_of_scope" and answer.entry is None
        assert answer.reply.text.startswith("Sorry, I only speak English.")


def test_several_questions_get_one_compact_answer_each() -> None:
    message = "what should I eat and how long will this last and should I see a doctor?"
    assert question_clauses(message) == ["what should I eat", "how long will this last", "should I see a doctor?"]
    answer = ENGINE.answer(message)
    reply = answer.reply
    assert answer.kind == "answer" and reply.title == "Your questions"
    for entry_id in ("foods", "duration", "doctor"):
        assert CATALOGUE.entries[entry_id].title in reply.text
    assert len(reply.text) < 2500


def test_a_long_story_is_matched_on_its_question() -> None:
    story = ("So last week I was helping my sister move flats and we carried a sofa down three floors. "
             "The next morning my lower back was stiff and by the afternoon it was really sore. It has been "
             "like that for four days now, a bit better each morning, but sitting at my desk makes it worse. "
             "My friend says heat, my mum says ice. Is ice ok?")
    answer = ENGINE.answer(story)
    assert answer.entry is not None and answer.entry.id in {"ice", "strain"}


def test_two_questions_never_repeat_a_topic() -> None:
    answer = ENGINE.answer("how long should i ice it? and how long should the ice stay on?")
    assert answer.reply.text.count(CATALOGUE.entries["ice"].title) <= 1


@pytest.mark.parametrize(("message", "expected"), [
    ("hi", "Hi! I'm Unknot"), ("hello", "Hi! I'm Unknot"), ("thanks!", "You're welcome"),
    ("help", "/help"), ("who are you", "I'm Unknot"), ("start", "/topics"), ("topics", "subjects"),
])
async def test_small_talk_through_the_router(message: str, expected: str) -> None:
    router = Router(ChatService(CATALOGUE), answers=ENGINE)
    reply = await router.text(Caller("console", "1", "1"), message)
    assert reply is not None and expected in reply.text and NO_ANSWER not in reply.text


@pytest.mark.parametrize("message", [
    "does acupuncture work for back pain", "how do you put kinesio tape on your back",
    "is it safe to get a back massage in the first trimester",
    "shuld i wear a back brace at work all day", "tens machine settings for lower back",
    "how long is recovery after spinal fusion surgery", "does rubbing CBD oil on my back help muscle spasms",
    "how many mg of naproxen can I take in a day for my back", "book me a back massage appointment for thursday",
    "write an email to my boss saying I can't come in because of back spasms",
    "find me a chiropractor near me in Leeds for my back", "gout flare in my big toe, which foods should I cut out",
    "will my insurance cover a massage", "stomach bug, can't keep anything down, what should i eat",
])
def test_subjects_the_article_never_covers_get_the_honest_no(message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "out_of_scope" and NO_ANSWER in answer.reply.text, answer.entry and answer.entry.id


@pytest.mark.parametrize(("message", "topic"), [
    ("roofers get muscle cramps in the heat why", "heatcramps"),  # a rare word naming people
    ("how lnog shoud an ice pakc stay on", "ice"),  # rare words that are typos
    ("wat shud i eat for cramps", "foods"),  # chat shorthand
    ("do nanas help with back cramps", "bananas"),
    ("what fruit helps with leg cramps", "foods"),  # cramps in a limb: the food topics answer
    ("can menstrual cramps be a muscle spasm", "smooth"),  # an organ's: the smooth-muscle topic
])
def test_unusual_words_that_still_have_an_answer(message: str, topic: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.entry is not None and answer.entry.id == topic


def test_it_in_a_second_question_is_what_the_first_asked_about() -> None:
    reply = ENGINE.answer("what are dystonias and how are they treated, and can stretching help it").reply
    assert reply.title == "Your questions" or CATALOGUE.entries["dystonia"].title == reply.title
    reply = ENGINE.answer("what does an upper back spasm feel like, and what's the best massage for it").reply
    assert CATALOGUE.entries["upper"].title in reply.text and CATALOGUE.entries["triggerpoint"].title in reply.text


@pytest.mark.parametrize(("message", "clauses"), [
    ("how do I massage a spasm on my own, and for nerve pain is cold or heat better?",
     ["how do I massage a spasm on my own", "for nerve pain is cold or heat better?"]),
    ("I lifted a box, and now my back hurts", ["I lifted a box, and now my back hurts"]),
    ("ice or heat", ["ice or heat"]),
    ("is it a twitch or a spasm", ["is it a twitch or a spasm"]),
])
def test_where_a_message_splits_into_questions(message: str, clauses: list[str]) -> None:
    assert question_clauses(message) == clauses


def test_a_short_question_in_a_long_story_is_read_with_the_sentence_before() -> None:
    story = ("I have had a stiff, knotted-up lower back for months now and it gets worse by the evening, "
             "especially after a long day of driving for work. A friend swears by her electric heat pad. "
             "Is that a good idea?")
    assert len(story) >= 160
    assert question_clauses(story) == ["A friend swears by her electric heat pad. Is that a good idea?"]
    answer = ENGINE.answer(story)
    assert answer.entry is not None and answer.entry.id == "heat"


def test_mentions_of_the_bot_are_not_part_of_the_question() -> None:
    from bot.core.answers import strip_mentions

    assert strip_mentions("<@881234567890> does heat help?") == "does heat help?"  # Discord
    assert strip_mentions("<@!881234567890> is ice ok") == "is ice ok"  # Discord, nickname form
    assert strip_mentions("@UnknotBot is ice ok") == "is ice ok"  # Telegram
