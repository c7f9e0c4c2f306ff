"""A small trained classifier beside the triage rules.

Logistic regression (scikit-learn) over character 4-grams ( inside word boundaries)
and word unigrams and bigrams, trained at start on the labelled development set
``bot/core/data/triage_dev*.jsonl``. Character n-grams carry misspellings and word forms nobody
wrote a rule for ("suicdal", "unalived", "peeing meself"). Training takes about 2 s, once per
process. The held-out sets (``tests/data/triage_holdout_*.jsonl``) are never read here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

from bot.core.textnorm import fold
from bot.core.triage import LEVELS

DATA = Path(__file__).parent / "data"
DEV_SET = DATA / "triage_dev.jsonl"


def dev_sets() -> list[Path]:
    """The labelled development sets the classifier learns from (``triage_dev*.jsonl``)."""
    return sorted(DATA.glob("triage_dev*.jsonl"))
NONE = "none"


def load_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class TriageModel:
    def __init__(self, cases: Iterable[dict[str, Any]], c: float = 4.0) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        rows = list(cases)
        texts = [fold(r["message"]) for r in rows]
        labels = [r["label"] for r in rows]
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(4, 4), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[a-z0-9]+"),
        )
        self.pipeline = make_pipeline(features, LogisticRegression(C=c, max_iter=2000, class_weight="balanced"))
        self.pipeline.fit(texts, labels)
        self.classes: list[str] = [str(c) for c in self.pipeline.classes_]

    def scores(self, sentences: list[str]) -> list[dict[str, float]]:
        probabilities = self.pipeline.predict_proba(sentences)
        result = []
        for row in probabilities:
            score = {level: 0.0 for level in LEVELS}
            for label, p in zip(self.classes, row, strict=True):
                score[label] = float(p)
            result.append(score)
        return result


def dev_cases(exclude: Path | None = None) -> list[dict[str, Any]]:
    return [c for path in dev_sets() if path != exclude for c in load_cases(path)]


@lru_cache(maxsize=1)
def default_model() -> TriageModel:
    """The classifier trained on every development set; trained once per process (it is only
    read after training)."""
    return TriageModel(dev_cases())
