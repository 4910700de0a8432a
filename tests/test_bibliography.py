"""references.bib is generated from sources.csv (distillbook.sources) and must not drift from it; every cited key exists;
no two sources share an address."""

from __future__ import annotations

import re

import pandas as pd

from distillbook import data
from distillbook import sources as bibliography
from distillbook.paths import repository_root

ROOT = repository_root()


def test_committed_bibliography_matches_the_sources():
    expected = bibliography.bibtex(data.load("sources"))
    committed = (ROOT / "references.bib").read_text(encoding="utf-8")
    assert committed == expected, "references.bib is stale: run `make bib` and commit it"


def test_author_field():
    assert bibliography.bibtex_author("Hinton, G.; Vinyals, O.; Dean, J.") == "Hinton, G. and Vinyals, O. and Dean, J."
    assert bibliography.bibtex_author("U.S. Congress (GPO)") == "{U.S. Congress (GPO)}"
    assert bibliography.bibtex_author("Akin Gump Strauss Hauer & Feld") == "{Akin Gump Strauss Hauer \\& Feld}"


def test_entry_without_date_or_url():
    row = pd.Series(
        {
            "source_id": "x",
            "title": "A 100% title",
            "author": "Someone",
            "published_date": pd.NaT,
            "url": pd.NA,
            "kind": "news",
            "accessed_date": pd.Timestamp("2026-11-29"),
        }
    )
    text = bibliography.entry(row)
    assert "year = {n.d.}" in text and "url = " not in text and "A 100\\% title" in text
    row["url"] = "https://arxiv.org/abs/2412.19437"
    assert "year = {2024}" in bibliography.entry(row)


def test_every_cited_key_exists():
    keys = set(data.load("sources")["source_id"])
    cited = set()
    for path in [*(ROOT / "chapters").glob("*.ipynb"), *ROOT.glob("intro.*")]:
        for match in re.finditer(r"\{cite(?::[a-z]+)?\}`([^`]+)`", path.read_text(encoding="utf-8")):
            cited.update(key.strip() for key in match.group(1).split(","))
    assert cited <= keys, f"cited but not in data/sources.csv: {sorted(cited - keys)}"


def test_every_source_the_chapters_data_use_is_cited_in_the_book():
    """A source behind any row a chapter reads is cited somewhere: in a chapter's text or the data appendix."""
    from booktools import buildcache

    cited = set()
    for path in [*(ROOT / "chapters").glob("*.ipynb"), *ROOT.glob("intro.*")]:
        for match in re.finditer(r"\{cite(?::[a-z]+)?\}`([^`]+)`", path.read_text(encoding="utf-8")):
            cited.update(key.strip() for key in match.group(1).split(","))
    used = set()
    tables = set(data.table_names())  # files that are not tables (corpus, weights) name no source rows
    for notebook in buildcache.notebooks(ROOT):
        for name in buildcache.data_dependencies(notebook, ROOT):
            if name not in tables:
                continue
            table = data.load(name)
            if name != "sources" and "source_id" in table:
                used |= set(table["source_id"].dropna())
    assert used <= cited, f"sources behind the book's data but never cited: {sorted(used - cited)}"


def test_no_two_sources_share_an_address():
    """One source, one id: a page listed twice under two ids splits its citations (six such pairs were merged)."""
    sources = data.load("sources")
    urls = sources["url"].dropna()
    urls = urls[urls != ""].str.rstrip("/")
    shared = sources.loc[urls[urls.duplicated(keep=False)].index].groupby("url")["source_id"].apply(list)
    assert shared.empty, f"sources sharing an address: {shared.to_dict()}"


def test_the_article_has_its_address():
    article = data.load("sources").set_index("source_id").loc["source-article"]
    assert article["url"] == "https://udit.co/blog/openai-accuses-deepseek-model-distillation-congress"
