"""The TypeScript copies of the reserved keys are current with spanscope/constants.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from spanscope.constants import TraceMetadataKey

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "generate_keys.py"
UI_KEYS = Path("ui/src/lib/keys.ts")
SDK_CONSTANTS = Path("libs/typescript/core/src/constants.ts")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=60
    )


def test_committed_files_are_current() -> None:
    result = _run("--check")
    assert result.returncode == 0, result.stderr


def test_check_names_a_stale_file_and_the_fix(tmp_path: Path) -> None:
    written = _run("--root", str(tmp_path))
    assert written.returncode == 0, written.stderr
    assert _run("--check", "--root", str(tmp_path)).returncode == 0
    # Both files are written byte for byte as committed.
    for path in (UI_KEYS, SDK_CONSTANTS):
        assert (tmp_path / path).read_bytes() == (ROOT / path).read_bytes()

    ui_keys = tmp_path / UI_KEYS
    text = ui_keys.read_text(encoding="utf-8")
    old = f'session: "{TraceMetadataKey.SESSION}",'
    assert old in text
    ui_keys.write_text(text.replace(old, 'session: "spanscope.trace.sesion",'), encoding="utf-8")

    result = _run("--check", "--root", str(tmp_path))
    assert result.returncode == 1
    assert str(ui_keys) in result.stderr
    assert str(SDK_CONSTANTS) not in result.stderr
    assert "python scripts/generate_keys.py" in result.stderr
    # --check wrote nothing; a plain run repairs the file.
    assert "sesion" in ui_keys.read_text(encoding="utf-8")
    assert _run("--root", str(tmp_path)).returncode == 0
    assert ui_keys.read_bytes() == (ROOT / UI_KEYS).read_bytes()
