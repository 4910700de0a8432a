"""Execute every notebook of the book twice, in fresh kernels, and compare every output byte for byte.

``python tools/determinism.py [notebook ...]`` (``make determinism``). Each notebook runs twice with nbclient, from
its own folder like the book build; the two executed copies are written to ``_build/determinism/`` and compared
output by output: stream text, text/plain, text/html, text/markdown, application/json and the base64 bytes of
every image/png (also glued figures, stored as application/papermill.record/image/png: the figures the book
shows, whose bytes the HTML build writes unchanged into _build/html/_images), plus output metadata. The only normalisation is
the one nbval applies (``tests/nbval_sanitize.cfg``: memory addresses in reprs). Two runs at a time share the
two cores (one BLAS thread each, as the Makefile sets). Exit status 1 lists each difference with notebook,
cell and MIME type.
"""

from __future__ import annotations

import argparse
import configparser
import hashlib
import os
import re
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "_build" / "determinism"
CELL_TIMEOUT = 600


def sanitizers() -> list[tuple[re.Pattern, str]]:
    """Return nbval's (pattern, replacement) pairs from tests/nbval_sanitize.cfg."""
    parser = configparser.ConfigParser()
    parser.read(ROOT / "tests" / "nbval_sanitize.cfg")
    return [(re.compile(parser[s]["regex"]), parser[s]["replace"]) for s in parser.sections()]


def execute(notebook: Path, run: int) -> Path:
    """Execute ``notebook`` in a fresh kernel; write and return ``_build/determinism/<name>.run<run>.ipynb``."""
    content = nbformat.read(notebook, as_version=4)
    for cell in content.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    NotebookClient(
        content,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.parent)}},
    ).execute()
    target = OUT / f"{notebook.stem}.run{run}.ipynb"
    nbformat.write(content, target)
    return target


def fingerprint(output: dict, clean: list[tuple[re.Pattern, str]]) -> list[tuple[str, str]]:
    """Return (what, value) pairs for one output; text sanitised like nbval, binary data kept exact."""

    def text(value: object) -> str:
        value = "".join(value) if isinstance(value, list) else str(value)
        for pattern, replacement in clean:
            value = pattern.sub(replacement, value)
        return value

    parts = [("output_type", output.get("output_type", ""))]
    if "text" in output:
        parts.append((f"stream {output.get('name')}", text(output["text"])))
    for mime, value in sorted(output.get("data", {}).items()):
        if "image/" in mime and not mime.endswith(
            "svg+xml"
        ):  # also glued figures: application/papermill.record/image/png
            parts.append((mime, hashlib.sha256("".join(value).encode()).hexdigest()))
        else:
            parts.append((mime, text(value)))
    if output.get("metadata"):
        parts.append(("metadata", text(repr(sorted(output["metadata"].items())))))
    if output.get("output_type") == "error":
        parts.append(("error", f"{output.get('ename')}: {output.get('evalue')}"))
    return parts


def compare(first: Path, second: Path) -> tuple[dict, list[str]]:
    """Return (counts, differences) between two executed copies of one notebook."""
    clean = sanitizers()
    a, b = (nbformat.read(p, as_version=4) for p in (first, second))
    counts = {"cells": 0, "outputs": 0, "images": 0, "errors": 0}
    differences = []
    name = first.name.split(".run")[0]
    for index, (cell_a, cell_b) in enumerate(zip(a.cells, b.cells, strict=True)):
        if cell_a.cell_type != "code":
            continue
        counts["cells"] += 1
        if len(cell_a.outputs) != len(cell_b.outputs):
            differences.append(f"{name} cell {index}: {len(cell_a.outputs)} outputs, then {len(cell_b.outputs)}")
            continue
        for out_a, out_b in zip(cell_a.outputs, cell_b.outputs, strict=True):
            counts["outputs"] += 1
            counts["images"] += sum("image/" in m for m in out_a.get("data", {}))
            counts["errors"] += out_a.get("output_type") == "error"
            fa, fb = dict(fingerprint(out_a, clean)), dict(fingerprint(out_b, clean))
            for what in sorted(set(fa) | set(fb)):
                if fa.get(what) != fb.get(what):
                    differences.append(f"{name} cell {index}: {what} differs between the two runs")
    return counts, differences


def _job(arguments: tuple[str, int]) -> tuple[str, int, str, float]:
    notebook, run = arguments
    started = time.monotonic()
    try:
        target = execute(Path(notebook), run)
        return notebook, run, str(target), time.monotonic() - started
    except Exception as error:  # reported per notebook below; the other runs go on
        return notebook, run, f"ERROR {type(error).__name__}: {str(error)[-2000:]}", time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--jobs", type=int, default=2)
    arguments = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DISTILLBOOK_ROOT", str(ROOT))
    from booktools.buildcache import notebooks as book_notebooks

    chosen = [p.resolve() for p in arguments.notebooks] or book_notebooks(ROOT)
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    jobs = [(str(p), run) for p in chosen for run in (1, 2)]
    results: dict[tuple[str, int], str] = {}
    with ProcessPoolExecutor(max_workers=arguments.jobs) as pool:
        for notebook, run, result, seconds in pool.map(_job, jobs):
            results[(notebook, run)] = result
            print(f"  ran {Path(notebook).name} (run {run}) in {seconds:.0f} s", flush=True)
    failures, totals = [], {"cells": 0, "outputs": 0, "images": 0, "errors": 0}
    for notebook in chosen:
        first, second = results[(str(notebook), 1)], results[(str(notebook), 2)]
        broken = [r for r in (first, second) if r.startswith("ERROR")]
        if broken:
            failures.append(f"{notebook.name}: did not run: {broken[0]}")
            continue
        counts, differences = compare(Path(first), Path(second))
        failures += differences
        for key in totals:
            totals[key] += counts[key]
        verdict = "identical" if not differences else f"{len(differences)} differences"
        print(f"  {notebook.name}: {counts['outputs']} outputs, {counts['images']} images: {verdict}")
    print(
        f"determinism: {len(chosen)} notebooks run twice, {totals['outputs']} outputs and {totals['images']} "
        f"images compared, {len(failures)} differences; {time.monotonic() - started:.0f} s"
    )
    if failures:
        for failure in failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
