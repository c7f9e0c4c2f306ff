"""``python -m bot eval FILE``: run the real answering path over a JSONL evaluation set.

Each line: ``message``, ``kind`` (answer, urgent, crisis, see_doctor, out_of_scope),
``expect_any`` (the reply passes if it contains one of these), optionally ``expect_all`` (a list
of such lists, one per question of a message that asks several: each must be met) and
``avoid`` (it fails if it contains one), compared case-insensitively after folding dashes and
quotes and stripping HTML tags. A reply to an answer, see_doctor or out_of_scope case that
carries the emergency warning is a false alarm and fails.

``--hide-messages`` prints figures only: use it on a held-out set, whose messages must not be
read while tuning.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.telegram import render_html
from bot.core.answers import AnswerEngine
from bot.core.catalogue import load_catalogue
from bot.core.chat import ChatService
from bot.core.router import Caller, Router
from bot.core.triage_model import default_model

_TAG = re.compile(r"<[^>]+>")
_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "−": "-"})
CALLER = Caller("eval", "eval", "eval", private=True)


def normalise(text: str) -> str:
    return html.unescape(_TAG.sub("", text)).translate(_FOLD).lower()


@dataclass
class Outcome:
    case: dict[str, Any]
    reply: str
    passed: bool
    seconds: float


ALARM_TITLE = "get medical help now"  # the title of content/safety.yaml's urgent reply
NOT_ALARMING = {"answer", "see_doctor", "out_of_scope"}


def judge(case: dict[str, Any], reply: str) -> bool:
    text = normalise(reply)
    expect = [normalise(e) for e in case.get("expect_any", [])]
    groups = [[normalise(e) for e in group] for group in case.get("expect_all", [])]
    avoid = [normalise(a) for a in case.get("avoid", [])]
    if case.get("kind") in NOT_ALARMING and ALARM_TITLE in text:
        return False
    if groups:
        met = all(any(e in text for e in group) for group in groups)
    else:
        met = not expect or any(e in text for e in expect)
    return met and not any(a in text for a in avoid)


async def evaluate(cases: list[dict[str, Any]], router: Router) -> list[Outcome]:
    outcomes = []
    for case in cases:
        started = time.perf_counter()
        reply = await router.text(CALLER, case["message"])
        elapsed = time.perf_counter() - started
        rendered = render_html(reply) if reply is not None else ""
        outcomes.append(Outcome(case, rendered, judge(case, rendered), elapsed))
    return outcomes


def report(outcomes: list[Outcome], out: TextIO, show_messages: bool = True) -> bool:
    by_kind: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_kind[outcome.case.get("kind", "?")].append(outcome)
    out.write(f"{'kind':<14}{'passed':>8}{'total':>7}{'accuracy':>10}\n")
    for kind in sorted(by_kind):
        group = by_kind[kind]
        passed = sum(o.passed for o in group)
        out.write(f"{kind:<14}{passed:>8}{len(group):>7}{passed / len(group):>10.1%}\n")
    total = sum(o.passed for o in outcomes)
    out.write(f"{'all':<14}{total:>8}{len(outcomes):>7}{total / max(len(outcomes), 1):>10.1%}\n\n")
    times = sorted(o.seconds * 1000 for o in outcomes)
    if times:
        p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
        out.write(f"latency per question: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, "
                  f"max {times[-1]:.2f} ms\n")
    failures = [o for o in outcomes if not o.passed]
    alarms = [o for o in outcomes if o.case.get("kind") in NOT_ALARMING and ALARM_TITLE in normalise(o.reply)]
    ordinary = sum(o.case.get("kind") in NOT_ALARMING for o in outcomes)
    out.write(f"false alarms: {len(alarms)} of {ordinary} ordinary messages\n")
    if failures and not show_messages:
        out.write(f"\n{len(failures)} failure(s); messages hidden (held-out set)\n")
    elif failures:
        out.write(f"\n{len(failures)} failure(s):\n")
        for o in failures:
            shown = normalise(o.reply).replace("\n", " ")[:160]
            out.write(f"- [{o.case.get('id', '?')}] {o.case.get('kind')}: {o.case['message']!r}\n"
                      f"  expected any of {o.case.get('expect_any')} avoiding {o.case.get('avoid')}\n"
                      f"  got: {shown}\n")
    return not failures


def run(path: Path, content_dir: Path, out: TextIO, show_messages: bool = True) -> int:
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    catalogue = load_catalogue(content_dir)
    router = Router(ChatService(catalogue), answers=AnswerEngine(catalogue, model=default_model()))
    out.write(f"{len(cases)} cases from {path}; answer engine ready in "
              f"{(time.perf_counter() - started) * 1000:.0f} ms\n\n")
    outcomes = asyncio.run(evaluate(cases, router))
    return 0 if report(outcomes, out, show_messages) else 1
