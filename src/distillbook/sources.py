"""Sources: their kinds (primary, secondary, news) and the bibliography generated from ``data/sources.csv``.

Every source row becomes one ``@misc`` entry whose key is its ``source_id``; the entry says whether the source
is primary, secondary or news, and when we checked it. Run ``python -m distillbook.sources`` to rewrite the
file; a test fails if the committed file differs from what this module generates.
"""

from __future__ import annotations

import re
import sys

import pandas as pd

from distillbook.errors import BookError

HEADER = (
    "% Generated from data/sources.csv by `python -m distillbook.sources`; do not edit by hand.\n"
    "% Keys are the source_id values that data rows and chapters cite.\n"
)


class SourceError(BookError):
    """A source id that the sources table does not have."""


#: Source kinds, weakest first: a check resting on several sources is only as strong as its weakest.
SOURCE_KIND_ORDER = ("news", "secondary", "primary")
KIND_NOTE = {"primary": "Primary source", "secondary": "Secondary source", "news": "News report"}
ARXIV_ID = re.compile(r"arxiv\.org/abs/(\d\d)(\d\d)\.\d{4,5}")
PERSON = re.compile(r"^[^,;()]+, [A-Z][^;()]*$")


def weakest_kind(source_ids: tuple[str, ...], sources: pd.DataFrame) -> str:
    """Return the weakest ``kind`` (news < secondary < primary) among ``source_ids``; '' for none."""
    if not source_ids:
        return ""
    kinds = sources.set_index("source_id")["kind"]
    missing = [s for s in source_ids if s not in kinds.index]
    if missing:
        raise SourceError(f"sources.csv: source_id(s) not in the table: {missing}")
    return min((str(kinds[s]) for s in source_ids), key=SOURCE_KIND_ORDER.index)


def _escape(text: str) -> str:
    """Escape the characters BibTeX and LaTeX treat specially (braces are kept balanced by escaping them)."""
    for character in ("\\", "{", "}", "&", "%", "$", "#", "_"):
        text = text.replace(character, "\\" + character if character != "\\" else "\\textbackslash ")
    return text


def bibtex_author(author: str) -> str:
    """Return a BibTeX author field: 'Surname, X.; Other, Y.' becomes 'Surname, X. and Other, Y.'.

    Anything else (an organisation, or names with a role in brackets) is wrapped in braces so BibTeX prints it
    as written instead of guessing first and last names.
    """
    people = [part.strip() for part in author.split(";")]
    if all(PERSON.match(person) for person in people):
        return " and ".join(_escape(person) for person in people)
    return "{" + _escape(author) + "}"


def entry(source: pd.Series) -> str:
    """Return the ``@misc`` entry (a string) for one row of the sources table."""
    fields = {
        "title": "{" + _escape(source["title"]) + "}",
        "author": bibtex_author(source["author"]),
    }
    if pd.notna(source["published_date"]):
        published = pd.Timestamp(source["published_date"])
        fields["year"] = str(published.year)
        fields["date"] = published.strftime("%Y-%m-%d")
    elif (arxiv := ARXIV_ID.search(str(source["url"]) if pd.notna(source["url"]) else "")) is not None:
        # An arXiv identifier starts with the year and month of first submission (YYMM), so the year is known.
        fields["year"] = "20" + arxiv.group(1)
    else:
        fields["year"] = "n.d."
    if pd.notna(source["url"]) and source["url"]:
        fields["url"] = source["url"]
    fields["urldate"] = pd.Timestamp(source["accessed_date"]).strftime("%Y-%m-%d")
    note = KIND_NOTE[source["kind"]] + ", checked " + fields["urldate"]
    fields["note"] = _escape(note)
    body = ",\n".join(
        f"  {name} = {{{value}}}" if name != "title" else f"  {name} = {value}" for name, value in fields.items()
    )
    return f"@misc{{{source['source_id']},\n{body}\n}}\n"


def bibtex(sources: pd.DataFrame) -> str:
    """Return the whole bibliography (a string), entries in the order of the sources table."""
    return HEADER + "\n" + "\n".join(entry(row) for _, row in sources.iterrows())


if __name__ == "__main__":
    from distillbook import data, paths

    target = paths.repository_root() / "references.bib"
    target.write_text(bibtex(data.load("sources")), encoding="utf-8")
    print(f"bibliography: wrote {len(data.load('sources'))} entries to references.bib", file=sys.stderr)
