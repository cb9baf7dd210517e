"""The reviewer's summary of real `pulumi preview --json` outputs (recorded by
tests/fixtures/previews/record.py), one golden Markdown file per kind of change."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from omics_provider import review

PREVIEWS = Path(__file__).resolve().parent.parent / "fixtures" / "previews"
KINDS = sorted(p.stem for p in PREVIEWS.glob("*.json"))


@pytest.mark.parametrize("kind", KINDS)
def test_summary_matches_the_golden_file(kind: str) -> None:
    preview = json.loads((PREVIEWS / f"{kind}.json").read_text())
    assert review.summarize(preview, "test") == (PREVIEWS / f"{kind}.md").read_text()


def test_deleted_references_come_first() -> None:
    summary = review.summarize(json.loads((PREVIEWS / "store-replaced.json").read_text()))
    assert summary.index("will be deleted") < summary.index("import job(s) to run") < summary.index("Reference stores")


def test_the_command_reads_a_file_or_standard_input(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = PREVIEWS / "tag-change.json"
    review.main([str(path), "--stack", "test"])
    from_file = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(path.read_text()))
    review.main(["-", "--stack", "test"])
    assert capsys.readouterr().out == from_file == (PREVIEWS / "tag-change.md").read_text()
