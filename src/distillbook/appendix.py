"""The data appendix, generated from ``datapackage.json`` so the documentation cannot drift from the data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from booktools import buildcache
from distillbook import data, paths


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


def resource_section(name: str, table: pd.DataFrame, sources: pd.DataFrame) -> str:
    """MyST markdown describing one resource: description, primary key, and the sources its rows cite (as citations)."""
    descriptor = data.resource(name)
    schema = descriptor.get("schema", {})
    key = schema.get("primaryKey")
    key_text = ", ".join([key] if isinstance(key, str) else key) if key else "none"
    lines = [f"**{descriptor['path']}** ({descriptor.get('title', name)}). {descriptor.get('description', '')}", ""]
    lines.append(f"Rows: {len(table)}. Primary key: `{key_text}`.")
    if "source_id" in table and name != "sources":
        kinds = sources.set_index("source_id")["kind"].reindex(sorted(set(table["source_id"].dropna())))
        counts = kinds.value_counts().reindex(["primary", "secondary", "news"], fill_value=0)
        lines.append(
            "Sources cited: " + ", ".join(f"{count} {kind_name}" for kind_name, count in counts.items() if count) + "."
        )
        # Rendered as MyST (nb_render_markdown_format), so these become citations in the references page.
        lines.append(f"They are {{cite:p}}`{','.join(kinds.index)}`.")
    return "\n".join(lines)
