"""Create or refresh the book's pinned environment in .venv (called by `make`; uses only the standard library).

The environment is rebuilt from scratch when it is missing or when what it is built from changed: the pinned
requirements.txt, or the [project] and [build-system] tables of pyproject.toml. Edits to tool settings in
pyproject.toml (ruff, pytest) do not trigger a reinstall. The stamp file records a hash of those inputs.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
STAMP = VENV / ".installed"
PIP_VERSION = "26.3"


def inputs_hash() -> str:
    """Hash of requirements.txt and the parts of pyproject.toml that decide what gets installed."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    relevant = {"project": project.get("project"), "build-system": project.get("build-system")}
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    digest.update(PIP_VERSION.encode())
    return digest.hexdigest()


def run(*command: str) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=ROOT)


def main() -> None:
    if sys.version_info[:2] != (3, 11):
        sys.exit(f"Python 3.11 is needed to build the environment, found {sys.version.split()[0]}")
    wanted = inputs_hash()
    if STAMP.is_file() and STAMP.read_text().strip() == wanted:
        STAMP.touch()
        return
    shutil.rmtree(VENV, ignore_errors=True)
    run(sys.executable, "-m", "venv", str(VENV))
    python = str(VENV / "bin" / "python")
    run(python, "-m", "pip", "install", "--quiet", f"pip=={PIP_VERSION}")
    run(python, "-m", "pip", "install", "--quiet", "-r", "requirements.txt")
    run(python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "-e", ".")
    run(python, "-m", "pip", "check")
    run(
        python,
        "-m",
        "ipykernel",
        "install",
        "--sys-prefix",
        "--name",
        "python3",
        "--display-name",
        "Python 3 (distillbook)",
    )
    run(python, "-c", "import matplotlib.pyplot")  # builds the font cache now, not inside a notebook
    STAMP.write_text(wanted + "\n")


if __name__ == "__main__":
    main()
