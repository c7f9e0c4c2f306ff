"""Check that no content entry repeats a run of N words from the source article.

Usage: python benchmarks/content_overlap.py ARTICLE [--words 10]
Prints every shared run and exits 1 if there is one.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from bot.core.catalogue import default_content_dir, load_catalogue

WORD = re.compile(r"[a-z0-9']+")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("article", type=Path)
    parser.add_argument("--words", type=int, default=10)
    args = parser.parse_args()
    n = args.words
    words = WORD.findall(args.article.read_text(encoding="utf-8").lower())
    grams = {" ".join(words[i : i + n]) for i in range(len(words) - n + 1)}
    catalogue = load_catalogue(default_content_dir())
    shared = 0
    for entry in catalogue.entries.values():
        own = WORD.findall(entry.body.lower())
        for i in range(len(own) - n + 1):
            run = " ".join(own[i : i + n])
            if run in grams:
                shared += 1
                print(f"{entry.id}: {run}")
    print(f"{len(catalogue.entries)} entries checked; {shared} runs of {n} words shared with the article")
    return 1 if shared else 0


if __name__ == "__main__":
    sys.exit(main())
