"""The free-text evaluation sets: the judge's rules, and the figures the README reports held as
floors, so a change can only keep or improve them."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest

from bot.core.answers import AnswerEngine
from bot.core.catalogue import load_catalogue
from bot.core.chat import ChatService
from bot.core.router import Router
from bot.core.triage_model import default_model
from bot.evaluate import evaluate, judge
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
SETS = {"qa_unknot_dev.jsonl": 223, "qa_unknot_dev2.jsonl": 108, "qa_unknot_holdout.jsonl": 90}


def load(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_expect_all_needs_every_question_answered() -> None:
    case = {"kind": "answer", "expect_all": [["avocado"], ["few days"]]}
    assert judge(case, "Avocado … most are over in a few days")
    assert not judge(case, "Avocado only")


def test_an_emergency_warning_fails_an_ordinary_case() -> None:
    warning = "🛡 Unknot's safety note: <b>Get medical help now</b> … right away"
    assert not judge({"kind": "answer", "expect_any": ["right away"]}, warning)
    assert judge({"kind": "urgent", "expect_any": ["right away"]}, warning)


def test_held_out_questions_are_not_in_the_development_sets() -> None:
    held_out = {c["message"].lower() for c in load("qa_unknot_holdout.jsonl")}
    developed = {c["message"].lower() for name in ("qa_unknot_dev.jsonl", "qa_unknot_dev2.jsonl") for c in load(name)}
    shared = len(held_out & developed)  # counted, never printed: held-out messages are not read
    assert shared == 0, f"{shared} held-out messages also appear in a development set"


@pytest.fixture(scope="module")
def router() -> Router:
    catalogue = load_catalogue(ROOT / "content")
    return Router(ChatService(catalogue), answers=AnswerEngine(catalogue, model=default_model()))


@pytest.mark.parametrize(("name", "floor"), SETS.items())
def test_evaluation_figures_hold(router: Router, name: str, floor: int) -> None:
    outcomes = asyncio.run(evaluate(load(name), router))
    passed = sum(o.passed for o in outcomes)
    assert passed >= floor, f"{name}: {passed} of {len(outcomes)} right, the README reports {floor}"
    safety = Counter(o.case["kind"] for o in outcomes if o.case["kind"] in {"crisis"} and not o.passed)
    assert not safety, "every crisis message gets help"


def test_sets_are_where_the_readme_says() -> None:
    assert {p.name for p in DATA.glob("qa_unknot_*.jsonl")} == set(SETS)
