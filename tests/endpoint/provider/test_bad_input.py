"""Bad input: every field's limits at and beyond the edge (refused by check, with no API call),
malformed FASTA (refused by the endpoint per source), and missing objects and bad roles. Each
message names the field or record and the rule; nothing is left behind."""

from __future__ import annotations

import gzip
import json
import tracemalloc

import pytest

from omics_emulator.fasta import FastaIndexer
from omics_provider.errors import AccessDenied, ImportFailed
from omics_provider.import_job import ReferenceImportJobProvider
from omics_provider.reference_store import ReferenceStoreProvider
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta

STORE, ROLE = "1234567890", "arn:aws:iam::123456789012:role/omics-import"
SOURCE = {"name": "genome", "source_file": "s3://bucket-a/a.fa"}


def job(**changes) -> dict:
    source = {**SOURCE, **changes.pop("source", {})}
    return {"reference_store_id": STORE, "role_arn": ROLE, "client_token": "t", "sources": [source], **changes}


# (inputs, field, rule substring or None when the value is at the edge and must pass)
JOB_CASES = [
    ("name-3", job(source={"name": "abc"}), "sources[0].name", None),
    ("name-2", job(source={"name": "ab"}), "sources[0].name", "3 to 255 characters (has 2)"),
    ("name-255", job(source={"name": "n" * 255}), "sources[0].name", None),
    ("name-256", job(source={"name": "n" * 256}), "sources[0].name", "3 to 255 characters (has 256)"),
    ("name-control-char", job(source={"name": "bad\x00name"}), "sources[0].name", "must match the pattern"),
    ("name-number", job(source={"name": 12345}), "sources[0].name", "must be a string"),
    ("name-missing", job(source={"name": None}), "sources[0].name", "is required"),
    ("description-1", job(source={"description": "d"}), "sources[0].description", None),
    ("description-empty", job(source={"description": ""}), "sources[0].description", "1 to 255"),
    ("description-255", job(source={"description": "d" * 255}), "sources[0].description", None),
    ("description-256", job(source={"description": "d" * 256}), "sources[0].description", "1 to 255"),
    ("file-http", job(source={"source_file": "http://bucket-a/a.fa"}), "sources[0].source_file", "pattern"),
    ("file-no-key", job(source={"source_file": "s3://bucket-a/"}), "sources[0].source_file", "pattern"),
    ("file-short-bucket", job(source={"source_file": "s3://ab/a.fa"}), "sources[0].source_file", "pattern"),
    ("file-upper-bucket", job(source={"source_file": "s3://Bucket/a.fa"}), "sources[0].source_file", "pattern"),
    ("file-key-1024", job(source={"source_file": "s3://bucket-a/" + "k" * 1024}), "sources[0].source_file", None),
    ("file-key-1025", job(source={"source_file": "s3://bucket-a/" + "k" * 1025}), "sources[0].source_file",
     "pattern"),
    ("file-missing", job(source={"source_file": None}), "sources[0].source_file", "is required"),
    ("tags-49", job(source={"tags": {f"k{n}": "v" for n in range(49)}}), "sources[0].tags", None),
    ("tags-50", job(source={"tags": {f"k{n}": "v" for n in range(50)}}), "sources[0].tags",
     "must have at most 49 tags (has 50; the 50th is the owner mark)"),
    ("tag-owner-mark", job(source={"tags": {"omics-references:owner": "x"}}), "sources[0].tags",
     "'omics-references:owner' is reserved for the owner mark"),
    ("tag-key-128", job(source={"tags": {"k" * 128: "v"}}), "sources[0].tags", None),
    ("tag-key-129", job(source={"tags": {"k" * 129: "v"}}), "sources[0].tags key", "1 to 128"),
    ("tag-value-256", job(source={"tags": {"k": "v" * 256}}), "sources[0].tags", None),
    ("tag-value-257", job(source={"tags": {"k": "v" * 257}}), "sources[0].tags['k']", "0 to 256"),
    ("tags-not-map", job(source={"tags": ["a"]}), "sources[0].tags", "must be a map"),
    ("sources-1", job(), "sources", None),
    ("sources-0", job(sources=[]), "sources", "1 to 100 items (has 0)"),
    ("sources-100", job(sources=[{**SOURCE, "name": f"genome-{n}"} for n in range(100)]), "sources", None),
    ("sources-101", job(sources=[{**SOURCE, "name": f"genome-{n}"} for n in range(101)]), "sources",
     "1 to 100 items (has 101)"),
    ("sources-duplicate", job(sources=[SOURCE, SOURCE]), "sources[0].name", "more than one source"),
    ("sources-not-list", job(sources={"a": 1}), "sources", "must be a list"),
    ("source-not-map", job(sources=["s3://bucket-a/a.fa"]), "sources[0]", "must be an object"),
    ("store-10", job(reference_store_id="1" * 10), "reference_store_id", None),
    ("store-9", job(reference_store_id="1" * 9), "reference_store_id", "10 to 36 characters (has 9)"),
    ("store-36", job(reference_store_id="1" * 36), "reference_store_id", None),
    ("store-37", job(reference_store_id="1" * 37), "reference_store_id", "10 to 36 characters (has 37)"),
    ("store-letters", job(reference_store_id="12345abcde"), "reference_store_id", "pattern [0-9]+"),
    ("store-missing", job(reference_store_id=None), "reference_store_id", "is required"),
    ("role-20", job(role_arn="arn:" + "r" * 16), "role_arn", None),
    ("role-19", job(role_arn="arn:" + "r" * 15), "role_arn", "20 to 2048 characters (has 19)"),
    ("role-2049", job(role_arn="arn:" + "r" * 2045), "role_arn", "20 to 2048 characters (has 2049)"),
    ("role-not-arn", job(role_arn="role/omics-import-role"), "role_arn", "pattern arn:.*"),
    ("token-127", job(client_token="t" * 127), "client_token", None),
    ("token-128", job(client_token="t" * 128), "client_token", "1 to 127 characters (has 128)"),
    ("token-empty", job(client_token=""), "client_token", "1 to 127 characters (has 0)"),
    ("timeout-zero", job(wait_timeout_seconds=0), "wait_timeout_seconds", "above 0"),
    ("timeout-negative", job(wait_timeout_seconds=-1), "wait_timeout_seconds", "must be a number above 0"),
    ("timeout-text", job(wait_timeout_seconds="soon"), "wait_timeout_seconds", "above 0"),
    ("poll-negative", job(poll_initial_seconds=-1), "poll_initial_seconds", "above 0"),
    ("poll-max-bool", job(poll_max_seconds=True), "poll_max_seconds", "above 0"),
    ("region-eu-west-1", job(region="eu-west-1"), "region", None),
    ("region-a-city", job(region="Frankfurt"), "region", "must be an AWS Region such as eu-west-1"),
]

