"""ReferenceStore's provider against the local endpoint over real HTTP."""

from __future__ import annotations

import pytest

from omics_provider.errors import OmicsProviderError, StoreNotEmpty
from omics_provider.import_job import ReferenceImportJobProvider
from omics_provider.reference_store import ReferenceStoreProvider
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta


@pytest.fixture
def region(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> LocalAws:
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws.region)
    return aws


def test_create_read_retag_delete(region: LocalAws) -> None:
    provider = ReferenceStoreProvider()
    props = {"name": "genomes", "description": "all of them", "tags": {"a": "1"}}
    created = provider.create(provider.check({}, props).inputs)
    assert created.outs["store_id"] == created.id and created.outs["arn"].endswith(created.id)
    again = provider.create(props)  # same inputs, same clientToken: the same store
    assert again.id == created.id
    read = provider.read(created.id, created.outs)
    assert provider.diff(created.id, read.outs, props).changes is False
    diff = provider.diff(created.id, read.outs, {**props, "tags": {"b": "2"}})
    assert diff.changes is True and diff.replaces == []
    provider.update(created.id, read.outs, {**props, "tags": {"b": "2"}})
    assert region.omics.list_tags_for_resource(resourceArn=created.outs["arn"])["tags"] == {"b": "2"}
    assert provider.diff(created.id, read.outs, {**props, "name": "renamed"}).replaces == ["name"]
    provider.delete(created.id, read.outs)
    assert provider.read(created.id, read.outs).id is None


def test_second_store_in_region_says_to_adopt(region: LocalAws) -> None:
    existing = region.omics.create_reference_store(name="made-by-console")["id"]
    provider = ReferenceStoreProvider()
    with pytest.raises(OmicsProviderError) as excinfo:
        provider.create({"name": "mine"})
    assert existing in str(excinfo.value) and "adopt_existing: true" in str(excinfo.value)
    adopted = provider.create({"name": "mine", "adopt_existing": True})
    assert adopted.id == existing and adopted.outs["store_name"] == "made-by-console"
    assert provider.diff(existing, adopted.outs, {"name": "mine", "adopt_existing": True}).changes is False


def test_delete_waits_for_deleting_references_and_refuses_foreign_ones(region: LocalAws) -> None:
    region.controls(delete_seconds=1.0)
    provider = ReferenceStoreProvider()
    store = provider.create({"name": "busy-store"})
    bucket = region.bucket()
    region.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(70))
    jobs = ReferenceImportJobProvider()
    props = {"reference_store_id": store.id, "role_arn": region.role(), "poll_initial_seconds": 0.05,
             "sources": [{"name": "genome", "source_file": f"s3://{bucket}/g.fa"}]}
    imported = jobs.create(jobs.check({}, props).inputs)

    foreign = region.omics.start_reference_import_job(
        referenceStoreId=store.id, roleArn=props["role_arn"],
        sources=[{"sourceFile": f"s3://{bucket}/g.fa", "name": "not-ours"}])["id"]
    assert region.job(store.id, foreign)["status"] == "COMPLETED"
    with pytest.raises(StoreNotEmpty) as excinfo:
        provider.delete(store.id, store.outs)
    assert "not-ours" in str(excinfo.value) and store.id in str(excinfo.value)

    for reference in region.omics.list_references(referenceStoreId=store.id)["references"]:
        if reference["name"] == "not-ours":
            region.omics.delete_reference(referenceStoreId=store.id, id=reference["id"])
    jobs.delete(imported.id, imported.outs)  # leaves DELETING references for 1 s
    provider.delete(store.id, store.outs)  # waits for them, then deletes
    assert provider.read(store.id, store.outs).id is None
