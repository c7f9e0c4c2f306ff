"""Free-text answers: red flags first, the right topic for paraphrases and typos, honest "no"."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.answers import AnswerEngine
from bot.core.catalogue import load_catalogue
from bot.core.textnorm import fold
from bot.core.triage import Triager
from tests.conftest import ROOT

CATALOGUE = load_catalogue(ROOT / "content")
ENGINE = AnswerEngine(CATALOGUE)


def safety_part(text: str) -> str:
    """What a reply says before any article content: Unknot's own safety note."""
    return text.split("What the article says", 1)[0]


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("how long do i keep an icepack on my lower back", "ice"),
        ("is ice ok??", "ice"),
        ("is heat ok after a few days?", "heat"),
        ("is icing good for a spasm", "ice"),
        ("should i use a heatpad for my back", "heat"),
        ("does warmth help stiff muscles", "heat"),
        ("i pulled a muscle in my lower back lifting boxes, fastest way to recover?", "strain"),
        ("best sleeping position with a sore back", "sleep"),
        ("whats the best way to lie down when my back is in spasm", "sleep"),
        ("what medication can i take for muscle spasms", "meds"),
        ("is flexeril a muscle relaxant", "meds"),
        ("does advil relax muscles", "ibuprofen"),
        ("are bananas good for cramps", "bananas"),
        ("what should i eat to prevent cramps", "foods"),
        ("which foods make spasms worse", "avoid"),
        ("can low vitamin d cause spasms", "vitamins"),
        ("whats the difference between a cramp and a strain", "compare"),
        ("what is a muscle spasm exactly", "spasm"),
        ("what does an upper back spasm feel like", "upper"),
        ("how do i stop my lower back spasming in the first place", "prevent"),
        ("how long does a back spasm last", "duration"),
        ("how to get rid of a back spasm quickly", "relief"),
        ("how do i massage a spasm myself", "selfmassage"),
        ("what kind of massage is best for knots between shoulder blades", "triggerpoint"),
        ("is it normal to be sore after a massage", "sore"),
        ("chiropractor or massage for pinched nerve", "chiro"),
        ("can bad posture at my desk cause upper back pain", "posture"),
        ("i throw a lot at baseball and my upper back hurts", "overuse"),
        ("do herniated discs need surgery", "disc"),
        ("how can a doctor tell if its a disc or a muscle", "diagnosis"),
        ("what is myofascial pain", "fascia"),
        ("can an infection cause upper back pain", "infection"),
        ("can scoliosis cause upper back pain", "conditions"),
        ("heat or cold for nerve pain", "nerve"),
        ("why do muscles spasm", "causes"),
        ("when should i worry about back spasms", "doctor"),
    ],
)
def test_paraphrased_questions_find_their_topic(message: str, entry_id: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "answer"
    assert answer.entry is not None and answer.entry.id == entry_id


@pytest.mark.parametrize(
    ("message", "entry_id"),
    [
        ("how lnog shoud an ice pakc stay on", "ice"),
        ("bananna for crampps?", "bananas"),
        ("wich vitamnis help with spazms", "vitamins"),
        ("is a heeting pad good for my bakc", "heat"),
        ("what is myofacial pain", "fascia"),
    ],
)
def test_typos_are_tolerated(message: str, entry_id: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.entry is not None and answer.entry.id == entry_id, answer


@pytest.mark.parametrize(
    "message",
    [
        "i cant control my bladder since my back went",
        "lost control of my bowels and my back is killing me",
        "my legs feel weak and wobbly with this back pain",
        "numbness in both legs and lower back pain",
        "my arm has gone numb and my upper back hurts",
        "fell off a ladder yesterday and now my back hurts a lot",
        "got rear ended in my car and my neck and back are sore",
        "back pain and i have chills and a fever",
        "temperature of 38.7 and my spine is sore",
        "sudden excruciating pain in my back out of nowhere",
        "i wet myself and my back is in agony",
        "my leg keeps giving way since the spasm",
        "numbb legz and bak pain",
        "i leakd some urin and cant hold it",
    ],
)
def test_emergencies_are_escalated_first(message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "urgent"
    warning = safety_part(answer.reply.text)
    assert warning.startswith("🛡 Unknot's safety note (not from the article):")
    assert "urgent" in warning.lower() and "right away" in warning.lower()


@pytest.mark.parametrize(
    "message",
    [
        "my back spasms keep coming back",
        "the spasm hasnt gone away after two weeks of rest",
        "my lower back pain is getting worse every day",
        "i get cramps in my back constantly",
        "recurring spasms in my upper back, should i be concerned",
        "my lower back keeps cramping what do i do",
    ],
)
def test_recurring_or_worsening_spasms_go_to_a_doctor(message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "see_doctor"
    assert "doctor" in safety_part(answer.reply.text)
    assert "right away" not in answer.reply.text


@pytest.mark.parametrize(
    "message",
    [
        "whats the weather tomorrow",
        "how do i treat a migraine",
        "best remedy for the flu",
        "who won the football match yesterday",
        "give me a recipe for banana bread",
        "how do i fix my python code",
        "what is the capital of france",
        "my knee hurts when i run",
        "tell me a joke",
        "can you help me with my taxes",
        "asdfgh qwerty",
    ],
)
def test_off_topic_gets_an_honest_no(message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "out_of_scope"
    assert "/help" in answer.reply.text and answer.entry is None
    assert "banana" not in answer.reply.text.lower()


def test_a_whole_topic_has_no_full_topic_button() -> None:
    answer = ENGINE.answer("how long should i ice my back")
    assert answer.entry is not None and answer.entry.id == "ice"
    assert [b.label for b in answer.reply.all_buttons()] == ["Related topics"]


def test_long_entries_are_shortened_with_a_pointer() -> None:
    reply = ENGINE.answer("what are the benefits of massage for back pain").reply
    assert len(reply.text) < len(CATALOGUE.entries["massage"].body)
    assert reply.text.endswith("More: /massage")


def test_questions_are_not_answered_with_tips() -> None:
    for message in ("glass of water", "stand up and stretch", "posture check"):
        answer = ENGINE.answer(message)
        assert answer.entry is None or not answer.entry.is_tip


def test_oversized_message_is_handled() -> None:
    message = "my lower back spasm, what helps? " + "blah " * 5000
    answer = ENGINE.answer(message)
    assert answer.kind in {"answer", "see_doctor"}


def test_red_flag_rules_need_combinations_not_single_words() -> None:
    def flag(text: str) -> str | None:
        found = Triager().rules(fold(text))
        return found.level if found else None

    assert flag("my legs are numb") == "urgent"
    assert flag("numb") is None
    assert flag("leg stretches for the back") is None
    assert flag("do i need to pee more with back pain") is None
    assert flag("can slipping and falling cause back pain") is None  # a question, not an event
    assert flag("i slipped and fell and my back hurts") == "urgent"
    assert flag("working in hot temperatures gives me cramps") is None
    assert flag("it is unbearable, my back") == "urgent"
    assert flag("back spasms every day") == "see_doctor"


def test_engine_builds_fast_and_answers_in_milliseconds() -> None:
    started = time.perf_counter()
    engine = AnswerEngine(CATALOGUE)
    built = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(20):
        engine.answer("how long should a heating pad stay on my lower back")
    per_question = (time.perf_counter() - started) / 20
    # Generous bounds: this guards against an accidental slow path, the benchmark measures.
    assert built < 1.0 and per_question < 0.05


def test_eval_command_scores_a_file(tmp_path: Path) -> None:
    cases = [
        {"id": "t1", "message": "how long do i ice my back", "kind": "answer", "expect_any": ["10 to 20"],
         "avoid": ["15 to 20"]},
        {"id": "t2", "message": "numb legs and back pain", "kind": "urgent", "expect_any": ["urgent"], "avoid": []},
        {"id": "t3", "message": "best pasta recipe", "kind": "out_of_scope", "expect_any": ["/help"], "avoid": []},
        {"id": "t4", "message": "how long do i ice my back", "kind": "answer", "expect_any": ["zebra"],
         "avoid": []},
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases), encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "bot", "eval", str(path)], capture_output=True, text=True,
                            cwd=ROOT, timeout=60, check=False)
    assert result.returncode == 1  # one failure
    assert "answer               1      2     50.0%" in result.stdout
    assert "urgent               1      1    100.0%" in result.stdout
    assert "[t4]" in result.stdout and "latency per question: p50" in result.stdout


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("urgent", "i've lost feeling in my groin and my back aches"),
        ("urgent", "my foot is dragging when i walk, back is sore"),
        ("urgent", "sudden severe back pain out of nowhere"),
        ("urgent", "night sweats and a sore back"),
        ("urgent", "was in a car accident, now my back hurts"),
        ("urgent", "cant pee properly and my lower back hurts"),
        ("urgent", "after a bad fall my back is really painful"),
        ("see_doctor", "its been 3 weeks and my back spasm is no better"),
        ("see_doctor", "this is the third time this month my back has spasmed"),
        ("see_doctor", "back spasms every few days"),
        ("answer", "what does a pinched nerve feel like"),
        ("answer", "is it a muscle or a disc"),
        ("answer", "why do construction workers get cramps"),
        ("answer", "best mattress for back spasms"),
        ("answer", "should i stretch during a spasm"),
        ("answer", "what is kyphosis"),
        ("answer", "my back hurts when i shovel snow"),
        ("out_of_scope", "what's good for a sore throat"),
        ("out_of_scope", "how to cure a cold"),
        ("out_of_scope", "how much does a massage chair cost"),
        ("out_of_scope", "is running good for weight loss"),
        ("out_of_scope", "recommend a good book"),
    ],
)
def test_more_phrasings_land_in_the_right_kind(kind: str, message: str) -> None:
    assert ENGINE.answer(message).kind == kind


@pytest.mark.parametrize(
    ("entry_id", "message"),
    [
        ("chiro", "should i see a chiropractor or a massage therapist for a trapped nerve"),
        ("chiro", "my nerve is pinched by a bone, will massage fix it"),
        ("foods", "what fruit helps with leg cramps"),
        ("foods", "is coconut water good for muscle cramps"),
        ("heatcramps", "i get cramps when i exercise in hot weather"),
        ("heatcramps", "roofers get muscle cramps in the heat why"),
        ("prevent", "how can i avoid getting lower back spasms"),
        ("prevent", "what kind of mattress is best to avoid back spasms"),
        ("overuse", "i lift boxes over my head all day and my shoulders and upper back ache"),
        ("meds", "what prescription muscle relaxers are there"),
        ("meds", "can a cortisone shot help back spasms"),
        ("diagnosis", "what tests show a herniated disc"),
        ("diagnosis", "do i need an mri for back pain"),
        ("vitamins", "could i be low on a vitamin if i get spasms a lot"),
        ("vitamins", "does sunlight help muscle spasms"),
        ("cancer", "can back pain be a sign of cancer"),
        ("sleep", "should i put a pillow under my knees"),
        ("sleep", "how to sleep on my back with a spasm"),
        ("compare", "is a twitch the same as a spasm"),
        ("compare", "whats fasciculation"),
        ("ice", "how long should i ice my back for"),
        ("ice", "can i put ice directly on my skin"),
        ("heat", "how long should a heating pad stay on"),
        ("heat", "why does heat help muscle spasms"),
        ("relief", "what can i do at home to ease a back spasm"),
        ("triggerpoint", "what is trigger point therapy"),
        ("disc", "will a slipped disc heal without surgery"),
        ("duration", "how many days does a back spasm usually last"),
        ("duration", "when will my back spasm go away"),
        ("selfmassage", "how hard should i press when massaging a cramp"),
        ("arthritis", "what is osteoarthritis of the spine"),
        ("fascia", "what does myofascial release do"),
        ("pinched", "can a herniated disc press on a nerve"),
        ("nerve", "should i use ice or heat for sharp nerve pain"),
        ("strain", "should i ice or heat a pulled back muscle first"),
        ("sore", "why am i sore the day after a massage"),
        ("posture", "can slouching at my desk cause back pain"),
        ("infection", "what is a spinal epidural abscess"),
        ("ibuprofen", "is ibuprofen a muscle relaxant"),
        ("ibuprofen", "does aleve help a back strain"),
        ("dehydration", "can dehydration cause muscle cramps"),
        ("avoid", "is fast food bad for muscle cramps"),
        ("bananas", "why do people eat bananas for cramps"),
        ("smooth", "can menstrual cramps be a muscle spasm"),
        ("dystonia", "what is blepharospasm"),
        ("massage", "does massage improve range of motion"),
        ("upperpain", "what are the common causes of upper back pain"),
        ("lower", "what causes lower back spasms"),
        ("conditions", "can fibromyalgia cause upper back pain"),
        ("injury", "can a bad fall damage my spine"),
    ],
)
def test_everyday_wording_reaches_the_topic(entry_id: str, message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "answer" and answer.entry is not None and answer.entry.id == entry_id


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("urgent", "i crashed my bike this morning and my lower back is killing me"),
        ("urgent", "im peeing myself since the back pain started"),
        ("urgent", "both my legs went numb with the back spasm"),
        ("urgent", "my legs wont hold me up and my back hurts"),
        ("urgent", "high fever and my back is super sore"),
        ("urgent", "fell down the stairs and my back hurts a lot"),
        ("urgent", "pain in my back is so bad i cant bear it"),
        ("urgent", "my hands are numb and my upper back is in spasm"),
        ("see_doctor", "back spasms keep coming back every week"),
        ("see_doctor", "my back keeps spasming and its getting worse"),
        ("see_doctor", "the cramps in my back never seem to go away"),
        ("see_doctor", "i have had lower back spasms for months"),
        ("out_of_scope", "how do i treat acid reflux"),
        ("out_of_scope", "what is a good recipe for chicken soup"),
        ("out_of_scope", "who is the best basketball player"),
        ("out_of_scope", "write me a python function to sort a list"),
        ("out_of_scope", "what should i take for a headache"),
        ("out_of_scope", "how do i get rid of a sore throat"),
        ("out_of_scope", "what's the weather in london"),
        ("out_of_scope", "can you book me a flight"),
        ("out_of_scope", "how do i treat sunburn"),
        ("out_of_scope", "best medicine for diarrhea"),
        ("out_of_scope", "what causes kidney stones"),
    ],
)
def test_everyday_wording_of_warnings_and_off_topic(kind: str, message: str) -> None:
    assert ENGINE.answer(message).kind == kind