STORE_CASES = [
    ("store-name-1", {"name": "s"}, "name", None),
    ("store-name-empty", {"name": ""}, "name", "1 to 127"),
    ("store-name-127", {"name": "s" * 127}, "name", None),
    ("store-name-128", {"name": "s" * 128}, "name", "1 to 127"),
    ("store-name-missing", {"description": "x"}, "name", "is required"),
    ("store-description-256", {"name": "s", "description": "d" * 256}, "description", "1 to 255"),
    ("store-sse-type", {"name": "s", "sse_config": {"type": "AES"}}, "sse_config.type", "must be one of KMS"),
    ("store-sse-no-type", {"name": "s", "sse_config": {"key_arn": "arn:aws:kms:us-east-1:123456789012:key/k"}},
     "sse_config.type", "is required"),
    ("store-sse-bad-key", {"name": "s", "sse_config": {"type": "KMS", "key_arn": "not-a-key-arn-at-all"}},
     "sse_config.key_arn", "pattern"),
    ("store-tags-51", {"name": "s", "tags": {f"k{n}": "v" for n in range(51)}}, "tags", "at most 50 tags"),
    ("store-tag-key-129", {"name": "s", "tags": {"k" * 129: "v"}}, "tags key", "1 to 128"),
]


def failures_of(provider, props: dict) -> list[tuple[str, str]]:
    return [(f.property, f.reason) for f in provider.check({}, props).failures]


@pytest.mark.parametrize("provider, inputs, field, rule", [
    pytest.param(provider, *case[1:], id=case[0])
    for provider, cases in ((ReferenceImportJobProvider, JOB_CASES), (ReferenceStoreProvider, STORE_CASES))
    for case in cases
])
def test_limits(world: Sandbox, provider, inputs: dict, field: str, rule: str | None) -> None:
    world.aws.reset_calls()
    failures = failures_of(provider(), inputs)
    if rule is None:  # at the edge: no rule of the model is broken (pre-flight may still refuse it)
        assert [(f, r) for f, r in failures if r.startswith(("must ", "is required"))] == []
    else:
        assert any(f.startswith(field) and rule in r for f, r in failures), failures
        assert not any(world.aws.calls()[kind] for kind in ("calls", "s3_reads")), "refused with an API call"


