"""The generated appendix covers every resource and reports what the data really hold."""

from __future__ import annotations

from distillbook import appendix, data


def test_overview_counts_rows_and_primary_sources():
    names = data.resource_names()
    tables = {name: data.load(name) for name in names}
    sources = tables["sources"]
    table = appendix.overview(tables, sources, appendix.readers(data.resource_names()))
    assert len(table) == len(names)
    assert table.loc["sources.csv", "rows"] == len(sources)
    hinton = tables["hinton2015"]
    assert table.loc["hinton2015.csv", "rows"] == len(hinton)
    cited = set(hinton["source_id"])
    primary = sources[sources["source_id"].isin(cited) & (sources["kind"] == "primary")]
    assert table.loc["hinton2015.csv", "of which primary"] == len(primary)


def test_readers_find_the_chapters_that_load_a_file():
    read_by = appendix.readers(data.resource_names())
    assert "01_what_is_distillation" in read_by["hinton2015"]


def test_resource_section_mentions_key_and_sources():
    tables = {"sources": data.load("sources"), "hinton2015": data.load("hinton2015")}
    text = appendix.resource_section("hinton2015", tables["hinton2015"], tables["sources"])
    assert "hinton2015.csv" in text and "Primary key" in text and "primary" in text
