"""``python -m bot triage FILE``: score the triage layer on a labelled JSONL set.

Each line: ``message`` and ``label`` (crisis, urgent, see_doctor or none), optionally ``group``
(for ``none``: lookalike or ordinary). Messages go through the real answering path
(``AnswerEngine.answer``), so what is scored is the kind of reply a person would get.

Figures: recall per label (a crisis or urgent message must get that reply; crisis counts for
an urgent message too, since its reply carries the emergency number), and false alarms: the
share of ``none`` and ``see_doctor`` messages that got a crisis or urgent reply.

``--hide-messages`` prints figures only: use it on the held-out set, whose messages must not
be read while tuning. ``--cv K`` scores a set the classifier is trained on by K-fold cross
validation (each message scored by a classifier that never saw it; this trains with
scikit-learn, from the test extras). ``--rules-only`` leaves the classifier out.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from bot.core.answers import AnswerEngine
from bot.core.catalogue import load_catalogue
from bot.core.triage_model import TriageModel, default_model, dev_cases, load_cases

ALARMS = ("crisis", "urgent")


@dataclass
class Scored:
    case: dict[str, Any]
    got: str  # crisis, urgent, see_doctor or none
    seconds: float

    @property
    def passed(self) -> bool:
        label = self.case["label"]
        if label == "crisis":
            return self.got == "crisis"
        if label == "urgent":
            return self.got in ALARMS
        if label == "see_doctor":
            return self.got in ("see_doctor", "urgent")
        return self.got not in ALARMS


def outcome(kind: str) -> str:
    return kind if kind in ("crisis", "urgent", "see_doctor") else "none"


def score(engine: AnswerEngine, cases: list[dict[str, Any]]) -> list[Scored]:
    result = []
    for case in cases:
        started = time.perf_counter()
        answer = engine.answer(case["message"])
        result.append(Scored(case, outcome(answer.kind), time.perf_counter() - started))
    return result


def cross_validated(content_dir: Path, path: Path, cases: list[dict[str, Any]], folds: int) -> list[Scored]:
    """Each message scored by a classifier trained on the other development sets and the other
    folds of this one."""
    catalogue = load_catalogue(content_dir)
    others = dev_cases(exclude=path.resolve())
    order = list(range(len(cases)))
    random.Random(7).shuffle(order)
    scored: list[Scored | None] = [None] * len(cases)
    for k in range(folds):
        held = set(order[k::folds])
        model = TriageModel(others + [c for i, c in enumerate(cases) if i not in held])
        engine = AnswerEngine(catalogue, model=model)
        for i in sorted(held):
            scored[i] = score(engine, [cases[i]])[0]
    return [s for s in scored if s is not None]


def summary(scored: list[Scored]) -> dict[str, tuple[int, int]]:
    """label or group → (passed, total)."""
    figures: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for s in scored:
        label = s.case["label"]
        key = f"none/{s.case.get('group', 'other')}" if label == "none" else label
        for name in (key, "all"):
            figures[name][0] += s.passed
            figures[name][1] += 1
    return {k: (v[0], v[1]) for k, v in figures.items()}


def report(scored: list[Scored], out: TextIO, show_messages: bool) -> bool:
    figures = summary(scored)
    out.write(f"{'label':<18}{'right':>7}{'total':>7}{'share':>9}\n")
    for key in ("crisis", "urgent", "see_doctor", "none/lookalike", "none/ordinary", "none/other", "all"):
        if key in figures:
            right, total = figures[key]
            out.write(f"{key:<18}{right:>7}{total:>7}{right / total:>9.1%}\n")
    calm = [s for s in scored if s.case["label"] in ("none", "see_doctor")]
    lookalikes = [s for s in scored if s.case.get("group") == "lookalike"]
    alarms = sum(s.got in ALARMS for s in calm)
    look_alarms = sum(s.got in ALARMS for s in lookalikes)
    out.write(f"\nfalse alarms: {look_alarms} of {len(lookalikes)} look-alikes "
              f"({look_alarms / max(len(lookalikes), 1):.1%}); {alarms} of {len(calm)} non-emergencies "
              f"({alarms / max(len(calm), 1):.1%})\n")
    confusion = Counter((s.case["label"], s.got) for s in scored)
    out.write("confusion (label -> reply): " + ", ".join(
        f"{a}->{b}: {n}" for (a, b), n in sorted(confusion.items())) + "\n")
    times = sorted(s.seconds * 1000 for s in scored)
    p99 = times[min(len(times) - 1, int(0.99 * len(times)))]
    out.write(f"latency per message: p50 {statistics.median(times):.2f} ms, p99 {p99:.2f} ms, "
              f"max {times[-1]:.2f} ms\n")
    failures = [s for s in scored if not s.passed]
    if failures and show_messages:
        out.write(f"\n{len(failures)} miss(es):\n")
        for s in failures:
            out.write(f"- {s.case['label']}/{s.case.get('group', '')} got {s.got}: {s.case['message'][-300:]!r}\n")
    return not failures


def run(path: Path, content_dir: Path, out: TextIO, show_messages: bool = True, folds: int = 0,
        rules_only: bool = False) -> int:
    cases = load_cases(path)
    started = time.perf_counter()
    if folds:
        scored = cross_validated(content_dir, path, cases, folds)
        how = f"{folds}-fold cross validation"
    else:
        model = None if rules_only else default_model()
        scored = score(AnswerEngine(load_catalogue(content_dir), model=model), cases)
        how = "rules only" if rules_only else "rules and the shipped classifier (trained on the development sets)"
    out.write(f"{len(cases)} messages from {path.name}; {how}; {time.perf_counter() - started:.1f} s\n\n")
    return 0 if report(scored, out, show_messages) else 1
