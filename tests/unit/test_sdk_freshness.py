"""The SDKs committed under sdk/ are what the pinned generator makes of schema.json today."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SDK = REPO / "sdk"


# Made by installing or building an SDK (each SDK's .gitignore keeps them out of git).
BUILT = {"__pycache__", "node_modules", "bin", "build", "dist", "pulumi_healthomics.egg-info"}


def files(root: Path) -> dict[str, bytes]:
    """The generated files under root, by relative path."""
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*")
            if path.is_file() and not BUILT & set(path.relative_to(root).parts)}


def differences(left: Path, right: Path) -> list[str]:
    """Every file that is only on one side, or differs, as a path relative to both."""
    ours, theirs = files(left), files(right)
    return sorted(name for name in ours.keys() | theirs.keys() if ours.get(name) != theirs.get(name))


@pytest.mark.skipif(shutil.which("go") is None, reason="the generator is built with Go")
def test_the_committed_sdks_are_generated_from_the_committed_schema(tmp_path: Path) -> None:
    subprocess.run([str(REPO / "scripts" / "gen-sdks"), str(tmp_path)], check=True, timeout=600,
                   capture_output=True)
    for language in ("python", "nodejs", "go"):
        stale = differences(SDK / language, tmp_path / language)
        assert not stale, f"sdk/{language} is stale ({', '.join(stale)}): run `make sdks` and commit sdk/"


def test_differences_names_changed_added_and_missing_files(tmp_path: Path) -> None:
    left, right = tmp_path / "left", tmp_path / "right"
    for side in (left, right):
        (side / "types").mkdir(parents=True)
        (side / "same.ts").write_text("x")
    (left / "types" / "input.ts").write_text("a")
    (right / "types" / "input.ts").write_text("b")
    (left / "gone.ts").write_text("")
    (right / "new.ts").write_text("")
    assert differences(left, right) == ["gone.ts", "new.ts", "types/input.ts"]