# -- malformed FASTA, through the endpoint -----------------------------------------------------

GOOD = b">ok\nACGT\n"
FASTA_CASES = {
    "empty-file": (b"", "the file is empty"),
    "no-header": (b"ACGTACGT\n", "expected a '>' header before any sequence"),
    "header-without-name": (b">\nACGT\n", "header has no sequence name"),
    "empty-record": (b">a\n>b\nACGT\n", "record 'a' (line 1) has no sequence"),
    "header-only": (b">lonely", "record 'lonely' (line 1) has no sequence"),
    "illegal-letter": (b">a\nACGT\nACXT\n", "record 'a', line 3: 'X' is not a sequence letter"),
    "protein-letters": (b">p\nMEEPQSDPSV\n", "record 'p', line 2: 'E' is not a sequence letter"),
    "space-in-sequence": (b">a\nAC GT\n", "record 'a', line 2: ' ' is not a sequence letter"),
    "gt-mid-line": (b">a\nAC>GT\n", "record 'a', line 2: '>' is not a sequence letter"),
    "duplicate-names": (b">a\nAC\n>a\nGT\n", "duplicate sequence name 'a' at line 3"),
    "crlf": (b">a\r\nACGT\r\n", "line 1 ends in CRLF"),
    "crlf-in-sequence": (b">a\nACGT\r\nACGT\r\n", "line 2 ends in CRLF"),
    "cr-only": (b">a\rACGT\rACGT\r", "line 1 ends in a bare CR (CR line endings); convert the file to LF"),
    "cr-in-sequence": (b">a\nACGT\rACGT\r", "line 2 ends in a bare CR (CR line endings)"),
    "duplicate-non-utf8-names": (b">\xff\xfe1\nAC\n>\xff\xfe1\nGT\n", r"duplicate sequence name '\xff\xfe1' at line 3"),
    "longer-line": (b">a\nACG\nACGTA\n", "record 'a', line 3: lines differ in length (5 after 3)"),
    "short-line-mid-record": (b">a\nACGT\nAC\nACGT\n", "record 'a', line 4: lines differ in length"),
    "blank-line-mid-file": (b">a\nACGT\n\n>b\nACGT\n", "line 3 is blank"),
    "truncated-gzip": (gzip.compress(generate_fasta(5))[:-12], "the gzip stream is truncated"),
    "corrupt-gzip": (b"\x1f\x8b\x08\x00garbage-not-deflate" * 3, "the gzip stream is corrupt"),
    "binary": (bytes(range(256)), "expected a '>' header before any sequence"),
}


def test_malformed_fasta_each_fail_with_their_reason_and_leave_nothing(world: Sandbox) -> None:
    """Every case in one job at the endpoint (each source FAILED with its reason, the job FAILED,
    no reference made)."""
    sources = [{"name": name, "sourceFile": world.upload(f"{name}.fa", data)} for name, (data, _) in FASTA_CASES.items()]
    job = world.aws.omics.start_reference_import_job(referenceStoreId=world.store, roleArn=world.role, sources=sources)
    answer = world.aws.job(world.store, job["id"])
    assert answer["status"] == "FAILED"
    reasons = {s["name"]: s["statusMessage"] for s in answer["sources"]}
    for name, (_, reason) in FASTA_CASES.items():
        assert reason in reasons[name], (name, reasons[name])
    assert world.references() == []


def test_the_provider_names_each_malformed_source_and_leaves_nothing(world: Sandbox) -> None:
    """The provider's error names every failed source (a few cases: each costs the provider's
    paced ListReferences at check and at create)."""
    cases = ["empty-file", "no-header", "crlf-in-sequence"]
    sources = [{"name": name, "source_file": world.upload(f"{name}.fa", FASTA_CASES[name][0])} for name in cases]
    provider = ReferenceImportJobProvider()
    with pytest.raises(ImportFailed) as excinfo:
        provider.create(provider.check({}, world.props(sources)).inputs)
    for name in cases:
        assert f"{name}: not valid FASTA: " in str(excinfo.value) and FASTA_CASES[name][1] in str(excinfo.value)
    assert world.references() == []


