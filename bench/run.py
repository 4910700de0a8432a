"""Benchmark the book and fail on any missed target (`make bench`): a fresh clone, notebooks, builds and tests.

Everything runs in a temporary clone of the committed repository (uncommitted changes are not measured), so the
working tree and its _build are never touched:

1. Fresh clone: ``make test && make book`` in the new clone, its environment created from nothing (uv itself is
   installed once per machine; its package cache is whatever this machine has).
2. Tests without notebooks (``pytest tests``, serial): the unit tests alone (not marked ``integration``, the
   tests that build small books or run kernels and subprocesses), then every test, then ``make test`` with a
   warm environment.
3. Each notebook executed alone in a fresh kernel: kernel time (the sum of its cells' times) and wall time with
   the kernel's start, against its budget.
4. Builds: cold ``make book`` (no _build at all), a no-change rebuild, Sphinx render time (every notebook already
   cached, no HTML), and what a one-notebook and a one-data-file change re-execute.

Each target is measured next to the measurements its limit is computed from (make test, then the notebooks, then
the cold build), and a fixed workload is timed between the steps (:func:`probe_seconds`) to show how much the
machine's speed drifted.

Each warm measurement is repeated ``--runs`` times (median, with min to max). Results go to bench/results.json
and bench/results.md with the machine and its load described; the exit status is 1 if any target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

FRESH_CLONE_LIMIT_SECONDS = 100.0
NO_CHANGE_LIMIT_SECONDS = 5.0
SLACK = 1.15
EXECUTED = re.compile(r"(\S+\.ipynb): Executing notebook")
PRE_EXECUTED = re.compile(r"buildcache: executed (\S+\.ipynb)")
ENVIRONMENT_READY = re.compile(r"environment: \S+ ready in ([\d.]+) s")

KERNEL_SCRIPT = """
import resource, sys
from datetime import datetime
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=600, record_timing=True, resources={"metadata": {"path": sys.argv[2]}}).execute()
parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
total = 0.0
for cell in nb.cells:
    timing = cell.get("metadata", {}).get("execution", {})
    if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
        total += (parse(timing["shell.execute_reply"]) - parse(timing["iopub.execute_input"])).total_seconds()