@pytest.mark.parametrize(
    ("entry_id", "message"),
    [
        ("chiro", "do i need a chiropractor or would a massage be enough for a nerve thing"),
        ("foods", "good things to eat when you get cramps a lot"),
        ("heatcramps", "i'm a construction worker and get cramps on hot days"),
        ("heatcramps", "marathon in the heat gave me terrible cramps, why"),
        ("prevent", "habits to keep my lower back from seizing up"),
        ("overuse", "painting ceilings all week wrecked my upper back"),
        ("meds", "which drugs do doctors prescribe to relax muscles"),
        ("diagnosis", "how would a doctor know if its my disc"),
        ("vitamins", "can a lack of b12 cause twitching"),
        ("cancer", "could my upper back pain be lung cancer"),
        ("sleep", "pillow tips for sleeping with a bad back"),
        ("compare", "my muscle keeps flickering under the skin, is that a spasm"),
        ("ice", "cold compress for back pain how long"),
        ("heat", "heat pack for a spasm, how many minutes"),
        ("ibuprofen", "what can i buy at the pharmacy for a back spasm"),
        ("injury", "i hurt my back lifting weights at the gym"),
        ("triggerpoint", "which massage technique targets knots"),
        ("disc", "do people recover from a herniated disc without an operation"),
        ("duration", "how long until my back spasm stops"),
        ("selfmassage", "how do i rub out a spasm"),
        ("arthritis", "cartilage wearing down in my spine"),
        ("fascia", "what is the fascia"),
        ("pinched", "what are symptoms of a pinched nerve in the middle back"),
        ("strain", "what's the quickest way to heal a back strain"),
        ("sore", "sore muscles after massage normal?"),
        ("posture", "does working at a computer all day hurt your upper back"),
        ("infection", "abscess on the spine how serious"),
        ("ibuprofen", "is naproxen ok for a back strain"),
        ("avoid", "does sugar cause muscle cramps"),
        ("bananas", "how many nutrients do bananas have for cramps"),
        ("relief", "fastest way to stop a back spasm"),
        ("heat", "does a hot water bottle help a stiff back"),
        ("lower", "what does a lower back spasm feel like"),
        ("upper", "what does a spasm in the upper back feel like"),
        ("causes", "what causes back spasms"),
    ],
)
def test_more_everyday_wording(entry_id: str, message: str) -> None:
    answer = ENGINE.answer(message)
    assert answer.kind == "answer" and answer.entry is not None and answer.entry.id == entry_id


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("urgent", "since my car crash i cant feel my feet"),
        ("urgent", "slipped on ice and landed on my back, now it really hurts"),
        ("urgent", "i have a fever of 102 and back pain"),
        ("urgent", "pain in my back so severe i can barely breathe, came on suddenly"),
        ("urgent", "trouble controlling my bladder and my back aches"),
        ("urgent", "my legs are getting weaker and my back hurts"),
        ("see_doctor", "i keep getting back spasms over and over"),
        ("see_doctor", "back spasms that wont stop even after resting"),
        ("see_doctor", "my back cramps are getting more frequent"),
        ("out_of_scope", "how to treat a sprained ankle"),
        ("out_of_scope", "what is a good workout for abs"),
        ("out_of_scope", "how is the weather in paris"),
        ("out_of_scope", "what vitamins should kids take"),
        ("out_of_scope", "how do i bake bread"),
        ("out_of_scope", "what is the speed of light"),
    ],
)
def test_more_warnings_and_off_topic(kind: str, message: str) -> None:
    assert ENGINE.answer(message).kind == kind


