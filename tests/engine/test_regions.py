"""One stack, two Regions: a store and its imports in each, at the local endpoint (which keeps
Regions apart). Each reference lands in its own Region's store; moving an import to another
Region replaces it."""

from __future__ import annotations

import itertools
from pathlib import Path

from omics_stack import outputs
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject

_n = itertools.count(1)


def test_stores_and_imports_in_two_regions(tmp_path: Path, aws: LocalAws) -> None:
    n = next(_n)
    west, north = f"west-{n}", f"north-{n}"
    project = StackProject(tmp_path / "project", aws)
    alpha = {"name": "import-alpha", "sources": [
        {"name": "alpha", "source_file": project.upload("alpha.fa", generate_fasta(401))}]}
    beta = {"name": "import-beta", "sources": [
        {"name": "beta", "source_file": project.upload("beta.fa", generate_fasta(402))}]}
    project.configure([alpha], store={"name": "genomes-west", "region": west},
                      regions=[{"region": north, "store": {"name": "genomes-north"}, "imports": [beta]}])
    project.up()
    stores = project.outputs()[outputs.STORES]
    regional = {region: LocalAws(aws.url, region) for region in (west, north)}

    def names(region: str) -> list[str]:
        return sorted(r["name"] for r in regional[region].references_settled(stores[region]))

    assert names(west) == ["alpha"] and names(north) == ["beta"]
    assert project.outputs()[outputs.REFERENCES].keys() == {"alpha", f"{north}/beta"}
    assert aws.omics.list_reference_stores()["referenceStores"] == []  # nothing in aws:region itself

    no_op = project.up("--expect-no-changes")
    assert "5 unchanged" in no_op.stdout, no_op.stdout

    # import-beta moves to the west store: another Region, another store, so it is replaced.
    project.configure([alpha, beta], store={"name": "genomes-west", "region": west},
                      regions=[{"region": north, "store": {"name": "genomes-north"}, "imports": []}])
    preview = project.cli.run("preview", "--diff", "--stack", "test")
    assert "+-" in preview.stdout and "import-beta" in preview.stdout, preview.stdout
    moved = project.up()
    assert "1 replaced" in moved.stdout, moved.stdout
    assert names(west) == ["alpha", "beta"] and names(north) == []


def test_a_store_of_another_region_is_refused_at_preview_naming_the_region(tmp_path: Path, aws: LocalAws) -> None:
    elsewhere = LocalAws(aws.url, f"far-{next(_n)}")
    store_id = elsewhere.omics.create_reference_store(name="far-away")["id"]
    project = StackProject(tmp_path / "project", aws)
    project.configure([{"name": "import-far", "sources": [
        {"name": "far", "source_file": project.upload("far.fa", generate_fasta(403))}]}], store={"id": store_id})
    preview = project.preview(check=False)
    shown = preview.stdout + preview.stderr
    assert preview.returncode != 0
    assert f"reference store {store_id} was not found in Region {aws.region}" in shown, shown
    assert "Traceback" not in shown, shown


def test_a_failed_import_reads_as_its_message_without_a_traceback(tmp_path: Path, aws: LocalAws) -> None:
    project = StackProject(tmp_path / "project", aws)
    crlf = generate_fasta(404).replace(b"\n", b"\r\n")
    project.configure([{"name": "import-crlf", "sources": [
        {"name": "crlf", "source_file": project.upload("crlf.fa", crlf)}]}])
    up = project.up(check=False)
    shown = up.stdout + up.stderr
    assert up.returncode != 0 and "ended FAILED" in shown, shown
    assert "Traceback" not in shown, shown