print(f"KERNEL_SECONDS {total:.3f}")
print(f"KERNEL_PEAK_KIB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}")
"""


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)


def clean_environment() -> dict[str, str]:
    """This process's environment without what would leak into the clone's make (a parent make's variables)."""
    drop = {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES", "DISTILLBOOK_ROOT", "VIRTUAL_ENV", "PYTHONPATH"}
    # What the Makefile sets for its own targets, so that the baselines (serial tests, single notebooks) run as
    # make test and make book do, also when this script runs outside `make bench`.
    drop |= {"PYTHONDONTWRITEBYTECODE", "DISTILLBOOK_MEMO"}
    environment = {k: v for k, v in os.environ.items() if k not in drop}
    threads = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    return {**environment, **threads, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def timed(command: list[str], cwd: Path, environment: dict[str, str]) -> tuple[float, str]:
    """Run ``command``; return (wall seconds, combined output). Raise, with the output's tail, if it fails."""
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}) in {cwd}:\n{output[-4000:]}")
    return seconds, output


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def buildcache_module(book: Path):
    """The clone's build-cache module (booktools.buildcache, or distillbook.buildcache before the move)."""
    sys.path.insert(0, str(book / "src"))
    try:
        from booktools import buildcache
    except ImportError:
        from distillbook import buildcache
    return buildcache


def executed_notebooks(output: str) -> list[str]:
    """Names of the notebooks a build executed (by the parallel pre-execution step or by MyST-NB itself)."""
    found = {Path(m).stem for m in EXECUTED.findall(output)} | {Path(m).stem for m in PRE_EXECUTED.findall(output)}
    return sorted(found)


def fresh_clone(workdir: Path, make: list[str], environment: dict[str, str]) -> tuple[Path, dict]:
    """Clone, then ``make test`` and ``make book`` with no environment yet; return the clone and the times."""
    book = workdir / "book"
    started = time.perf_counter()
    subprocess.run(["git", "clone", "-q", str(ROOT), str(book)], check=True)
    clone_seconds = time.perf_counter() - started
    say("fresh clone: make test (creates the environment first)")
    test_seconds, output = timed([*make, "test"], book, environment)
    ready = ENVIRONMENT_READY.search(output)
    say(f"fresh clone: make test took {test_seconds:.1f} s; make book")
    book_seconds, _ = timed([*make, "book"], book, environment)
    total = clone_seconds + test_seconds + book_seconds
    say(f"fresh clone: make book took {book_seconds:.1f} s; clone to book {total:.1f} s")
    return book, {
        "clone_seconds": clone_seconds,
        "environment_seconds": float(ready.group(1)) if ready else None,
        "make_test_seconds": test_seconds,
        "make_book_seconds": book_seconds,
        "total_seconds": total,
    }


def forget_shared_results(book: Path) -> None:
    """Empty the clone's store of results chapters share (distillbook.memo, _build/.memo).

    Before each pass of single-notebook timings; make test and make book empty it themselves. Each measurement
    then trains chapters 1 and 2's shared teacher once, and they stay comparable.
    """
    shutil.rmtree(book / "_build" / ".memo", ignore_errors=True)


def budget_for(book: Path, notebook: Path) -> int:
    """The notebook's budget, as the measured clone's build cache states it (booktools.buildcache.BUDGET_SECONDS)."""
    return buildcache_module(book).budget_seconds(notebook)


def notebook_times(book: Path, environment: dict[str, str], runs: int) -> dict[str, dict]:
    """Execute each notebook ``runs`` times alone in a fresh kernel, in the book's order, one pass per run.

    Each pass starts from an empty store of shared results (distillbook.memo), as make test and make book do, so
    the pass trains chapters 1 and 2's teacher once: chapter 1, first in the book, trains it and chapter 2 loads
    it (in make test and the build chapter 2 starts first and trains it; the build log gives its time).
    """
    results = {}
    python = str(book / ".venv" / "bin" / "python")
    order = buildcache_module(book).notebooks(book)
    kernel, wall, memory = ({n.stem: [] for n in order} for _ in range(3))
    for _ in range(runs):  # one pass over the book per run, each from an empty store of shared results
        forget_shared_results(book)
        for notebook in order:
            seconds, output = timed(
                [python, "-c", KERNEL_SCRIPT, str(notebook), str(notebook.parent)], book, environment
            )
            kernel[notebook.stem].append(float(re.search(r"KERNEL_SECONDS (\S+)", output).group(1)))
            wall[notebook.stem].append(seconds)
            memory[notebook.stem].append(int(re.search(r"KERNEL_PEAK_KIB (\d+)", output).group(1)) / 1024)
            say(f"{notebook.stem}: kernel {kernel[notebook.stem][-1]:.1f} s, wall {seconds:.1f} s")
    for notebook in order:
        results[notebook.stem] = {
            "kernel_seconds": summary(kernel[notebook.stem]),
            "wall_seconds_with_kernel_start": summary(wall[notebook.stem]),
            "peak_memory_mib": max(memory[notebook.stem]),
            "budget_seconds": budget_for(book, notebook),
        }
    return results


def _remove_build_keeping_cache(book: Path) -> None:
    """Delete _build but the execution cache and its stamps: what is left to time is Sphinx's own rendering."""
    build = book / "_build"
    for entry in build.iterdir() if build.is_dir() else []:
        if entry.name in {".jupyter_cache", ".notebook-stamps.json"}:
            continue
        shutil.rmtree(entry) if entry.is_dir() else entry.unlink()


def build_measurements(book: Path, make: list[str], environment: dict[str, str], runs: int) -> dict:
    """Render time, cold build, no-change rebuild, one-notebook change and one-data-file change."""
    import nbformat

    buildcache = buildcache_module(book)
    render, cold, no_change, code_change, data_change = [], [], [], [], []
    code_executed, data_executed, render_executed = [], [], []
    data_file = book / "data" / "api_prices.csv"
    original_data = data_file.read_text()
    package_file = book / "data" / "datapackage.json"
    original_package = package_file.read_text()
    chapters = [p for p in buildcache.notebooks(book) if p.parent.name == "chapters" and p.stem[:2].isdigit()]
    notebook = min(chapters, key=lambda p: p.stat().st_size)  # the lightest chapter
    original_notebook = notebook.read_text()
    for run in range(runs):
        shutil.rmtree(book / "_build", ignore_errors=True)
        seconds, _ = timed([*make, "book"], book, environment)
        cold.append(seconds)
        say(f"cold make book {seconds:.1f} s")
        seconds, _ = timed([*make, "book"], book, environment)
        no_change.append(seconds)
        say(f"no-change rebuild {seconds:.1f} s")
        _remove_build_keeping_cache(book)
        seconds, output = timed([*make, "book"], book, environment)
        render_executed.append(executed_notebooks(output))
        render.append(seconds)
        say(f"render only (every notebook cached) {seconds:.1f} s")
        changed = nbformat.reads(original_notebook, as_version=4)
        changed.cells.append(nbformat.v4.new_code_cell(f"benchmark_marker = {run + 1}"))
        nbformat.write(changed, notebook)
        seconds, output = timed([*make, "book"], book, environment)
        code_change.append(seconds)
        code_executed.append(executed_notebooks(output))
        notebook.write_text(original_notebook)
        # One data file changes: a note (text only) edited, so the numbers stay valid; recorded with
        # `make data-hash` as an intended edit must be (not timed), or the build refuses the file.
        data_file.write_text(original_data.replace("Output price covers", f"Output price (run {run}) covers", 1))
        timed([*make, "data-hash"], book, environment)
        seconds, output = timed([*make, "book"], book, environment)
        data_change.append(seconds)
        data_executed.append(executed_notebooks(output))
        data_file.write_text(original_data)
        package_file.write_text(original_package)
        timed([*make, "book"], book, environment)  # back to the committed state
    readers = sorted(
        p.stem for p in buildcache.notebooks(book) if "api_prices" in buildcache.data_dependencies(p, book)
    )
    return {
        "render_only_seconds": summary(render),
        "render_only_executed": render_executed,
        "cold_book_seconds": summary(cold),
        "no_change_rebuild_seconds": summary(no_change),
        "one_notebook_change_seconds": summary(code_change),
        "one_notebook_changed": notebook.stem,
        "one_notebook_change_executed": code_executed,
        "one_data_file_change_seconds": summary(data_change),
        "one_data_file_change_executed": data_executed,
        "data_file_changed": "data/api_prices.csv",
        "notebooks_reading_it": readers,
    }


def test_measurements(book: Path, make: list[str], environment: dict[str, str], runs: int) -> dict:
    """The tests alone (serial, no notebooks: the unit tests, then all) and `make test`, ``runs`` times each.

    `make test` comes straight after the serial runs it is compared with, and the notebooks are timed straight
    after it: on a shared machine the speed drifts over minutes (see :func:`probe_seconds`).
    """
    whole, units, every = [], [], []
    python = str(book / ".venv" / "bin" / "python")
    serial = [python, "-m", "pytest", "-q", "-p", "no:randomly", "tests"]
    for _ in range(runs):
        seconds, _ = timed([*serial, "-m", "not integration"], book, environment)
        units.append(seconds)
        say(f"unit tests (serial) {seconds:.1f} s")
        seconds, _ = timed(serial, book, environment)
        every.append(seconds)
        say(f"all tests (serial, no notebooks) {seconds:.1f} s")
        seconds, _ = timed([*make, "test"], book, environment)
        whole.append(seconds)
        say(f"make test {seconds:.1f} s")
    return {
        "unit_tests_seconds": summary(units),
        # One run of every test, the baseline make test is compared with; integration = all - unit, roughly.
        "all_tests_seconds": summary(every),
        "integration_tests_seconds": summary([a - u for a, u in zip(every, units, strict=True)]),
        "make_test_seconds": summary(whole),
    }


PROBE_SCRIPT = """import time
import numpy as np
from distillbook.language_model import model
rng = np.random.default_rng(0)
vocabulary = model.Vocabulary("".join(chr(c) for c in range(32, 97)))
contexts = rng.integers(0, vocabulary.size, (20_000, 8))
targets = rng.integers(0, vocabulary.size, 20_000)
start = time.perf_counter()
student = model.CharMLP.create(vocabulary, context=8, embed=12, hidden=96, seed=0)
model.train(student, contexts, targets, steps=1500, batch_size=128, learning_rate=3e-3, seed=0)
print(f"PROBE_SECONDS {time.perf_counter() - start:.3f}")
"""


def probe_seconds(book: Path, environment: dict[str, str]) -> float:
    """Seconds for a fixed single-core workload, the book's own hot loop (1,500 steps of training chapter 3's
    language model on random characters): the machine's speed now.

    Measured between the steps: on a shared virtual machine the same notebook took 22 s and 28 s twenty minutes
    apart, so a ratio of two measurements taken minutes apart is only as good as the speed stayed the same.
    """
    _, output = timed([str(book / ".venv" / "bin" / "python"), "-c", PROBE_SCRIPT], book, environment)
    return float(re.search(r"PROBE_SECONDS (\S+)", output).group(1))


def targets(results: dict, workers: int) -> list[dict]:
    """Each target as measured value, limit and ratio (at most 1 means met)."""
    notebooks, build, tests = results["notebooks"], results["build"], results["tests"]
    kernel_sum = sum(n["kernel_seconds"]["median"] for n in notebooks.values())
    unit = tests["all_tests_seconds"]["median"]
    render = build["render_only_seconds"]["median"]
    rows = [
        (
            f"fresh clone: make test && make book <= {FRESH_CLONE_LIMIT_SECONDS:.0f} s (environment included)",
            results["fresh_clone"]["total_seconds"],
            FRESH_CLONE_LIMIT_SECONDS,
        ),
        (
            f"make test <= {SLACK} x (notebook kernel time {kernel_sum:.1f} + tests {unit:.1f}) / {workers}",
            tests["make_test_seconds"]["median"],
            SLACK * (kernel_sum + unit) / workers,
        ),
        (
            f"cold make book <= {SLACK} x (notebook kernel time {kernel_sum:.1f} / {workers} + render {render:.1f})",
            build["cold_book_seconds"]["median"],
            SLACK * (kernel_sum / workers + render),
        ),
        (
            f"no-change rebuild <= {NO_CHANGE_LIMIT_SECONDS:.0f} s",
            build["no_change_rebuild_seconds"]["median"],
            NO_CHANGE_LIMIT_SECONDS,
        ),
    ]
    rows += [
        (f"{name} within its budget", n["wall_seconds_with_kernel_start"]["median"], n["budget_seconds"])
        for name, n in notebooks.items()
    ]
    out = [
        {"target": t, "measured": round(m, 1), "limit": round(lim, 1), "ratio": round(m / lim, 2), "met": m <= lim}
        for t, m, lim in rows
    ]
    expected_code = [build["one_notebook_changed"]]
    expected_data = build["notebooks_reading_it"]
    for target, measured, expected in (
        ("the render-only build executes no notebook", build["render_only_executed"], []),
        ("a one-notebook change re-executes that notebook alone", build["one_notebook_change_executed"], expected_code),
        ("a data-file change re-executes exactly its readers", build["one_data_file_change_executed"], expected_data),
    ):
        out.append(
            {
                "target": target,
                "measured": str(measured[0]),
                "limit": str(expected),
                "ratio": "",
                "met": all(run == expected for run in measured),
            }
        )
    return out


def machine() -> dict[str, str]:
    cpu = ""
    if Path("/proc/cpuinfo").is_file():
        names = re.findall(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), flags=re.MULTILINE)
        cpu = names[0] if names else ""
    memory = ""
    if Path("/proc/meminfo").is_file():
        memory = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 2**20:.1f} GiB"
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def load_average() -> str:
    return " ".join(f"{v:.1f}" for v in os.getloadavg())


