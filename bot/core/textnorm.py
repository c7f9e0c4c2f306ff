"""Text folding, tokens, stems and typo correction shared by retrieval and red-flag rules."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import Stemmer
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

_FOLD = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "‐": "-", "−": "-"})
_WORD = re.compile(r"[a-z0-9]+")
_STEMMER = Stemmer.Stemmer("english")


def fold(text: str) -> str:
    """Lower case, unify quotes and dashes, drop accents and apostrophes ("can't" → "cant")."""
    text = text.translate(_FOLD).lower()
    if not text.isascii():  # accents: decompose and drop the marks (plain ASCII has none)
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return text.replace("'", "")


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(word))


@lru_cache(maxsize=1)
def common_english(size: int = 20_000) -> frozenset[str]:
    """The most frequent English words (wordfreq): real words are never "corrected"."""
    import wordfreq

    common = frozenset(fold(w) for w in wordfreq.top_n_list("en", size))
    # wordfreq keeps every frequency table it read in memory; we need only this list.
    for cached in (wordfreq.top_n_list, wordfreq.get_frequency_list, wordfreq.get_frequency_dict):
        cached.cache_clear()
    return common


class Corrector:
    """Maps a misspelt word to the closest known one with the same first letter (one edit for
    short words, two for long).

    Only words that are neither in the vocabulary nor common English are touched, so "rear"
    stays "rear" while "bakc" becomes "back".
    """

    def __init__(self, vocabulary: Iterable[str], protected: frozenset[str] = frozenset()) -> None:
        self.known = frozenset(w for w in vocabulary if w)
        self.protected = protected
        # Candidates are grouped by first letter: a typo rarely hits the first letter, and a
        # group is a twentieth of the vocabulary, which keeps a 4,096-character message of
        # unknown words to a few milliseconds.
        self.choices: dict[str, list[str]] = {}
        for word in sorted(w for w in self.known if len(w) >= 3):
            self.choices.setdefault(word[0], []).append(word)
        self.cache: dict[str, str] = {}

    def _untouched(self, word: str) -> bool:
        return word in self.known or word in self.protected or len(word) < 3 or word.isdigit()

    def prime(self, words: Iterable[str]) -> None:
        """Correct many words at once (one RapidFuzz ``cdist`` call per first letter), filling
        the cache that ``correct`` reads: a page of unknown words costs one C call, not hundreds."""
        groups: dict[str, list[str]] = {}
        for word in set(words):
            if not self._untouched(word) and word not in self.cache:
                groups.setdefault(word[0], []).append(word)
        for letter, batch in groups.items():
            choices = self.choices.get(letter)
            if not choices:
                for word in batch:
                    self._remember(word, word)
                continue
            distances = process.cdist(batch, choices, scorer=Levenshtein.distance, score_cutoff=2, workers=1)
            for word, row in zip(batch, distances, strict=True):
                limit = 1 if len(word) <= 5 else 2
                best = int(row.argmin())
                fixed = choices[best] if row[best] <= limit and abs(len(choices[best]) - len(word)) <= limit else word
                self._remember(word, fixed)

    def _remember(self, word: str, fixed: str) -> None:
        if len(self.cache) < 50_000:
            self.cache[word] = fixed

    def correct(self, word: str) -> str:
        if self._untouched(word):
            return word
        cached = self.cache.get(word)
        if cached is not None:
            return cached
        limit = 1 if len(word) <= 5 else 2
        best = process.extractOne(word, self.choices.get(word[0], ()), scorer=Levenshtein.distance,
                                  score_cutoff=limit)
        fixed = best[0] if best is not None and abs(len(best[0]) - len(word)) <= limit else word
        self._remember(word, fixed)
        return fixed
