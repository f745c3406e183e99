"""``python -m benchmarks.offline_premises [--pages N]``: how well the offline engine
keeps the author's premise.

For every premise of benchmarks/offline_premises.toml it writes a book and prints:

- the share of books whose main character (the noun the premise uses) appears in
  page 1's text and in page 1's picture prompt (the goal is 95 % or more);
- the share of books that share a sentence with another book (stock lines), and
  how many different sentences are shared.
"""

from __future__ import annotations

import argparse
import re
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from studio.core.book import StoryPlan
from studio.core.offline.story import compose_plan
from studio.core.prompting import page_prompt

PREMISES = Path(__file__).with_name("offline_premises.toml")


@dataclass(frozen=True)
class Case:
    """One premise and what its book must keep."""

    premise: str
    language: str
    noun: str
    picture: str


def cases() -> list[Case]:
    """The premises of the data file."""
    raw = tomllib.loads(PREMISES.read_text(encoding="utf-8"))["premises"]
    return [
        Case(
            item["premise"],
            item.get("language", "en"),
            item["noun"],
            item.get("picture", item["noun"]),
        )
        for item in raw
    ]


def first_page(plan: StoryPlan) -> tuple[str, str]:
    """Page 1's text and the picture prompt the studio sends for it."""
    page = plan.pages[0]
    present = [c for c in plan.characters if c.name in page.characters]
    return page.text, page_prompt(plan.style, present, page.scene)


def keeps_noun(plan: StoryPlan, case: Case) -> bool:
    """Whether page 1's text and picture prompt both name the main character."""
    text, prompt = first_page(plan)
    return _has(text, case.noun) and _has(prompt, case.picture)


def _has(text: str, noun: str) -> bool:
    return re.search(rf"\b{re.escape(noun.lower())}", text.lower()) is not None


def sentences(plan: StoryPlan) -> set[str]:
    """Every sentence of a book, in lower case."""
    found: set[str] = set()
    for page in plan.pages:
        for sentence in re.split(r"(?<=[.!?'])\s+", page.text):
            if len(sentence.split()) >= 3:
                found.add(sentence.strip().lower())
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8)
    parser.add_argument("--show", action="store_true", help="list the books that lose the noun")
    args = parser.parse_args()
    books = [
        (case, compose_plan(case.premise, args.pages, language=case.language)) for case in cases()
    ]
    kept = [case for case, plan in books if keeps_noun(plan, case)]
    shared = Counter(s for _, plan in books for s in sentences(plan))
    stock = {s for s, n in shared.items() if n > 1}
    with_stock = sum(1 for _, plan in books if sentences(plan) & stock)
    total = len(books)
    print(f"premises: {total} ({args.pages} pages each)")
    print(f"main character in page 1's text and picture prompt: {len(kept) / total:.0%}")
    print(f"books sharing a sentence with another book: {with_stock / total:.0%}")
    print(f"sentences shared by two books or more: {len(stock)}")
    if args.show:
        for case, plan in books:
            if case not in kept:
                print(f"  lost: {case.premise!r}: {first_page(plan)[0]}")


if __name__ == "__main__":
    main()
