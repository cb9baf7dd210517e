"""check as a whole (every problem at once, unknowns skipped), the diff table, and the pickled
provider. Each field's limits: tests/endpoint/provider/test_bad_input.py."""

from __future__ import annotations

import base64
import copy

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from omics_provider.aws.settings import ConnectionSettings
from omics_provider.import_job import ReferenceImportJob, ReferenceImportJobProvider
from omics_provider.reference_store import ReferenceStore, ReferenceStoreProvider

STORE = "1234567890"
ROLE = "arn:aws:iam::123456789012:role/omics-import"
GOOD = {
    "reference_store_id": STORE, "role_arn": ROLE, "client_token": "fixed-token",
    "sources": [{"name": "genome-a", "source_file": "s3://bucket-a/a.fa", "description": "A",
                 "tags": {"k": "v"}}],
}


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any API call would fail: nothing listens at this endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def test_check_reports_every_problem_at_once(no_aws) -> None:
    props = {"reference_store_id": "1", "role_arn": "x", "sources": [
        {"name": "ab", "source_file": "ftp://x"}, {"name": "genome", "source_file": "s3://bucket-a/b.fa"}]}
    failures = {f.property for f in ReferenceImportJobProvider().check({}, props).failures}
    assert failures == {"reference_store_id", "role_arn", "sources[0].name", "sources[0].source_file"}


def test_check_skips_unknown_values(no_aws) -> None:
    props = {**GOOD, "reference_store_id": Unknown()}
    result = ReferenceImportJobProvider().check({}, props)
    assert result.failures == []


def outputs_for(inputs: dict) -> dict:
    """What create would have stored: the inputs plus outputs."""
    checked = {**inputs, "resolved_client_token": inputs.get("client_token") or "derived"}
    sources = [{**s, "reference_id": "9876543210", "arn": "arn:x", "md5": "m", "status": "ACTIVE"}
               for s in checked["sources"]]
    return {**checked, "job_id": "1111111111", "status": "COMPLETED", "sources": sources}


def news(**changes: object) -> dict:
    props = copy.deepcopy(GOOD)
    source_changes = changes.pop("source", {})
    props["sources"][0].update(source_changes)
    props.update(changes)
    return {**props, "resolved_client_token": props.get("client_token") or "derived"}


DIFF_CASES = [
    pytest.param(news(), False, [], id="nothing-changed"),
    pytest.param(news(wait_timeout_seconds=99, poll_max_seconds=3), False, [], id="wait-settings-only"),
    pytest.param(news(source={"tags": {"k": "other"}}), True, [], id="tags-only"),
    pytest.param(news(source={"tags": None}), True, [], id="tags-removed"),
    pytest.param(news(reference_store_id="2222222222"), True, ["reference_store_id"], id="store"),
    pytest.param(news(role_arn=ROLE + "-2"), True, ["role_arn"], id="role"),
    pytest.param(news(client_token="other-token"), True, ["resolved_client_token"], id="token"),
    pytest.param(news(source={"name": "genome-b"}), True, ["sources"], id="name"),
    pytest.param(news(source={"source_file": "s3://bucket-a/b.fa"}), True, ["sources"], id="file"),
    pytest.param(news(source={"description": "B"}), True, ["sources"], id="description"),
    pytest.param(news(reference_store_id=Unknown()), True, ["reference_store_id"], id="store-unknown"),
    pytest.param(news(region="eu-west-1"), True, ["region"], id="region-set"),
    pytest.param(news(region="us-east-1"), False, [], id="region-set-to-the-stacks"),
]


@pytest.mark.parametrize("new, changes, replaces", DIFF_CASES)
def test_diff_table(new: dict, changes: bool, replaces: list[str]) -> None:
    provider = ReferenceImportJobProvider()
    provider.settings = ConnectionSettings(region="us-east-1")  # the stack's aws:region
    result = provider.diff("1111111111", outputs_for(GOOD), new)
    assert result.changes is changes
    assert sorted(result.replaces) == sorted(replaces)
    assert result.delete_before_replace is False


@pytest.mark.parametrize("old, new, replaced", [
    pytest.param(None, "us-east-1", False, id="explicit-equals-stack-region"),
    pytest.param("us-east-1", None, False, id="explicit-removed"),
    pytest.param("us-east-1", "eu-west-1", True, id="moved"),
])
def test_store_region_changes_replace_the_store(old, new, replaced: bool) -> None:
    provider = ReferenceStoreProvider()
    provider.settings = ConnectionSettings(region="us-east-1")
    store = {"name": "genomes", "store_id": "1234567890", "arn": "arn:x", "region": old}
    assert ("region" in provider.diff("1234567890", store, {"name": "genomes", "region": new}).replaces) is replaced


def test_diff_after_refresh_shows_deleted_reference() -> None:
    olds = outputs_for(GOOD)
    olds["sources"][0]["status"] = "DELETED"
    assert ReferenceImportJobProvider().diff("1111111111", olds, news()).replaces == ["sources"]


KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key id
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret
SESSION = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789"


@pytest.mark.parametrize("provider, props", [
    pytest.param(ReferenceImportJobProvider, GOOD, id="import-job"),
    pytest.param(ReferenceStoreProvider, {"name": "genomes"}, id="store"),
])
def test_a_pickled_provider_is_its_import_path_alone_without_credentials(
        no_aws, monkeypatch: pytest.MonkeyPatch, provider: type, props: dict) -> None:
    credentials = {"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": SESSION}
    for name, value in credentials.items():
        monkeypatch.setenv(name, value)
    used = provider()
    used.check({}, props)  # used, as in the program process
    pickled = base64.b64decode(serialize_provider(used))  # what goes into `__provider`
    assert len(pickled) < 100, pickled
    assert provider.__module__.encode() in pickled and provider.__name__.encode() in pickled
    for secret in credentials.values():
        assert secret.encode() not in pickled
    assert (ReferenceImportJob.__module__, ReferenceStore.__module__) == (
        "omics_provider.import_job", "omics_provider.reference_store")  # the paths states pickled
