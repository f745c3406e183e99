"""The lock file the packages are built from pins what pyproject.toml asks for."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "packaging" / "requirements.lock"
PIN = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)(?:\s*;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
PACKAGING = [Requirement(r) for r in PROJECT["optional-dependencies"]["package"]]


def pins() -> dict[str, list[tuple[Version, Marker | None]]]:
    """Each locked package's versions (one per platform marker, usually just one)."""
    found: dict[str, list[tuple[Version, Marker | None]]] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            marker = Marker(match["marker"]) if match["marker"] else None
            entry = (Version(match["version"]), marker)
            found.setdefault(canonicalize_name(match["name"]), []).append(entry)
    return found


@pytest.mark.parametrize("requirement", RUNTIME + PACKAGING, ids=str)
def test_every_dependency_is_pinned_within_its_bound(requirement: Requirement) -> None:
    locked = pins().get(canonicalize_name(requirement.name))
    assert locked, f"{requirement.name} is not in {LOCK.name}: run packaging/lock.sh"
    for version, _ in locked:
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{LOCK.name} pins {requirement.name}=={version}, outside {requirement}: "
            "run packaging/lock.sh"
        )


def test_the_lock_holds_python_311_on_linux() -> None:
    linux = {"python_version": "3.11", "python_full_version": "3.11.9", "sys_platform": "linux"}
    for name, versions in pins().items():
        applies = [v for v, m in versions if m is None or m.evaluate(linux)]
        assert len(applies) <= 1, f"{name} is pinned twice for Linux: {applies}"


def test_every_pin_carries_hashes() -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", LOCK.read_text(encoding="utf-8"))
    pinned = [b for b in blocks if PIN.match(b.splitlines()[0])]
    assert pinned
    for block in pinned:
        assert "--hash=sha256:" in block, block.splitlines()[0]


def test_the_build_installs_from_the_lock() -> None:
    build = (ROOT / "packaging" / "build.sh").read_text(encoding="utf-8")
    assert "--require-hashes -r packaging/requirements.lock" in build
    assert "pip install -q --no-deps ." in build
    assert "packaging/lock.sh" in LOCK.read_text(encoding="utf-8").splitlines()[1]
