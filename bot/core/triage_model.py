"""A small trained classifier beside the triage rules.

Logistic regression over character 4-grams (inside word boundaries) and word unigrams and
bigrams, trained with scikit-learn on the labelled development sets
``bot/core/data/triage_dev*.jsonl``. Character n-grams carry misspellings and word forms nobody
wrote a rule for ("suicdal", "unalived", "peeing meself").

The bot does not train at start and does not import scikit-learn: the trained weights are
shipped in ``bot/core/data/triage_weights.json`` and scored with NumPy (``TriageWeights``),
which gives the same probabilities as scikit-learn (a test compares them) for a fraction of
the memory (scikit-learn and SciPy take about 70 MB) and start-up time (about 2 s).
After changing a development set, train and write the weights again with

    python -m bot.core.triage_model

A test fails while the weights do not match the development sets. The held-out sets
(``tests/data/triage_holdout_*.jsonl``) are never read here.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.textnorm import fold
from bot.core.triage import LEVELS

log = logging.getLogger(__name__)

DATA = Path(__file__).parent / "data"
WEIGHTS = DATA / "triage_weights.json"
C = 4.0  # inverse regularisation strength
CHAR_N = 4
WORD_TOKEN = re.compile(r"[a-z0-9]+")
_SPACES = re.compile(r"\s\s+")


def dev_sets() -> list[Path]:
    """The labelled development sets the classifier learns from (``triage_dev*.jsonl``)."""
    return sorted(DATA.glob("triage_dev*.jsonl"))


def load_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dev_cases(exclude: Path | None = None) -> list[dict[str, Any]]:
    return [c for path in dev_sets() if path != exclude for c in load_cases(path)]


def fingerprint() -> str:
    """What the weights were trained on: the development sets' bytes and the settings."""
    digest = hashlib.sha256(f"C={C};char={CHAR_N};word=1-2".encode())
    for path in dev_sets():
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _as_scores(classes: list[str], rows: Iterable[Iterable[float]]) -> list[dict[str, float]]:
    result = []
    for row in rows:
        score = {level: 0.0 for level in LEVELS}
        for label, p in zip(classes, row, strict=True):
            score[label] = float(p)
        result.append(score)
    return result


class TriageModel:
    """Training, with scikit-learn (a test and development dependency, not the bot's)."""

    def __init__(self, cases: Iterable[dict[str, Any]], c: float = C) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        rows = list(cases)
        texts = [fold(r["message"]) for r in rows]
        labels = [r["label"] for r in rows]
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(CHAR_N, CHAR_N), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[a-z0-9]+"),
        )
        self.pipeline = make_pipeline(features, LogisticRegression(C=c, max_iter=2000, class_weight="balanced"))
        self.pipeline.fit(texts, labels)
        self.classes: list[str] = [str(c) for c in self.pipeline.classes_]

    def scores(self, sentences: list[str]) -> list[dict[str, float]]:
        return _as_scores(self.classes, self.pipeline.predict_proba(sentences))

    def export(self) -> dict[str, Any]:
        """The fitted vocabularies, IDF weights and coefficients, for ``TriageWeights``."""
        union, regression = self.pipeline.steps[0][1], self.pipeline.steps[1][1]
        chars, words = (t for _, t in union.transformer_list)
        return {
            "fingerprint": fingerprint(),
            "classes": self.classes,
            "char_vocabulary": {k: int(v) for k, v in chars.vocabulary_.items()},
            "char_idf": chars.idf_.tolist(),
            "word_vocabulary": {k: int(v) for k, v in words.vocabulary_.items()},
            "word_idf": words.idf_.tolist(),
            "coef": regression.coef_.tolist(),
            "intercept": regression.intercept_.tolist(),
        }


class TriageWeights:
    """The shipped classifier, scored with NumPy: TF-IDF (sublinear term frequency, L2
    normalised, per feature family) followed by a multinomial logistic regression."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.fingerprint: str = data["fingerprint"]
        self.classes: list[str] = list(data["classes"])
        self.char_vocabulary: dict[str, int] = data["char_vocabulary"]
        self.word_vocabulary: dict[str, int] = data["word_vocabulary"]
        self.char_idf = np.asarray(data["char_idf"], dtype=np.float64)
        self.word_idf = np.asarray(data["word_idf"], dtype=np.float64)
        coef = np.asarray(data["coef"], dtype=np.float64)
        self.char_coef = coef[:, : len(self.char_idf)]
        self.word_coef = coef[:, len(self.char_idf):]
        self.intercept = np.asarray(data["intercept"], dtype=np.float64)
        # The char n-gram columns of one word never change: words recur across the windows of a
        # long message and across messages, so each word is cut into n-grams once.
        self._word_char_columns = lru_cache(maxsize=65_536)(self._char_columns)

    def _char_columns(self, word: str) -> tuple[int, ...]:
        vocabulary = self.char_vocabulary
        return tuple(vocabulary[g] for g in self.char_grams(word) if g in vocabulary)

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> TriageWeights:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    @staticmethod
    def char_grams(text: str) -> list[str]:
        """Character n-grams inside word boundaries, exactly as scikit-learn's ``char_wb``."""
        grams = []
        for word in _SPACES.sub(" ", text).split():
            padded = f" {word} "
            if len(padded) <= CHAR_N:
                grams.append(padded)
                continue
            grams.extend(padded[i: i + CHAR_N] for i in range(len(padded) - CHAR_N + 1))
        return grams

    @staticmethod
    def word_grams(text: str) -> list[str]:
        tokens = WORD_TOKEN.findall(text)
        return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]

    @staticmethod
    def _part(ids: list[int], idf: np.ndarray, coef: np.ndarray) -> np.ndarray:
        if not ids:
            return np.zeros(coef.shape[0])
        columns, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        values = (1.0 + np.log(counts)) * idf[columns]
        values /= np.sqrt(values @ values)
        result: np.ndarray = coef[:, columns] @ values
        return result

    def scores(self, sentences: list[str]) -> list[dict[str, float]]:
        rows = []
        for text in sentences:
            text = text.lower()
            char_ids = list(itertools.chain.from_iterable(map(self._word_char_columns, text.split())))
            words = self.word_vocabulary
            word_ids = [words[g] for g in self.word_grams(text) if g in words]
            logits = (self.intercept
                      + self._part(char_ids, self.char_idf, self.char_coef)
                      + self._part(word_ids, self.word_idf, self.word_coef))
            logits -= logits.max()
            exp = np.exp(logits)
            rows.append(exp / exp.sum())
        return _as_scores(self.classes, rows)


@lru_cache(maxsize=1)
def default_model() -> TriageWeights:
    """The shipped classifier. Read once per process."""
    weights = TriageWeights.load()
    if weights.fingerprint != fingerprint():
        log.warning("the triage classifier's weights do not match the development sets; "
                    "run: python -m bot.core.triage_model")
    return weights


def main() -> None:
    """Train on every development set and write the weights the bot ships."""
    exported = TriageModel(dev_cases()).export()
    WEIGHTS.write_text(json.dumps(exported, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {WEIGHTS} ({WEIGHTS.stat().st_size:,} bytes) from {len(dev_cases())} messages")


if __name__ == "__main__":
    main()
