"""The packaging scripts parse, and the Windows installer script compiles."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "packaging").rglob("*.sh"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_script_parses(script: Path) -> None:
    result = subprocess.run(
        ["bash", "-n", str(script)], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not shutil.which("makensis"), reason="needs NSIS (apt-get install nsis)")
def test_nsis_installer_compiles(tmp_path: Path) -> None:
    out = tmp_path / "StoryStudio-test-setup.exe"
    result = subprocess.run(
        [str(ROOT / "packaging" / "windows" / "check-nsis.sh"), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert out.stat().st_size > 100_000
    assert out.read_bytes()[:2] == b"MZ"
