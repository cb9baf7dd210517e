"""The reviewer's summary and the apply guard, over real `pulumi preview --json` outputs (recorded
by tests/fixtures/previews/record.py): one golden Markdown file per kind of change."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from omics_provider import schema
from omics_review import guard, previews, review

PREVIEWS = Path(__file__).resolve().parent.parent / "fixtures" / "previews"
KINDS = sorted(p.stem for p in PREVIEWS.glob("*.json"))


def recorded(kind: str) -> dict:
    return json.loads((PREVIEWS / f"{kind}.json").read_text())


@pytest.mark.parametrize("kind", KINDS)
def test_summary_matches_the_golden_file(kind: str) -> None:
    assert review.summarize(recorded(kind), "test") == (PREVIEWS / f"{kind}.md").read_text()


def test_the_golden_files_cover_every_kind_the_review_distinguishes() -> None:
    assert {"failed", "store-adopted", "store-change-ignored", "store-replaced", "deleted-outside",
            "sibling-reimported"} <= set(KINDS)


def test_native_previews_read_as_the_dynamic_ones_do() -> None:
    replaced = review.summarize(recorded("native-object-changed"))
    assert "**⚠ 1 reference(s) will be deleted**" in replaced and "the S3 object changed: s3://" in replaced
    assert "`GRCh38` (new S3 version)" in replaced
    assert "`assembly`: `GRCh38` → `GRCh38-p14`" in review.summarize(recorded("native-tag-change"))
    assert "| `genomes` | created |" in review.summarize(recorded("native-new-stack"))


def test_the_dynamic_type_tokens_are_those_the_state_records() -> None:
    assert {c.type for c in previews.parse(recorded("new-stack")).changes} >= {
        schema.dynamic_token(schema.REFERENCE_IMPORT_JOB), schema.dynamic_token(schema.REFERENCE_STORE)}


def test_deleted_references_come_first() -> None:
    summary = review.summarize(recorded("store-replaced"))
    assert summary.index("will be deleted") < summary.index("import job(s) to run") < summary.index("Reference stores")


def test_a_failed_preview_leads_with_its_errors_and_lists_nothing_else(capsys) -> None:
    summary = review.summarize(recorded("failed"), "test", commit="0123456789abcdef0123")
    assert summary.startswith("### HealthOmics references: preview of stack `test` at `0123456789ab`\n\n**✖ The preview failed.**")
    assert "| `typo` | sources[0].source_file: s3://" in summary and "does not exist in S3" in summary
    assert "No change" not in summary and "Resource monitor" not in summary
    assert review.main([str(PREVIEWS / "failed.json")]) == 1
    assert review.main([str(PREVIEWS / "no-change.json")]) == 0
    capsys.readouterr()


@pytest.mark.parametrize("text", ["", "not json", "[]"], ids=["empty", "garbage", "not-an-object"])
def test_no_preview_at_all_is_a_failure_showing_pulumis_own_words(tmp_path: Path, capsys, text: str) -> None:
    (tmp_path / "preview.json").write_text(text)
    (tmp_path / "preview.log").write_text("error: failed to load checkpoint: access denied\n")
    assert review.main([str(tmp_path / "preview.json"), "--log", str(tmp_path / "preview.log")]) == 1
    out = capsys.readouterr().out
    assert "The preview failed" in out and "error: failed to load checkpoint: access denied" in out


def test_warnings_are_listed_and_adopted_store_changes_are_named() -> None:
    summary = review.summarize(recorded("store-change-ignored"))
    assert "**Warnings (1)**" in summary
    assert "is adopted (adopt_existing), so this change is ignored: description None → 'a new description'" in summary
    assert "adopted (`adopt_existing`)" in review.summarize(recorded("store-adopted"))
    assert "| created |" not in review.summarize(recorded("store-adopted"))


def test_references_deleted_outside_pulumi_are_re_imports_not_new_imports() -> None:
    summary = review.summarize(recorded("deleted-outside"))
    assert "New imports" not in summary
    assert "| `t2t-chm13` | all its references were deleted outside Pulumi (found by refresh) |" in summary
    assert "its references were deleted outside Pulumi: GRCh38-alt (" in summary


def test_a_sibling_re_imported_is_named_with_the_id_change() -> None:
    summary = review.summarize(recorded("sibling-reimported"))
    assert "`GRCh38` (unchanged), `GRCh38-alt` (new S3 version)" in summary
    assert "its id and ARN change" in summary and "protect: true" in summary


def test_the_comment_folds_every_change_and_stays_under_the_limit() -> None:
    preview = previews.parse(recorded("source-added"))
    whole = review.comment(review.summarize(preview), preview)
    assert "<details>" in whole and "+ sources[1].name: 'GRCh38-alt'" in whole and "cut" not in whole
    cut = review.comment(review.summarize(preview), preview, limit=len(whole) - 200)
    assert len(cut) <= len(whole) - 200 and "more line(s) cut to stay under GitHub's" in cut
    assert cut.count("```") == 2  # the folded block is still closed
    tiny = review.comment(review.summarize(preview), preview, limit=700)
    assert len(tiny) <= 700 and "more line(s) cut" in tiny


def test_the_command_reads_a_file_or_standard_input(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = PREVIEWS / "tag-change.json"
    review.main([str(path), "--stack", "test"])
    from_file = capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", io.StringIO(path.read_text()))
    review.main(["-", "--stack", "test"])
    assert capsys.readouterr().out == from_file == (PREVIEWS / "tag-change.md").read_text()


GUARD_CASES = [
    pytest.param("object-changed", "object-changed", 0, id="reviewed-is-planned"),
    pytest.param("no-change", "tag-change", 0, id="tags-are-not-guarded"),
    pytest.param("no-change", "object-changed", 1, id="re-import-not-reviewed"),
    pytest.param("object-changed", "sibling-reimported", 1, id="another-re-import-was-reviewed"),
    pytest.param("failed", "object-changed", 1, id="a-failed-review-reviews-nothing"),
    pytest.param(None, "import-removed", 1, id="nothing-reviewed-deletion"),
    pytest.param(None, "no-change", 0, id="nothing-reviewed-nothing-planned"),
    pytest.param("store-replaced", "store-replaced", 0, id="store-replacement-reviewed"),
    pytest.param("native-object-changed", "native-object-changed", 0, id="native-reviewed"),
    pytest.param("native-tag-change", "native-object-changed", 1, id="native-re-import-not-reviewed"),
]


@pytest.mark.parametrize(("reviewed", "planned", "code"), GUARD_CASES)
def test_the_guard_applies_only_what_was_reviewed(tmp_path: Path, capsys, reviewed: str | None,
                                                  planned: str, code: int) -> None:
    reviewed_path = PREVIEWS / f"{reviewed}.json" if reviewed else tmp_path / "none.json"
    assert guard.main([str(reviewed_path), str(PREVIEWS / f"{planned}.json")]) == code
    out = capsys.readouterr().out
    assert ("refusing to apply" in out) == (code == 1)


def test_the_guard_names_what_was_not_reviewed(capsys) -> None:
    guard.main([str(PREVIEWS / "no-change.json"), str(PREVIEWS / "store-replaced.json")])
    out = capsys.readouterr().out
    assert "reference store `reference-store` would be replaced" in out
    assert "import `grch38` would delete reference(s)" in out and "would start an import job" in out


@pytest.mark.parametrize("delete_adopted", [False, True])
def test_an_adopted_import_removed_is_released_not_deleted_unless_delete_adopted(delete_adopted: bool) -> None:
    preview = recorded("import-removed")
    [removed] = [s for s in preview["steps"] if s["op"] == "delete"]
    removed["oldState"]["outputs"].update(adopt_existing=True, delete_adopted=delete_adopted)
    summary = review.summarize(preview)
    change = next(c for c in previews.parse(preview).changes if c.op == "delete")
    if delete_adopted:
        assert "**⚠ 1 reference(s) will be deleted**" in summary and change.deleted_references()
    else:
        assert "will be deleted" not in summary and not change.deleted_references()
        assert "1 reference(s) released, left in place" in summary
        assert "| `CHM13` | `3376251665` | `t2t-chm13` | it was adopted (`delete_adopted` deletes it) |" in summary
