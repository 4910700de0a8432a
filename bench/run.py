"""Benchmark the book: notebook execution, cold and incremental builds, and the test suite (`make bench`).

Everything runs in a temporary clone of the committed repository that shares this checkout's .venv, so the
working tree and its _build are never touched. Each measurement is repeated (``--runs``) and reported as the
median with its spread (min to max); peak memory is the largest resident set of any child process (the kernel,
Sphinx or pytest). Results go to bench/results.json and bench/results.md, with each target stated as a ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from booktools import buildcache

ROOT = Path(__file__).resolve().parents[1]

#: Execution budgets (seconds) that the chapters' issues set; notebooks not listed get the default.
BUDGET_SECONDS = {
    "01_what_is_distillation": 45,
    "02_distillation_through_an_api": 60,
    "04_cost_economics": 30,
    "05_allegations": 20,
    "07_policy": 15,
    "08_checking_the_story": 15,
}
DEFAULT_BUDGET_SECONDS = 15
EXECUTED = re.compile(r"(\S+\.ipynb): Executing notebook")
PRE_EXECUTED = re.compile(r"buildcache: executed (\S+\.ipynb)")


def clone(workdir: Path) -> Path:
    """Clone the committed repository into ``workdir`` and link the existing environment into it."""
    target = workdir / "book"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(target)], check=True)
    (target / ".venv").symlink_to(ROOT / ".venv")
    return target


def timed(command: list[str], cwd: Path, environment: dict[str, str]) -> tuple[float, float, str]:
    """Run ``command``; return (wall seconds, peak child memory in MiB, combined output). Raise if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{output[-3000:]}")
    return seconds, peak, output


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def executed_notebooks(output: str) -> list[str]:
    """Names of the notebooks a build executed (by the parallel pre-execution step or by MyST-NB itself)."""
    found = {Path(m).stem for m in EXECUTED.findall(output)} | {Path(m).stem for m in PRE_EXECUTED.findall(output)}
    return sorted(found)


def notebook_times(book: Path, environment: dict[str, str], runs: int) -> dict[str, dict]:
    """Execute each notebook ``runs`` times in a fresh kernel; the kernel's own time is the sum of cell times."""
    script = (
        "import sys, time, nbformat\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "client = NotebookClient(nb, timeout=600, record_timing=True, resources={'metadata': {'path': sys.argv[2]}})\n"
        "client.execute()\n"
        "from datetime import datetime\n"
        "total = 0.0\n"
        "for cell in nb.cells:\n"
        "    timing = cell.get('metadata', {}).get('execution', {})\n"
        "    if 'iopub.execute_input' in timing and 'shell.execute_reply' in timing:\n"
        "        parse = lambda s: datetime.fromisoformat(s.replace('Z', '+00:00'))\n"
        "        total += (parse(timing['shell.execute_reply']) - parse(timing['iopub.execute_input'])).total_seconds()\n"
        "print(f'KERNEL_SECONDS {total:.3f}')\n"
        "import resource\n"
        "print(f'KERNEL_PEAK_KIB {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}')\n"
    )
    results = {}
    for notebook in buildcache.notebooks(book):
        kernel, wall, memory = [], [], []
        for _ in range(runs):
            command = [str(book / ".venv" / "bin" / "python"), "-c", script, str(notebook), str(notebook.parent)]
            seconds, _, output = timed(command, book, environment)
            kernel.append(float(re.search(r"KERNEL_SECONDS (\S+)", output).group(1)))
            wall.append(seconds)
            # The kernel is the runner's child, so this is this notebook's own peak, not the largest so far.
            memory.append(int(re.search(r"KERNEL_PEAK_KIB (\d+)", output).group(1)) / 1024)
        budget = BUDGET_SECONDS.get(notebook.stem, DEFAULT_BUDGET_SECONDS)
        results[notebook.stem] = {
            "kernel_seconds": summary(kernel),
            "wall_seconds_with_kernel_start": summary(wall),
            "peak_memory_mib": max(memory),
            "budget_seconds": budget,
            "within_budget": statistics.median(wall) <= budget,
        }
        print(f"bench: {notebook.stem}: kernel {statistics.median(kernel):.1f} s, wall {statistics.median(wall):.1f} s")
    return results


def build_measurements(book: Path, environment: dict[str, str], runs: int) -> dict[str, dict]:
    """Cold build, no-change rebuild, one-notebook change and one-data-file change, ``runs`` times each."""
    make = ["make", "book"]
    cold, no_change, code_change, data_change = [], [], [], []
    code_executed, data_executed = [], []
    peak = 0.0
    data_file = book / "data" / "api_prices.csv"
    original_data = data_file.read_text()
    notebook = book / "chapters" / "07_policy.ipynb"
    original_notebook = notebook.read_text()
    for run in range(runs):
        shutil.rmtree(book / "_build", ignore_errors=True)
        seconds, memory, _ = timed(make, book, environment)
        cold.append(seconds)
        peak = max(peak, memory)
        seconds, memory, output = timed(make, book, environment)
        no_change.append(seconds)
        # One notebook's code changes: a harmless extra code cell at the end.
        import nbformat

        changed = nbformat.reads(original_notebook, as_version=4)
        changed.cells.append(nbformat.v4.new_code_cell(f"benchmark_marker = {run + 1}"))
        nbformat.write(changed, notebook)
        seconds, memory, output = timed(make, book, environment)
        code_change.append(seconds)
        code_executed.append(executed_notebooks(output))
        notebook.write_text(original_notebook)
        # One data file changes: a note (text only) edited, so the numbers stay valid.
        data_file.write_text(original_data.replace("Output price covers", f"Output price (run {run}) covers", 1))
        seconds, memory, output = timed(make, book, environment)
        data_change.append(seconds)
        data_executed.append(executed_notebooks(output))
        data_file.write_text(original_data)
        timed(make, book, environment)  # back to the committed state for the next run
    readers = sorted(
        p.stem for p in buildcache.notebooks(book) if "api_prices" in buildcache.data_dependencies(p, book)
    )
    return {
        "cold_book_seconds": summary(cold),
        "no_change_rebuild_seconds": summary(no_change),
        "one_notebook_change_seconds": summary(code_change),
        "one_notebook_change_executed": code_executed,
        "one_data_file_change_seconds": summary(data_change),
        "one_data_file_change_executed": data_executed,
        "data_file_changed": "data/api_prices.csv",
        "notebooks_reading_it": readers,
        "peak_memory_mib": peak,
    }


