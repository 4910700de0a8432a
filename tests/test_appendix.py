"""The generated appendix covers every resource, reports what the data really hold, links every file for
download and packs the whole data package into one zip whose bytes depend on the data only."""

from __future__ import annotations

import zipfile

from distillbook import appendix, data, paths


def test_overview_counts_rows_and_primary_sources():
    names = data.table_names()
    tables = {name: data.load(name) for name in names}
    sources = tables["sources"]
    table = appendix.overview(tables, sources, appendix.readers(data.table_names()))
    assert len(table) == len(names)
    assert table.loc["sources.csv", "rows"] == len(sources)
    hinton = tables["hinton2015"]
    assert table.loc["hinton2015.csv", "rows"] == len(hinton)
    cited = set(hinton["source_id"])
    primary = sources[sources["source_id"].isin(cited) & (sources["kind"] == "primary")]
    assert table.loc["hinton2015.csv", "of which primary"] == len(primary)


def test_readers_find_the_chapters_that_load_a_file():
    read_by = appendix.readers(data.table_names())
    assert "01_what_is_distillation" in read_by["hinton2015"]


def test_resource_section_gives_full_description_key_download_and_sources():
    sources = data.load("sources")
    for name in data.table_names():
        text = appendix.resource_section(name, data.load(name), sources)
        descriptor = data.resource(name)
        assert descriptor["description"] in text, f"{name}: description not shown in full"
        assert f"{{download}}`{descriptor['path']} <../data/{descriptor['path']}>`" in text
        assert "none" not in text.split("Primary key:")[-1][:10], f"{name}: 'Primary key: none'"
        if descriptor["schema"].get("primaryKey"):
            assert "Primary key: `" in text
    assert "primary" in appendix.resource_section("hinton2015", data.load("hinton2015"), sources)


def test_data_zip_holds_every_file_and_is_deterministic(tmp_path):
    first = appendix.write_data_zip().read_bytes()
    second = appendix.write_data_zip().read_bytes()
    assert first == second
    path = tmp_path / "copy.zip"
    path.write_bytes(first)
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        expected = ["data/datapackage.json", *sorted(f"data/{r['path']}" for r in data.read_package()["resources"])]
        assert names == expected
        assert {info.date_time for info in archive.infolist()} == {appendix.ZIP_TIMESTAMP}
        folder = paths.repository_root() / "data"
        assert archive.read("data/sources.csv") == (folder / "sources.csv").read_bytes()


def test_the_zip_lands_where_git_does_not_look():
    ignored = (paths.repository_root() / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert appendix.ZIP_FOLDER.parts[0] + "/" in ignored


def test_files_that_are_not_tables_are_listed_with_size_hash_and_a_download_link():
    text = appendix.file_resources(data.read_package())
    lines = text.splitlines()
    assert len(lines) == len(data.resource_names()) - len(data.table_names()) >= 2
    corpus = next(line for line in lines if "tinyshakespeare.txt" in line)
    assert corpus.startswith("- {download}`tinyshakespeare.txt <../data/tinyshakespeare.txt>`")
    assert "1,115,394 bytes" in corpus and "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed" in corpus
