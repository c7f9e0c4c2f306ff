"""Is a message in another language? Unknot speaks English only, and says so simply.

Identification is ``py3langid`` (langid.py's model, offline, about 0.05 ms a message),
restricted to the languages people most often write in. Short English messages fool any
identifier ("advil" reads as Swedish), so a Latin-script message counts as foreign only when
the identifier is fairly sure *and* at most half of its words of four letters or more are
English (words the bot knows count as English). The answer engine asks before matching, since
typo correction would otherwise bend foreign words into English ones ("soll" into "roll").
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from bot.core.textnorm import words

LANGUAGES = ("en", "es", "de", "fr", "it", "pt", "nl", "pl", "tr", "ru", "uk", "ja", "zh", "ko", "ar", "hi",
             "sv", "da", "no", "fi", "cs", "ro", "hu", "el", "he", "vi", "id")
MIN_CONFIDENCE = 0.4

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


@lru_cache(maxsize=1)
def _identifier() -> Any:
    from py3langid.langid import _load_identifier

    identifier = _load_identifier(norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def _non_latin_share(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    foreign = sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))
    return foreign / len(letters)


def foreign_language(text: str, english: frozenset[str]) -> str | None:
    """The language code of a message that is clearly not English, else None.

    ``english`` is the set of words that count as English (common English plus the bot's own
    vocabulary, folded)."""
    sample = text[:500]
    if not any(c.isalpha() for c in sample):
        return None
    non_latin = _non_latin_share(sample) >= 0.5
    if not non_latin:
        tokens = {w for w in words(sample) if not w.isdigit()}
        # Short words prove little: "me", "la", "was" are English and Spanish or German alike.
        telling = {w for w in tokens if len(w) >= 4} or tokens
        if not telling or sum(w in english for w in telling) * 2 > len(telling):
            return None
    language, confidence = _identifier().classify(sample)
    if language == "en":
        return "und" if non_latin else None
    if non_latin or confidence >= MIN_CONFIDENCE:
        return str(language)
    return None


def english_only(language: str) -> str:
    """One simple line saying Unknot speaks English, with the same line in their language if we have it."""
    theirs = IN_THEIR_WORDS.get(language)
    return f"{ENGLISH_ONLY}\n{theirs}" if theirs else ENGLISH_ONLY
