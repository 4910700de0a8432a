"""The environment's definition agrees with itself: requirements.in, the universal lock, requires-python, the
conda file, the Makefile and tools/environment.py name the same pins and the same supported Pythons."""

from __future__ import annotations

import ast
import importlib.util
import re
import shutil
import sys
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from distillbook.paths import repository_root

ROOT = repository_root()
spec = importlib.util.spec_from_file_location("environment_tool", ROOT / "tools" / "environment.py")
environment = importlib.util.module_from_spec(spec)
spec.loader.exec_module(environment)

REQUIRES_PYTHON = SpecifierSet(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"])
SUPPORTED = ["3.11.5", "3.11.7", "3.12.1", "3.13.0", "3.13.9"]
UNSUPPORTED = ["3.10.13", "3.11.4", "3.14.0"]


def _requirements(name: str) -> list[Requirement]:
    lines = (ROOT / name).read_text().splitlines()
    return [Requirement(line) for line in lines if line.strip() and not line.lstrip().startswith("#")]


def test_requires_python_is_3_11_to_3_13():
    assert all(REQUIRES_PYTHON.contains(v) for v in SUPPORTED)
    assert not any(REQUIRES_PYTHON.contains(v) for v in UNSUPPORTED)


def test_environment_tool_and_makefile_accept_the_same_pythons():
    for version in SUPPORTED + UNSUPPORTED:
        parts = tuple(int(p) for p in version.split("."))
        tool_accepts = environment.OLDEST <= parts < environment.NEWEST_EXCLUSIVE
        assert tool_accepts == REQUIRES_PYTHON.contains(version), version
    assert REQUIRES_PYTHON.contains(environment.LOCK_PYTHON)
    assert "(3, 11, 5) <= sys.version_info[:3] < (3, 14)" in (ROOT / "Makefile").read_text()


def test_conda_file_installs_the_lock_on_a_supported_python():
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = [d for d in conda["dependencies"] if isinstance(d, str) and d.startswith("python")]
    assert len(python) == 1
    assert SpecifierSet(python[0].removeprefix("python")) == REQUIRES_PYTHON
    pip = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert pip == ["-r requirements.txt", "-e ."]


def test_lock_pins_everything_and_honours_requirements_in():
    lock = {r.name.lower().replace("_", "-"): r for r in _requirements("requirements.txt")}
    assert all(str(r.specifier).startswith("==") for r in lock.values()), "every locked package needs =="
    for top in _requirements("requirements.in"):
        name = top.name.lower().replace("_", "-")
        assert name in lock, f"{top.name} is in requirements.in but not in the lock: run `make lock`"
        assert top.specifier.contains(lock[name].specifier.__iter__().__next__().version), (top, lock[name])
    header = (ROOT / "requirements.txt").read_text().splitlines()[:3]
    assert any("make lock" in line for line in header), "requirements.txt is compiled by `make lock`"


@pytest.mark.parametrize("version", SUPPORTED)
def test_lock_installs_every_top_level_package_on_each_supported_python(version):
    """The lock is universal: on Linux, each supported Python gets every package that requirements.in names."""
    linux = {"sys_platform": "linux", "os_name": "posix", "platform_system": "Linux", "implementation_name": "cpython",
             "platform_python_implementation": "CPython", "python_full_version": version,
             "python_version": ".".join(version.split(".")[:2])}  # fmt: skip
    installed = {r.name.lower().replace("_", "-") for r in _requirements("requirements.txt")
                 if r.marker is None or r.marker.evaluate(linux)}  # fmt: skip
    wanted = {r.name.lower().replace("_", "-") for r in _requirements("requirements.in")}
    assert wanted <= installed, wanted - installed
    assert "--universal" in (ROOT / "tools" / "environment.py").read_text()


def test_environment_tool_uses_only_the_standard_library():
    tree = ast.parse((ROOT / "tools" / "environment.py").read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0}
    assert imported - {"__future__"} <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_uv_is_pinned_and_never_fetches_a_python():
    assert re.fullmatch(r"\d+\.\d+\.\d+", environment.UV_VERSION)
    assert environment.uv_environment()["UV_PYTHON_DOWNLOADS"] == "never"


@pytest.fixture
def project_copy(tmp_path, monkeypatch):
    for name in ("requirements.txt", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    monkeypatch.setattr(environment, "ROOT", tmp_path)
    return tmp_path


def test_stamp_changes_with_the_lock_and_project_but_not_tool_settings(project_copy):
    before = environment.inputs_hash()
    pyproject = project_copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace("line-length = 120", "line-length = 100"))
    assert environment.inputs_hash() == before, "a ruff setting must not reinstall the environment"
    pyproject.write_text(pyproject.read_text().replace('version = "0.1.0"', 'version = "0.1.1"'))
    after_project = environment.inputs_hash()
    assert after_project != before
    lock = project_copy / "requirements.txt"
    lock.write_text(lock.read_text().replace("seaborn==0.13.2", "seaborn==0.13.1"))
    assert environment.inputs_hash() != after_project


def test_unchanged_stamp_installs_nothing(project_copy, monkeypatch):
    venv = project_copy / ".venv"
    venv.mkdir()
    (venv / ".installed").write_text(environment.inputs_hash() + "\n")
    monkeypatch.setattr(environment, "bootstrap_uv", lambda: pytest.fail("an unchanged lock must not reach uv"))
    environment.create(venv)
