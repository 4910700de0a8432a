"""Create or refresh the book's pinned environment (called by `make`; uses only the standard library).

    python tools/environment.py [--venv .venv]      # build or refresh the environment with this interpreter
    python tools/environment.py --lock              # recompile requirements.txt from requirements.in

The environment is installed by uv, at the version pinned here, which this script first installs with pip from
the package index into a bootstrap folder outside the repository (``$BOOK_UV_HOME``, by default
``~/.cache/copying-the-teacher/uv-<version>``); nothing is downloaded from anywhere but the package index, and uv
is told never to download a Python of its own. requirements.txt is one universal lock for Python 3.11 to 3.13
(``uv pip compile --universal``), so the same pins install on each.

Nothing is reinstalled while the stamp file in the environment matches: a hash of requirements.txt, the
[project] and [build-system] tables of pyproject.toml, the uv version and the interpreter's version. Edits to tool
settings in pyproject.toml (ruff, pytest) do not trigger a reinstall. When the stamp differs, the environment is
synchronised to the lock exactly (packages not in it are removed); it is rebuilt from scratch only when the
interpreter changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UV_VERSION = "0.13.8"
#: Options of `uv pip sync`. Bytecode is compiled at install: where PYTHONDONTWRITEBYTECODE is set (this machine
#: and its CI set it), Python would otherwise compile pandas, matplotlib, scipy and the Jupyter stack from source in
#: every new process, about 5 s per notebook kernel and per pytest worker. A change here re-creates the stamp.
INSTALL_OPTIONS = ("--compile-bytecode",)
#: The interpreters the lock is compiled for (requires-python in pyproject.toml says the same).
OLDEST, NEWEST_EXCLUSIVE = (3, 11, 5), (3, 14)
LOCK_PYTHON = "3.11.5"


def uv_home() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "copying-the-teacher"
    return Path(os.environ.get("BOOK_UV_HOME", default / f"uv-{UV_VERSION}"))


def say(message: str) -> None:
    print(f"environment: {message}", flush=True)


def run(*command: str | Path, quiet: bool = False) -> None:
    if not quiet:
        print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run([str(c) for c in command], check=True, cwd=ROOT, env=uv_environment())


def uv_environment() -> dict[str, str]:
    """The environment for uv: never a Python download (the interpreter is the one running this script)."""
    environment = dict(os.environ)
    environment.update(UV_PYTHON_DOWNLOADS="never", UV_NO_PROGRESS="1")
    environment.pop("VIRTUAL_ENV", None)
    return environment


def bootstrap_uv() -> Path:
    """Return the pinned uv executable, installing it with pip (from the package index) if it is not there yet."""
    home = uv_home()
    uv = home / "bin" / "uv"
    if uv.is_file():
        version = subprocess.run([uv, "--version"], capture_output=True, text=True, check=False).stdout.split()
        if version[1:2] == [UV_VERSION]:
            return uv
    say(f"installing uv {UV_VERSION} with pip into {home} (once per machine)")
    shutil.rmtree(home, ignore_errors=True)
    home.parent.mkdir(parents=True, exist_ok=True)
    run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--root-user-action=ignore",
        "--target",
        home,
        f"uv=={UV_VERSION}",
    )
    return uv


def inputs_hash() -> str:
    """Hash of what decides the installed environment: the lock, pyproject's [project], uv and the interpreter."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    relevant = {"project": project.get("project"), "build-system": project.get("build-system")}
    digest = hashlib.sha256((ROOT / "requirements.txt").read_bytes())
    digest.update(json.dumps(relevant, sort_keys=True).encode())
    digest.update(f"uv {UV_VERSION}; python {sys.version}; {sys.executable}; {INSTALL_OPTIONS}".encode())
    return digest.hexdigest()


def check_interpreter() -> None:
    if not OLDEST <= sys.version_info[:3] < NEWEST_EXCLUSIVE:
        found = ".".join(map(str, sys.version_info[:3]))
        sys.exit(
            f"environment: Python {found} ({sys.executable}) is not supported; the lock covers Python 3.11.5 to "
            "3.13. Run `make PYTHON=/path/to/python3.13` (or 3.12, 3.11) to choose an interpreter."
        )


def lock() -> None:
    """Recompile the universal lock; versions already in requirements.txt are kept unless requirements.in moves."""
    uv = bootstrap_uv()
    say("compiling requirements.in into the universal lock requirements.txt (Python 3.11 to 3.13)")
    run(
        uv,
        "pip",
        "compile",
        "requirements.in",
        "--universal",
        "--python-version",
        LOCK_PYTHON,
        "--custom-compile-command",
        "make lock",
        # jsonschema imports rfc3987-syntax, when installed, for its optional "iri" format check, and that import
        # compiles a lark grammar: 1.4 s in every process that imports nbformat (each pytest worker, each test's
        # Sphinx build, the build itself). Nothing here checks IRI formats, so the two are left out of the lock
        # (jupyter-events asks for them only through jsonschema's "format-nongpl" extra; `uv pip check` agrees).
        *("--no-emit-package", "rfc3987-syntax", "--no-emit-package", "lark"),
        "--quiet",
        "--output-file",
        "requirements.txt",
    )


def create(venv: Path) -> None:
    check_interpreter()
    stamp = venv / ".installed"
    wanted = inputs_hash()
    if stamp.is_file() and stamp.read_text().strip() == wanted:
        stamp.touch()
        return
    started = time.perf_counter()
    uv = bootstrap_uv()
    python = venv / "bin" / "python"
    interpreter = f"Python {sys.version.split()[0]}"
    same_interpreter = (venv / "pyvenv.cfg").is_file() and python.is_file() and _version_of(python) == sys.version
    if not same_interpreter:
        say(f"creating {venv.name} with {interpreter} ({sys.executable})")
        shutil.rmtree(venv, ignore_errors=True)
        run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    else:
        say(f"the lock or pyproject.toml changed: synchronising {venv.name} ({interpreter}) to requirements.txt")
    say("installing the pinned packages of requirements.txt")
    run(uv, "pip", "sync", "--python", python, *INSTALL_OPTIONS, "requirements.txt")
    say("installing the book's own package (editable)")
    run(uv, "pip", "install", "--quiet", "--python", python, "--no-deps", "--no-build-isolation", "-e", ".")
    run(uv, "pip", "check", "--python", python)
    say("registering the notebook kernel and building matplotlib's font cache")
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
    run(python, "-c", "import matplotlib.pyplot", quiet=True)  # the font cache now, not inside a notebook
    stamp.write_text(wanted + "\n")
    say(f"{venv.name} ready in {time.perf_counter() - started:.1f} s")


def _version_of(python: Path) -> str:
    result = subprocess.run([python, "-c", "import sys; print(sys.version)"], capture_output=True, text=True)
    return result.stdout.strip() if result.returncode == 0 else ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", default=".venv", help="the environment folder, relative to the repository")
    parser.add_argument("--lock", action="store_true", help="recompile requirements.txt from requirements.in")
    arguments = parser.parse_args()
    if arguments.lock:
        lock()
    else:
        create(ROOT / arguments.venv)


if __name__ == "__main__":
    main()