def test_a_plain_sleep_question_gets_the_back_spasm_sleep_topic_under_its_title() -> None:
    # A back-care bot asked how to sleep better answers with sleep positions for back spasms,
    # and the title says that is what they are; a question the topic's words don't cover
    # ("what vitamins should kids take") still gets an honest no.
    answer = ENGINE.answer("how can i sleep better at night")
    assert answer.entry is not None and answer.entry.id == "sleep"
    assert "back spasms" in (answer.reply.title or "").lower()


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("urgent", "back pain after a skiing accident"),
        ("urgent", "my bum is numb and my lower back aches"),
        ("urgent", "ive lost strength in my legs and my back hurts"),
        ("urgent", "cant control when i pee since my back went out"),
        ("urgent", "since the crash my back has been agony"),
        ("answer", "can slipping and falling cause back pain"),
        ("answer", "what happens if you fall on your back"),
        ("answer", "leg strength exercises for a sore back"),
        ("answer", "i have to pee a lot, is that from dehydration"),
    ],
)
def test_events_escalate_and_questions_about_them_do_not(kind: str, message: str) -> None:
    assert ENGINE.answer(message).kind == kind


def test_screen_then_answer_triages_the_message_once() -> None:
    engine = AnswerEngine(CATALOGUE)
    calls: list[str] = []
    assess = engine.triager.assess
    engine.triager.assess = lambda folded: calls.append(folded) or assess(folded)  # type: ignore[method-assign]
    message = "my back is killing me after the gym, what helps? " * 20
    assert engine.screen(message) is None
    assert engine.answer(message).kind in {"answer", "see_doctor"}
    assert len(calls) == 1
    engine.answer("and now i cant control my bladder")
    assert len(calls) == 2
