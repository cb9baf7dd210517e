"""check and diff: the case tables. check makes no API call for syntax errors."""

from __future__ import annotations

import base64
import copy

import pytest
from pulumi.dynamic.dynamic import serialize_provider
from pulumi.output import Unknown

from omics_provider.import_job import ReferenceImportJob, ReferenceImportJobProvider
from omics_provider.reference_store import ReferenceStoreProvider
from omics_provider.settings import ConnectionSettings

STORE = "1234567890"
ROLE = "arn:aws:iam::123456789012:role/omics-import"
GOOD = {
    "reference_store_id": STORE, "role_arn": ROLE, "client_token": "fixed-token",
    "sources": [{"name": "genome-a", "source_file": "s3://bucket-a/a.fa", "description": "A",
                 "tags": {"k": "v"}}],
}


def with_change(path: str, value: object) -> dict:
    props = copy.deepcopy(GOOD)
    target, *rest = path.split(".")
    if rest:
        props["sources"][0][rest[0]] = value
    else:
        props[target] = value
    return props


CHECK_CASES = [
    pytest.param("sources.source_file", "http://bucket/a.fa", "sources[0].source_file", "must match the pattern",
                 id="http-uri"),
    pytest.param("sources.source_file", "s3://ab/", "sources[0].source_file", "must match the pattern",
                 id="no-key"),
    pytest.param("sources.name", "ab", "sources[0].name", "must have 3 to 255 characters (has 2)", id="2-letters"),
    pytest.param("sources.name", "x" * 256, "sources[0].name", "must have 3 to 255 characters (has 256)",
                 id="256-letters"),
    pytest.param("sources.description", "", "sources[0].description", "must have 1 to 255 characters",
                 id="empty-description"),
    pytest.param("sources.tags", {f"k{n}": "v" for n in range(50)}, "sources[0].tags",
                 "must have at most 49 tags (has 50; the 50th is the owner mark)", id="50-tags"),
    pytest.param("sources.tags", {"omics-references:owner": "x"}, "sources[0].tags",
                 "'omics-references:owner' is reserved for the owner mark", id="reserved-tag"),
    pytest.param("sources.tags", {"k" * 129: "v"}, "sources[0].tags key", "must have 1 to 128 characters",
                 id="long-tag-key"),
    pytest.param("sources", [], "sources", "must have 1 to 100 items (has 0)", id="no-sources"),
    pytest.param("sources", [{"name": f"genome-{n}", "source_file": "s3://bucket-a/a.fa"} for n in range(101)],
                 "sources", "must have 1 to 100 items (has 101)", id="101-sources"),
    pytest.param("sources", [{"name": "same-name", "source_file": "s3://bucket-a/a.fa"}] * 2,
                 "sources[0].name", "used by more than one source", id="duplicate-names"),
    pytest.param("sources", "not-a-list", "sources", "must be a list", id="wrong-type"),
    pytest.param("reference_store_id", "12345", "reference_store_id", "must have 10 to 36 characters",
                 id="short-store"),
    pytest.param("reference_store_id", "abcdefghijk", "reference_store_id", "must match the pattern [0-9]+",
                 id="store-not-digits"),
    pytest.param("role_arn", "role/omics", "role_arn", "must have 20 to 2048 characters", id="short-role"),
    pytest.param("role_arn", "not-an-arn-but-long-enough", "role_arn", "must match the pattern arn:.*",
                 id="role-not-arn"),
    pytest.param("client_token", "t" * 128, "client_token", "must have 1 to 127 characters", id="long-token"),
    pytest.param("wait_timeout_seconds", -1, "wait_timeout_seconds", "must be a number above 0",
                 id="negative-timeout"),
    pytest.param("sources.name", None, "sources[0].name", "is required", id="missing-name"),
]


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any API call would fail: nothing listens at this endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.mark.parametrize("path, value, field, rule", CHECK_CASES)
def test_check_names_the_field_and_rule(no_aws, path: str, value: object, field: str, rule: str) -> None:
    failures = ReferenceImportJobProvider().check({}, with_change(path, value)).failures
    assert any(f.property.startswith(field) and rule in f.reason for f in failures), [
        (f.property, f.reason) for f in failures]


def test_check_reports_every_problem_at_once(no_aws) -> None:
    props = {"reference_store_id": "1", "role_arn": "x", "sources": [
        {"name": "ab", "source_file": "ftp://x"}, {"name": "genome", "source_file": "s3://bucket-a/b.fa"}]}
    failures = {f.property for f in ReferenceImportJobProvider().check({}, props).failures}
    assert failures == {"reference_store_id", "role_arn", "sources[0].name", "sources[0].source_file"}


def test_check_skips_unknown_values(no_aws) -> None:
    props = {**GOOD, "reference_store_id": Unknown()}
    result = ReferenceImportJobProvider().check({}, props)
    assert result.failures == []


def test_store_check(no_aws) -> None:
    failures = ReferenceStoreProvider().check({}, {"name": "", "tags": {f"k{n}": "v" for n in range(51)}}).failures
    assert {(f.property, f.reason.split(" (")[0]) for f in failures} >= {
        ("name", "must have 1 to 127 characters"), ("tags", "must have at most 50 tags")}


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


def test_region_is_checked(no_aws) -> None:
    failures = ReferenceImportJobProvider().check({}, {**GOOD, "region": "Frankfurt"}).failures
    assert [(f.property, f.reason.split(" (")[0]) for f in failures] == [
        ("region", "must be an AWS Region such as eu-west-1")]


def test_diff_after_refresh_shows_deleted_reference() -> None:
    olds = outputs_for(GOOD)
    olds["sources"][0]["status"] = "DELETED"
    assert ReferenceImportJobProvider().diff("1111111111", olds, news()).replaces == ["sources"]


def test_pickled_provider_is_a_short_import_path_without_credentials(monkeypatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "SECRETSECRETSECRET")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "SESSIONTOKENVALUE")
    provider = ReferenceImportJobProvider()
    provider.check({}, GOOD)  # used, as in the program process
    pickled = base64.b64decode(serialize_provider(provider))  # what goes into `__provider`
    assert len(pickled) < 300, len(pickled)
    assert b"omics_provider.import_job" in pickled and b"ReferenceImportJobProvider" in pickled
    for secret in (b"SECRETSECRETSECRET", b"SESSIONTOKENVALUE", b"testing"):
        assert secret not in pickled
    assert ReferenceImportJob.__module__ == "omics_provider.import_job"
