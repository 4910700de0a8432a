"""Offline: with the guard on (as `make test` and `make book` run), no Python process of the
book, its tests or its notebook kernels can reach the network; loopback and Unix sockets still work.

The refused targets are 0.0.0.0 (on Linux a connect there would stay on this machine anyway) and names that are
refused before any look-up, so these tests send nothing off the machine even if the guard were broken.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import booktools
from booktools import offline as guard

SITE_FOLDER = Path(booktools.__file__).parent / "site"  # what the Makefile puts on PYTHONPATH, beside src


def _guarded_environment(log) -> dict[str, str]:
    folders = [str(SITE_FOLDER), str(SITE_FOLDER.parents[1])]
    path = os.pathsep.join(folders + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else []))
    return dict(os.environ, PYTHONPATH=path, DISTILLBOOK_OFFLINE="1", DISTILLBOOK_NETLOG=str(log))


def test_the_guard_tells_loopback_from_the_network():
    for local in ("127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "localhost", "[::1]", None, ""):
        assert guard.is_local(local), local
    for remote in ("0.0.0.0", "8.8.8.8", "10.0.0.1", "192.168.1.1", "2001:db8::1", "pypi.org", "example.invalid"):
        assert not guard.is_local(remote), remote


def test_make_runs_these_tests_offline(tmp_path, monkeypatch):
    """Under `make test` this very process is guarded (pytest run by hand, without make, is not)."""
    if os.environ.get(guard.ENABLE_VARIABLE) != "1":
        pytest.skip("not run through `make test`: the offline guard is off in this process")
    assert getattr(socket.socket, "_distillbook_guarded", False)
    monkeypatch.setenv(guard.LOG_VARIABLE, str(tmp_path / "attempts.log"))  # not make's log: this one is on purpose
    with pytest.raises(OSError, match="offline guard"):
        socket.getaddrinfo("example.invalid", 443)
    assert "example.invalid" in (tmp_path / "attempts.log").read_text()


def test_a_guarded_process_is_refused_the_network_but_not_loopback(tmp_path):
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    threading.Thread(target=lambda: server.accept()[0].close(), daemon=True).start()
    code = textwrap.dedent(
        f"""
        import socket, urllib.request
        socket.create_connection(("127.0.0.1", {port}), timeout=5).close()  # loopback: allowed
        left, right = socket.socketpair(); left.close(); right.close()       # Unix sockets: allowed
        for attempt in (lambda: socket.socket().connect(("0.0.0.0", 9)),
                        lambda: socket.getaddrinfo("pypi.org", 443),
                        lambda: urllib.request.urlopen("https://example.invalid/", timeout=1)):
            try:
                attempt()
            except OSError as error:
                print("refused:", error)
        """
    )
    log = tmp_path / "attempts.log"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_guarded_environment(log), check=False
    )
    server.close()
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("offline guard: blocked") == 3, result.stdout
    assert len(log.read_text().splitlines()) == 3, "every refused attempt is logged, so make can fail on it"


@pytest.mark.integration
def test_notebook_kernels_inherit_the_guard(tmp_path, monkeypatch):
    for name, value in _guarded_environment(tmp_path / "kernel.log").items():
        monkeypatch.setenv(name, value)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import socket\ntry:\n    socket.socket().connect(('0.0.0.0', 9))\n"
            "except OSError as error:\n    print(error)"
        )
    ]
    NotebookClient(notebook, kernel_name="python3", timeout=60).execute()  # the kernel itself talks over loopback
    assert "offline guard: blocked a connection to ('0.0.0.0', 9)" in notebook.cells[0].outputs[0]["text"]
    assert "('0.0.0.0', 9)" in (tmp_path / "kernel.log").read_text()