def write_markdown(results: dict, path: Path) -> None:
    fresh = results["fresh_clone"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py). Machine: "
        + ", ".join(f"{k} {v}" for k, v in results["machine"].items() if v)
        + ".",
        f"Load average (1, 5, 15 min) at the start: {results['load_start']}; at the end: {results['load_end']} "
        f"(on {results['machine']['cpus']} CPUs; above that, other work was sharing the machine).",
        f"Workers: {results['workers']}. Runs per warm measurement: {results['runs']}. "
        "Times in seconds: median (min to max).",
        "Speed probe (a fixed single-core workload, bench/run.py `probe_seconds`: larger when the machine is "
        "slower): " + ", ".join(f"{k} {v:.2f} s" for k, v in results["probe_seconds"].items()) + ".",
        "",
        "## Targets",
        "",
        "| target | measured | limit | ratio | met |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {t['target']} | {t['measured']} | {t['limit']} | {t['ratio']} | {'yes' if t['met'] else 'NO'} |"
        for t in results["targets"]
    ]
    environment = fresh["environment_seconds"]
    lines += [
        "",
        "## Fresh clone",
        "",
        f"git clone {fresh['clone_seconds']:.1f} s, `make test` {fresh['make_test_seconds']:.1f} s (of which "
        f"creating the environment {environment if environment is None else round(environment, 1)} s), "
        f"`make book` {fresh['make_book_seconds']:.1f} s: {fresh['total_seconds']:.1f} s in all.",
        "",
        "## Notebooks",
        "",
        "| notebook | kernel time | wall time incl. kernel start | budget | peak MiB |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, n in results["notebooks"].items():
        k, w = n["kernel_seconds"], n["wall_seconds_with_kernel_start"]
        lines.append(
            f"| {name} | {k['median']:.1f} ({k['min']:.1f} to {k['max']:.1f}) | {w['median']:.1f} "
            f"({w['min']:.1f} to {w['max']:.1f}) | {n['budget_seconds']} | {n['peak_memory_mib']:.0f} |"
        )
    lines += ["", "## Builds and tests", "", "| measurement | median | min | max |", "| --- | --- | --- | --- |"]
    for section in ("build", "tests"):
        for name, value in results[section].items():
            if isinstance(value, dict) and "median" in value:
                lines.append(f"| {name} | {value['median']:.1f} | {value['min']:.1f} | {value['max']:.1f} |")
    path.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="repetitions of each warm measurement")
    parser.add_argument("--workers", type=int, default=2, help="WORKERS for make test and make book")
    parser.add_argument("--python", default="", help="the interpreter the fresh clone's environment is built with")
    arguments = parser.parse_args()
    if subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip():
        say("WARNING: the working tree has uncommitted changes; the committed tree (HEAD) is what gets measured")
    environment = clean_environment()
    make = ["make", f"WORKERS={arguments.workers}"] + ([f"PYTHON={arguments.python}"] if arguments.python else [])
    results = {"machine": machine(), "runs": arguments.runs, "workers": arguments.workers, "load_start": load_average()}
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        book, results["fresh_clone"] = fresh_clone(Path(workdir), make, environment)
        probes = {"after the fresh clone": probe_seconds(book, environment)}
        results["tests"] = test_measurements(book, make, environment, arguments.runs)
        probes["after the tests"] = probe_seconds(book, environment)
        results["notebooks"] = notebook_times(book, environment, arguments.runs)
        probes["after the notebooks"] = probe_seconds(book, environment)
        results["build"] = build_measurements(book, make, environment, arguments.runs)
        probes["after the builds"] = probe_seconds(book, environment)
        results["probe_seconds"] = probes
        say("speed probe: " + ", ".join(f"{k} {v:.2f} s" for k, v in probes.items()))
    results["load_end"] = load_average()
    results["targets"] = targets(results, arguments.workers)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    write_markdown(results, ROOT / "bench" / "results.md")
    print((ROOT / "bench" / "results.md").read_text())
    missed = [t["target"] for t in results["targets"] if not t["met"]]
    for target in missed:
        say(f"MISSED: {target}")
    say(f"{len(results['targets']) - len(missed)} of {len(results['targets'])} targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
