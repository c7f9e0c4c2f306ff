"""Answering latency: triage plus retrieval, per message, up to Telegram's 4,096 characters.

Usage: python benchmarks/answer_latency.py [--repeat 3] [--seed 1]

Message shapes (each timed through ``AnswerEngine.answer``, the path every adapter uses):
- short: the labelled triage sets' messages as they are (short questions, stories, crises);
- story-4096: ordinary back-pain chat repeated to 4,096 characters, with no red flag, so every
  rule, the classifier and retrieval all run to the end;
- flag-at-end-4096: the same story with an emergency sign in its last sentence;
- typos-4096: 4,096 characters of misspelt and made-up words (every word goes through typo
  correction);
- one-word-4096: a single 4,096-character word.
Prints p50, p99 and max per shape and overall; the target is p99 < 10 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.core.answers import AnswerEngine
from bot.core.catalogue import default_content_dir, load_catalogue
from bot.core.triage_model import default_model, dev_sets, load_cases

LIMIT = 4096
STORY = ("so my lower back has been sore since the weekend, i think i slept funny on the sofa watching films "
         "and then i carried the shopping up three flights of stairs. i have tried a hot water bottle and some "
         "stretches from a video, the cat one helps a bit. work is busy and i sit at a laptop all day, my chair "
         "is not great. what else can i do at home, and is heat better than ice for this? ")


def shapes(rng: random.Random) -> dict[str, list[str]]:
    cases = [c["message"] for path in dev_sets() for c in load_cases(path)]
    story = (STORY * (LIMIT // len(STORY) + 1))[:LIMIT]
    flag = " and since this morning i cant control my bladder."
    typos = []
    for _ in range(20):
        text = ""
        while len(text) < LIMIT:
            text += "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(3, 11))) + " "
        typos.append(text[:LIMIT])
    return {
        "short": cases,
        "story-4096": [story[i:] + story[:i] for i in range(0, 400, 20)],
        "flag-at-end-4096": [(story[i:] + story[:i])[: LIMIT - len(flag)] + flag for i in range(0, 400, 20)],
        "typos-4096": typos,
        "one-word-4096": ["".join(rng.choice(string.ascii_lowercase) for _ in range(LIMIT)) for _ in range(5)],
    }


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.perf_counter()
    engine = AnswerEngine(load_catalogue(default_content_dir()), model=default_model())
    print(f"engine with classifier ready in {(time.perf_counter() - started) * 1000:.0f} ms")
    everything: list[float] = []
    print(f"{'shape':<18}{'messages':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, messages in shapes(random.Random(args.seed)).items():
        times = []
        for _ in range(args.repeat):
            for message in messages:
                t0 = time.perf_counter()
                engine.answer(message)
                times.append((time.perf_counter() - t0) * 1000)
        everything += times
        print(f"{name:<18}{len(messages):>9}{statistics.median(times):>9.2f}{percentile(times, 0.99):>9.2f}"
              f"{max(times):>9.2f}")
    p99 = percentile(everything, 0.99)
    print(f"{'all':<18}{len(everything):>9}{statistics.median(everything):>9.2f}{p99:>9.2f}{max(everything):>9.2f}")
    print(f"target p99 < 10 ms: {'met' if p99 < 10 else 'NOT met'}")
    return 0 if p99 < 10 else 1


if __name__ == "__main__":
    sys.exit(main())
