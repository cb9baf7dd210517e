"""Runs the pinned actionlint over every workflow and every action in the repository (`make lint`).

actionlint reads workflows only: it checks an action's metadata when a workflow uses it from a
local path, and never a composite action's steps. So each action is linted as the reusable
workflow it amounts to: its inputs as `workflow_call` inputs, its steps as one job's steps, its
outputs as that job's outputs. Exits 1 when actionlint reports anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import yaml  # PyYAML: a dependency of pulumi, in the virtualenv

ROOT = Path(__file__).resolve().parents[2]
ACTIONLINT = ROOT / ".tools" / "bin" / "actionlint"
SKIPPED = {".git", ".venv", ".tools", "node_modules", "build", "dist", ".pulumi-state"}


def found(matches: Callable[[Path], bool]) -> list[Path]:
    """Files under ROOT that `matches` accepts, outside SKIPPED folders."""
    files = []
    for folder, subfolders, names in os.walk(ROOT):
        subfolders[:] = [s for s in subfolders if s not in SKIPPED]
        files += [p for p in (Path(folder) / n for n in names) if matches(p)]
    return sorted(files)


def as_workflow(action: dict) -> dict:
    """The composite `action` as a reusable workflow of one job."""
    inputs = {}
    for name, spec in (action.get("inputs") or {}).items():
        inputs[name] = {"type": "string", "required": bool(spec.get("required"))}
        if "default" in spec:
            inputs[name]["default"] = str(spec["default"])
    outputs = {name: spec["value"] for name, spec in (action.get("outputs") or {}).items()}
    job = {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}
    if outputs:
        job["outputs"] = outputs
    return {"on": {"workflow_call": {
        "inputs": inputs,
        "outputs": {name: {"value": f"${{{{ jobs.action.outputs.{name} }}}}"} for name in outputs}}},
        "jobs": {"action": job}}


def lint(files: list[Path], cwd: Path, shown_as: dict[Path, Path] | None = None) -> bool:
    """actionlint over `files`; True when it reports nothing (its report printed otherwise)."""
    if not files:
        return True
    proc = subprocess.run([str(ACTIONLINT), "-no-color", *map(str, files)], cwd=cwd, capture_output=True,
                          text=True)
    report = proc.stdout + proc.stderr
    for path, name in (shown_as or {}).items():
        report = report.replace(str(path.relative_to(cwd)), f"{name} (linted as a workflow)")
    sys.stdout.write(report)
    return proc.returncode == 0


def main() -> int:
    workflows = found(lambda p: p.suffix in (".yml", ".yaml") and p.parts[-3:-1] == (".github", "workflows"))
    ok = lint(workflows, ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / ".github" / "workflows"
        folder.mkdir(parents=True)
        shown_as = {}
        for n, path in enumerate(found(lambda p: p.name in ("action.yml", "action.yaml"))):
            action = yaml.safe_load(path.read_text())
            if action.get("runs", {}).get("using") != "composite":
                continue
            target = folder / f"action-{n}.yml"
            target.write_text(yaml.safe_dump(as_workflow(action), sort_keys=False))
            shown_as[target] = path.relative_to(ROOT)
        ok = lint(list(shown_as), Path(tmp), shown_as) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