def test_a_100mb_single_line_sequence_is_valid_and_streams() -> None:
    chunk = b"ACGT" * (1 << 18)  # 1 MiB; 100 of them make one line
    indexer = FastaIndexer()
    tracemalloc.start()
    try:
        indexer.feed(b">chrLong one line\n")
        for _ in range(100):
            indexer.feed(chunk)
        indexer.feed(b"\n")
        [entry] = indexer.finish()
        held = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (entry.name, entry.length, entry.line_bases) == (b"chrLong", 100 << 20, 100 << 20)
    assert held < 8 << 20, held  # a few chunks at most: nothing of the line was held


# -- sources and roles that cannot work --------------------------------------------------------


def test_missing_object_is_refused_at_check(world: Sandbox) -> None:
    uri = f"s3://{world.bucket}/not-uploaded.fa"
    failures = failures_of(ReferenceImportJobProvider(), world.props([{"name": "genome", "source_file": uri}]))
    assert failures == [("sources[0].source_file", f"{uri!r} does not exist in S3")]
    assert world.jobs() == []


def test_a_trailing_space_in_a_missing_source_file_shows_in_the_refusal(world: Sandbox) -> None:
    world.upload("ref.fa", generate_fasta(1))
    uri = f"s3://{world.bucket}/ref.fa "
    failures = failures_of(ReferenceImportJobProvider(), world.props([{"name": "genome", "source_file": uri}]))
    assert failures == [("sources[0].source_file", f"'s3://{world.bucket}/ref.fa ' does not exist in S3")]


@pytest.mark.parametrize("trust, expected", [
    pytest.param(None, "does not exist in IAM", id="no-such-role"),
    pytest.param({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                  "Principal": {"Service": "lambda.amazonaws.com"}}]}, "does not trust omics.amazonaws.com",
                 id="role-trusts-another-service"),
])
def test_an_unusable_role_is_refused_at_preview_and_fails_an_import_started_anyway(world: Sandbox, trust, expected) -> None:
    role = (world.aws.iam.create_role(RoleName="lambda-only", AssumeRolePolicyDocument=json.dumps(trust))
            ["Role"]["Arn"] if trust else "arn:aws:iam::123456789012:role/missing-role")
    name = role.rsplit("/", 1)[1]
    provider = ReferenceImportJobProvider()
    uri = world.upload("g.fa", generate_fasta(9))
    props = {**world.props([{"name": "genome", "source_file": uri}]), "role_arn": role}
    [failure] = provider.check({}, props).failures
    assert failure.property == "role_arn" and expected in failure.reason and name in failure.reason
    assert world.jobs() == []  # check started nothing

    # Where iam:GetRole cannot be asked, the service itself fails the job, naming the role.
    props = {**props, "resolved_client_token": "role-check-skipped"}
    with pytest.raises(ImportFailed) as excinfo:
        provider.create(props)
    assert expected in str(excinfo.value) and name in str(excinfo.value)
    assert world.references() == []


@pytest.mark.parametrize("change, differs, started_anyway", [
    pytest.param(("arn:aws:", "arn:aws-cn:"), "partition aws-cn (the role's is aws)", AccessDenied, id="partition"),
    pytest.param((":123456789012:", ":999999999999:"), "account 999999999999 (the role's is 123456789012)",
                 AccessDenied, id="account"),
    pytest.param((":role/", ":role/service-role/"), "path /service-role/ (the role's is /)", ImportFailed,
                 id="path"),
])
def test_a_role_arn_that_is_not_the_role_of_its_name_is_refused_naming_what_differs(
        world: Sandbox, change: tuple[str, str], differs: str, started_anyway: type) -> None:
    role = world.role.replace(*change)  # the sandbox's own role, trusting omics, named otherwise
    provider = ReferenceImportJobProvider()
    uri = world.upload("g.fa", generate_fasta(10))
    props = {**world.props([{"name": "genome", "source_file": uri}]), "role_arn": role}
    [failure] = provider.check({}, props).failures
    assert failure.property == "role_arn", failure
    assert failure.reason.startswith(f"role_arn {role} is not the role {role.rsplit('/', 1)[1]} that IAM holds")
    assert differs in failure.reason and f"set role_arn to {world.role}" in failure.reason, failure.reason
    assert world.jobs() == []

    # Started anyway: the service refuses to be passed another account's role, and finds no role
    # at a path the role is not in.
    with pytest.raises(started_anyway) as excinfo:
        provider.create({**props, "resolved_client_token": f"role-{change[1]}"})
    assert role in str(excinfo.value)
    assert world.references() == []
