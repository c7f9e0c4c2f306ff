"""Check that no content entry repeats a run of N words from the source article.

Usage: python benchmarks/content_overlap.py ARTICLE [--words 8]

Every entry's title and body is compared with the article. A reported run is N
consecutive words that the entry shares with the article, none of which is exempt.
Exempt words break a run, because they have to stay exactly as the article gives them:
numbers, drug names, and the words of the proper names the article cites.
Prints every shared run and exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bot.core.catalogue import default_content_dir, load_catalogue

WORD = re.compile(r"[a-z0-9']+")
NUMBER = re.compile(r"^[0-9][0-9']*$")
DRUGS = frozenset({
    "ibuprofen", "naproxen", "cyclobenzaprine", "flexeril", "metaxalone", "skelaxin",
    "tizanidine", "zanaflex", "nsaids", "botox", "cortisone",
})
PROPER_NAMES = (
    "Occupational Medicine",
    "BioMed Research International",
    "Journal of the Advanced Practitioner in Oncology",
    "United States National Institute on Aging",
    "Joanna Lewis",
    "Pharm.D.",
    "The Pharmacist's Guide",
)


def tokens(text: str) -> list[str]:
    return WORD.findall(text.replace("\u2019", "'").replace("\u2018", "'").lower())


NAME_TOKENS = tuple(tokens(name) for name in PROPER_NAMES)


def exempt_positions(words: list[str]) -> set[int]:
    """Positions of numbers, drug names and every word of a proper name that occurs in ``words``."""
    exempt = {i for i, w in enumerate(words) if NUMBER.match(w) or w in DRUGS}
    for name in NAME_TOKENS:
        size = len(name)
        for i in range(len(words) - size + 1):
            if words[i : i + size] == name:
                exempt.update(range(i, i + size))
    return exempt


def shared_runs(text: str, grams: set[str], n: int) -> list[str]:
    words = tokens(text)
    exempt = exempt_positions(words)
    runs = []
    for i in range(len(words) - n + 1):
        if exempt.intersection(range(i, i + n)):
            continue
        run = " ".join(words[i : i + n])
        if run in grams:
            runs.append(run)
    return runs


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("article", type=Path)
    parser.add_argument("--words", type=int, default=8)
    args = parser.parse_args()
    n = args.words
    words = tokens(args.article.read_text(encoding="utf-8"))
    grams = {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}
    catalogue = load_catalogue(default_content_dir())
    shared = 0
    for entry in catalogue.entries.values():
        for part, text in (("title", entry.title), ("body", entry.body)):
            for run in shared_runs(text, grams, n):
                shared += 1
                print(f"{entry.id} ({part}): {run}")
    print(f"{len(catalogue.entries)} entries checked (title and body); "
          f"{shared} runs of {n} words shared with the article (numbers, drug names and proper names exempt)")
    return 1 if shared else 0


if __name__ == "__main__":
    sys.exit(main())
