"""The data appendix, generated from ``datapackage.json`` so the documentation cannot drift from the data.

Besides the tables it describes, the appendix offers every file for download and one zip of the whole data
package, written at build time into ``_build/`` (ignored by git, so building leaves the checkout clean) with
fixed timestamps, so the same data always give the same bytes. ``python -m distillbook.appendix`` writes it.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pandas as pd

from booktools import buildcache
from distillbook import data, paths

ZIP_NAME = "copying-the-teacher-data.zip"
#: Where the zip is written, relative to the repository root (inside _build/, which git ignores).
ZIP_FOLDER = Path("_build") / "data-package"
#: The earliest time a zip entry can carry; the same for every file, so the archive's bytes depend on the data only.
ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


def readers(names: list[str], root: Path | None = None) -> dict[str, list[str]]:
    """Return {resource name: [chapter notebook stems that read it]}, from the chapters' ``load("...")`` calls."""
    root = root or paths.repository_root()
    found: dict[str, list[str]] = {name: [] for name in names}
    for notebook in buildcache.notebooks(root):
        if notebook.stem.startswith("appendix"):
            continue
        for name in buildcache.data_dependencies(notebook, root):
            found.setdefault(name, []).append(notebook.stem)
    return found


def overview(tables: dict[str, pd.DataFrame], sources: pd.DataFrame, read_by: dict[str, list[str]]) -> pd.DataFrame:
    """One row per resource: file, title, rows, fields, sources cited and how many of them are primary, readers.

    ``tables`` maps resource names to loaded DataFrames (``sources`` included); ``read_by`` comes from
    :func:`readers`.
    """
    kind = sources.set_index("source_id")["kind"]
    rows = []
    for name, table in tables.items():
        descriptor = data.resource(name)
        cited = sorted(set(table["source_id"].dropna())) if "source_id" in table and name != "sources" else []
        rows.append(
            {
                "file": descriptor["path"],
                "title": descriptor.get("title", ""),
                "rows": len(table),
                "fields": len(table.columns),
                "sources cited": len(cited) if name != "sources" else "",
                "of which primary": int((kind.reindex(cited) == "primary").sum()) if name != "sources" else "",
                "read by": ", ".join(read_by.get(name, [])) or "(appendix only)",
            }
        )
    return pd.DataFrame(rows).set_index("file")


def download(path: str, label: str | None = None, depth: int = 1) -> str:
    """Return a MyST ``{download}`` role for ``path`` (relative to the repository root) from a page ``depth``
    folders below the root (chapters/ is 1)."""
    return f"{{download}}`{label or Path(path).name} <{'../' * depth}{path}>`"


def resource_section(name: str, table: pd.DataFrame, sources: pd.DataFrame) -> str:
    """MyST markdown describing one resource: its full description, a download link, its primary key (when it has
    one), and the sources its rows cite (as citations)."""
    descriptor = data.resource(name)
    schema = descriptor.get("schema", {})
    key = schema.get("primaryKey")
    lines = [f"**{descriptor['path']}** ({descriptor.get('title', name)}). {descriptor.get('description', '')}", ""]
    facts = [f"Rows: {len(table)}.", f"Download: {download('data/' + descriptor['path'])}."]
    if key:
        facts.append(
            "Primary key: " + ", ".join(f"`{part}`" for part in ([key] if isinstance(key, str) else key)) + "."
        )
    else:
        facts.append("Rows have no identifying key: each is one observation, cited by its source and location.")
    lines.append(" ".join(facts))
    if "source_id" in table and name != "sources":
        kinds = sources.set_index("source_id")["kind"].reindex(sorted(set(table["source_id"].dropna())))
        counts = kinds.value_counts().reindex(["primary", "secondary", "news"], fill_value=0)
        lines.append(
            "Sources cited: " + ", ".join(f"{count} {kind_name}" for kind_name, count in counts.items() if count) + "."
        )
        # Rendered as MyST (nb_render_markdown_format), so these become citations in the references page.
        lines.append(f"They are {{cite:p}}`{','.join(kinds.index)}`.")
    return "\n".join(lines)


PACKAGE = "datapackage.json"


def write_data_zip(root: Path | None = None) -> Path:
    """Write one zip of the whole data package (``datapackage.json`` and every file it describes, under ``data/``)
    to ``_build/data-package/`` and return its path. It copies the files' bytes and parses none of them. Entries
    are sorted and carry one fixed timestamp and mode, so the zip's bytes change only when the data do."""
    root = root or paths.repository_root()
    folder = root / "data"
    # Every file under data/ (tables, the corpus, the model weights): a test checks each is a described resource.
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() and p.name != PACKAGE)
    names = [PACKAGE, *files]
    target = root / ZIP_FOLDER / ZIP_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w") as archive:
        for name in names:
            info = zipfile.ZipInfo(f"data/{name}", date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (folder / name).read_bytes(), compresslevel=9)
    return target


def file_resources(package: dict) -> str:
    """MyST markdown listing the data package's files that are not tables (a text corpus, model weights).

    One bullet each: a download link, the title and description, the size in bytes, the SHA-256 and the source.
    Their size and hash are checked on every load, like the tables'.
    """
    items = []
    for resource in package["resources"]:
        if "schema" in resource:
            continue
        sources = "; ".join(source.get("title", "") for source in resource.get("sources", []))
        items.append(
            f"- {download('data/' + resource['path'])}: **{resource.get('title', resource['name'])}.** "
            f"{resource.get('description', '')} Size {resource['bytes']:,} bytes; SHA-256 "
            f"`{str(resource['hash']).removeprefix('sha256:')}`" + (f"; source: {sources}." if sources else ".")
        )
    return "\n".join(items)


if __name__ == "__main__":
    written = write_data_zip()
    print(f"appendix: wrote {written.relative_to(paths.repository_root())}", file=sys.stderr)
