"""Is a message in another language? Unknot speaks English only, and says so simply.

Two cheap signs, no model in memory:

- **Script.** Mostly Cyrillic, Greek, Arabic, Hebrew, Devanagari, Thai, Hangul, kana or Han
  letters: another language, named by its script.
- **Words, for Latin script.** Short English messages look foreign to any identifier
  ("advil", "bananas"), so a message counts only when at most half of its distinct words of
  four letters or more are the bot's own words *and* its words are the common words of
  another language, at least twice as much as of English: each language's 5,000 most frequent
  words from wordfreq (already a dependency), English's too, shipped in
  ``data/language_words.json.gz``. A word several languages share counts for each in part.

This replaced py3langid, whose model added about 99 MB to the process and 0.4 s to start-up
for this one line. Regenerate the word lists with ``python -m bot.core.language`` after
upgrading wordfreq; a test checks that the shipped lists match it.
"""

from __future__ import annotations

import gzip
import json
import unicodedata
from collections import Counter
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from bot.core.textnorm import fold, words

DATA = Path(__file__).parent / "data" / "language_words.json.gz"
LANGUAGES = ("es", "de", "fr", "it", "pt", "nl", "pl", "tr", "sv", "da", "nb", "fi", "id", "ro", "cs", "hu")
TOP_WORDS = 5_000
MIN_SCORE = 0.75  # about one word that only that language has, or two it shares

ENGLISH_ONLY = "Sorry, I only speak English. Please write to me in English, in short simple words."
# The same line in the person's language, for the languages we have it in.
IN_THEIR_WORDS = {
    "es": "Lo siento, solo hablo inglés. Escríbeme en inglés, por favor.",
    "de": "Entschuldigung, ich spreche nur Englisch. Bitte schreib mir auf Englisch.",
    "fr": "Désolé, je parle seulement anglais. Écris-moi en anglais, s'il te plaît.",
    "it": "Mi dispiace, parlo solo inglese. Scrivimi in inglese, per favore.",
    "pt": "Desculpe, só falo inglês. Escreva para mim em inglês, por favor.",
    "nl": "Sorry, ik spreek alleen Engels. Schrijf me alsjeblieft in het Engels.",
}
_SCRIPTS = (("CYRILLIC", "ru"), ("GREEK", "el"), ("ARABIC", "ar"), ("HEBREW", "he"), ("DEVANAGARI", "hi"),
            ("THAI", "th"), ("HANGUL", "ko"), ("HIRAGANA", "ja"), ("KATAKANA", "ja"), ("CJK", "zh"))


def build() -> dict[str, list[str]]:
    """Each language's common words that are not common English, folded, from wordfreq."""
    import wordfreq

    lists = {lang: sorted({fold(w) for w in wordfreq.top_n_list(lang, TOP_WORDS) if fold(w).isalpha()})
             for lang in ("en", *LANGUAGES)}
    return lists


@lru_cache(maxsize=1)
def _vocabulary() -> tuple[dict[str, frozenset[str]], Counter[str]]:
    lists: dict[str, list[str]] = json.loads(gzip.decompress(DATA.read_bytes()))
    sets = {lang: frozenset(ws) for lang, ws in lists.items()}
    return sets, Counter(w for ws in sets.values() for w in ws)


def _script(text: str) -> str | None:
    """The language a mostly non-Latin message's script names ("und" if none of ours)."""
    letters = [c for c in text if c.isalpha()]
    names = [unicodedata.name(c, "") for c in letters]
    foreign = [n for n in names if not n.startswith("LATIN")]
    if not letters or len(foreign) * 2 < len(letters):
        return None
    counts = Counter(next((code for script, code in _SCRIPTS if n.startswith(script)), "und") for n in foreign)
    if counts["ja"]:  # Japanese mixes kana with Han
        return "ja"
    return counts.most_common(1)[0][0]


def foreign_language(text: str, ours: Callable[[str], bool]) -> str | None:
    """The language code of a message that is clearly not English, else None.

    ``ours`` says whether a folded word is one of the bot's own (its topics, synonyms, question
    words, chat shorthand, or a typo of one): a message where more than half of the telling
    words are ours is English whatever else it holds."""
    sample = text[:500]
    script = _script(sample)
    if script is not None:
        return script
    tokens = {w for w in words(sample) if not w.isdigit()}
    # Short words prove little: "me", "la", "was" are English and Spanish or German alike.
    telling = {w for w in tokens if len(w) >= 4}
    telling = telling if len(telling) >= 2 else tokens
    if not telling or sum(map(ours, telling)) * 2 > len(telling):
        return None
    sets, owners = _vocabulary()
    scores = {lang: sum(1 / owners[w] for w in tokens if w in vocabulary) for lang, vocabulary in sets.items()}
    best = max((lang for lang in scores if lang != "en"), key=lambda lang: scores[lang])
    # Another language's common words, clearly more than English's ("mal", "dos", "me" are both).
    return best if scores[best] >= MIN_SCORE and scores[best] >= 2 * scores["en"] else None


def english_only(language: str) -> str:
    """One simple line saying Unknot speaks English, with the same line in their language if we have it."""
    theirs = IN_THEIR_WORDS.get(language)
    return f"{ENGLISH_ONLY}\n{theirs}" if theirs else ENGLISH_ONLY


if __name__ == "__main__":
    DATA.write_bytes(gzip.compress(json.dumps(build(), ensure_ascii=False, sort_keys=True).encode(), mtime=0))
    print(f"wrote {DATA}")