def test_measurements(book: Path, environment: dict[str, str], runs: int) -> dict[str, dict]:
    """`make test` as a whole, and the unit tests alone (pytest on tests/), ``runs`` times each."""
    whole, units = [], []
    peak = 0.0
    for _ in range(runs):
        seconds, memory, _ = timed(["make", "test"], book, environment)
        whole.append(seconds)
        peak = max(peak, memory)
        seconds, _, _ = timed(
            [str(book / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "tests"], book, environment
        )
        units.append(seconds)
    return {"make_test_seconds": summary(whole), "unit_tests_seconds": summary(units), "peak_memory_mib": peak}


def targets(results: dict) -> list[dict]:
    """Each target of the performance issue as measured value, limit and ratio (at most 1 means met)."""
    notebooks = results["notebooks"]
    kernel_sum = sum(n["kernel_seconds"]["median"] for n in notebooks.values())
    wall_sum = sum(n["wall_seconds_with_kernel_start"]["median"] for n in notebooks.values())
    build, tests = results["build"], results["tests"]
    cold_limit = 1.5 * kernel_sum + 30
    test_limit = 1.3 * (wall_sum + tests["unit_tests_seconds"]["median"])
    expected_code = ["07_policy"]
    expected_data = build["notebooks_reading_it"]
    heaviest = max(notebooks, key=lambda n: notebooks[n]["wall_seconds_with_kernel_start"]["median"])
    heaviest_time = notebooks[heaviest]["wall_seconds_with_kernel_start"]["median"]
    rows = [
        ("cold make book <= 1.5 x notebook time + 30 s", build["cold_book_seconds"]["median"], cold_limit),
        ("no-change rebuild <= 10 s", build["no_change_rebuild_seconds"]["median"], 10.0),
        ("make test <= 1.3 x (notebooks + unit tests)", tests["make_test_seconds"]["median"], test_limit),
        (f"heaviest notebook ({heaviest}) within its budget", heaviest_time, notebooks[heaviest]["budget_seconds"]),
    ]
    out = [
        {
            "target": t,
            "measured": round(m, 1),
            "limit": round(limit, 1),
            "ratio": round(m / limit, 2),
            "met": m <= limit,
        }
        for t, m, limit in rows
    ]
    code_ok = all(run == expected_code for run in build["one_notebook_change_executed"])
    data_ok = all(run == expected_data for run in build["one_data_file_change_executed"])
    out.append(
        {
            "target": "a one-notebook change re-executes that notebook alone",
            "measured": str(build["one_notebook_change_executed"][0]),
            "limit": str(expected_code),
            "ratio": "",
            "met": code_ok,
        }
    )
    out.append(
        {
            "target": "a data-file change re-executes exactly its readers",
            "measured": str(build["one_data_file_change_executed"][0]),
            "limit": str(expected_data),
            "ratio": "",
            "met": data_ok,
        }
    )
    return out


def machine() -> dict[str, str]:
    memory = ""
    if Path("/proc/meminfo").is_file():
        total_kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{total_kib / 1024 / 1024:.1f} GiB"
    return {
        "cpus": str(os.cpu_count()),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def write_markdown(results: dict, path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in results["machine"].items()),
        f"Runs per measurement: {results['runs']}. Times in seconds: median (min to max).",
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
    lines += [
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
    lines += [
        "",
        f"Peak memory: build {results['build']['peak_memory_mib']:.0f} MiB, "
        f"tests {results['tests']['peak_memory_mib']:.0f} MiB.",
        "",
    ]
    path.write_text("\n".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    arguments = parser.parse_args()
    environment = {k: v for k, v in os.environ.items() if k != "DISTILLBOOK_ROOT"}
    with tempfile.TemporaryDirectory(prefix="bench-") as workdir:
        book = clone(Path(workdir))
        environment["DISTILLBOOK_ROOT"] = str(book)
        # The clone's own package, not the editable install of this checkout, is what gets measured.
        environment["PYTHONPATH"] = str(book / "src")
        results = {"machine": machine(), "runs": arguments.runs}
        results["notebooks"] = notebook_times(book, environment, arguments.runs)
        results["build"] = build_measurements(book, environment, arguments.runs)
        results["tests"] = test_measurements(book, environment, max(1, arguments.runs - 1))
    results["targets"] = targets(results)
    (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    write_markdown(results, ROOT / "bench" / "results.md")
    print((ROOT / "bench" / "results.md").read_text())


if __name__ == "__main__":
    main()
