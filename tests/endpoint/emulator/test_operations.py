"""Every reference-store operation of the local endpoint, through boto3 over real HTTP."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import time

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import LocalAws
from tests.support.fasta import bgzip_like, generate_fasta, simple_fai
from tests.support.polling import wait_until


def error_code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def import_files(aws: LocalAws, files: dict[str, bytes], **source_extra) -> tuple[str, dict]:
    """Upload `files` (name -> bytes), import them all in one job; (store id, finished job)."""
    bucket = aws.bucket()
    store = aws.omics.create_reference_store(name="store")["id"]
    sources = []
    for name, data in files.items():
        aws.s3.put_object(Bucket=bucket, Key=f"{name}.fa", Body=data)
        sources.append({"sourceFile": f"s3://{bucket}/{name}.fa", "name": name, **source_extra})
    job = aws.omics.start_reference_import_job(
        referenceStoreId=store, roleArn=aws.role(), sources=sources)
    assert job["status"] == "SUBMITTED"
    return store, aws.job(store, job["id"])


# -- reference stores ------------------------------------------------------------------------


def test_store_lifecycle_and_one_per_region(aws: LocalAws) -> None:
    created = aws.omics.create_reference_store(
        name="genomes", description="GRCh38 and friends", tags={"team": "platform"})
    assert created["arn"].endswith(f":referenceStore/{created['id']}")
    assert f":{aws.region}:" in created["arn"]
    got = aws.omics.get_reference_store(id=created["id"])
    assert (got["name"], got["description"]) == ("genomes", "GRCh38 and friends")
    assert "sseConfig" not in got  # only when one was given, as in AWS's examples
    listed = aws.omics.list_reference_stores(filter={"name": "genomes"})["referenceStores"]
    assert [s["id"] for s in listed] == [created["id"]]
    assert aws.omics.list_tags_for_resource(resourceArn=created["arn"])["tags"] == {"team": "platform"}

    with pytest.raises(ClientError) as excinfo:
        aws.omics.create_reference_store(name="second")
    assert error_code(excinfo) == "ServiceQuotaExceededException"
    assert created["id"] in str(excinfo.value)

    aws.omics.delete_reference_store(id=created["id"])
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference_store(id=created["id"])
    assert error_code(excinfo) == "ResourceNotFoundException"
    assert created["id"] in str(excinfo.value)


def test_store_client_token_is_idempotent(aws: LocalAws) -> None:
    first = aws.omics.create_reference_store(name="genomes", clientToken="store-token")
    again = aws.omics.create_reference_store(name="genomes", clientToken="store-token")
    assert again["id"] == first["id"]
    # Reused with other parameters: the original store (default), or ConflictException when told.
    reused = aws.omics.create_reference_store(name="other", clientToken="store-token")
    assert (reused["id"], reused["name"]) == (first["id"], "genomes")
    aws.controls(token_reuse="conflict")
    with pytest.raises(ClientError) as excinfo:
        aws.omics.create_reference_store(name="other", clientToken="store-token")
    assert error_code(excinfo) == "ConflictException"


def test_store_with_references_cannot_be_deleted(aws: LocalAws) -> None:
    store, _job = import_files(aws, {"small": generate_fasta(1)})
    with pytest.raises(ClientError) as excinfo:
        aws.omics.delete_reference_store(id=store)
    assert error_code(excinfo) == "ConflictException"
    assert "1 reference" in str(excinfo.value)


# -- imports: the work is real ---------------------------------------------------------------


@pytest.mark.parametrize("encode", [
    pytest.param(lambda data: data, id="plain"),
    pytest.param(gzip.compress, id="gzip"),
    pytest.param(bgzip_like, id="bgzip"),
])
def test_import_md5_index_and_bytes(aws: LocalAws, encode) -> None:
    fasta = generate_fasta(seed=7, contigs=6, width=60)
    uploaded = encode(fasta)
    store, job = import_files(aws, {"genome-a": uploaded})
    assert job["status"] == "COMPLETED", job
    [source] = job["sources"]
    assert source["status"] == "FINISHED"
    meta = aws.omics.get_reference_metadata(referenceStoreId=store, id=source["referenceId"])
    assert meta["md5"] == hashlib.md5(uploaded).hexdigest()
    assert meta["status"] == "ACTIVE" and meta["creationJobId"] == job["id"]
    assert meta["files"]["source"]["contentLength"] == len(uploaded)
    assert aws.read_file(store, source["referenceId"], "SOURCE") == uploaded
    assert aws.read_file(store, source["referenceId"], "INDEX") == simple_fai(fasta)


def test_sequence_names_are_indexed_as_their_bytes(aws: LocalAws) -> None:
    # Latin-1 names, as older tools write them: not UTF-8, and different only in those bytes.
    fasta = b">chr\xe91 first\nACGT\n>chr\xe81 second\nAC\n>chr\xc3\xa9 utf-8\nGG\n"
    store, job = import_files(aws, {"latin1": fasta, "twice": b">chr\xe91\nAC\n>chr\xe91\nGT\n"})
    assert [s["status"] for s in job["sources"]] == ["FINISHED", "FAILED"], job
    index = aws.read_file(store, job["sources"][0]["referenceId"], "INDEX")
    assert index == simple_fai(fasta)
    assert [line.split(b"\t")[0] for line in index.splitlines()] == [b"chr\xe91", b"chr\xe81", b"chr\xc3\xa9"]
    assert job["sources"][1]["statusMessage"] == (
        r"not valid FASTA: duplicate sequence name 'chr\xe91' at line 3")


def test_get_reference_range_and_parts(aws: LocalAws) -> None:
    fasta = generate_fasta(seed=3)
    store, job = import_files(aws, {"ranged": fasta})
    reference = job["sources"][0]["referenceId"]
    assert aws.read_file(store, reference, "SOURCE", range="5-24") == fasta[5:25]
    assert aws.read_file(store, reference, "SOURCE", range="-10") == fasta[-10:]
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference(referenceStoreId=store, id=reference, partNumber=2)
    assert error_code(excinfo) == "RangeNotSatisfiableException"
    with pytest.raises(ClientError) as excinfo:
        aws.read_file(store, reference, "SOURCE", range=f"{len(fasta) + 5}-")
    assert error_code(excinfo) == "RangeNotSatisfiableException"
    with pytest.raises(ClientError) as excinfo:  # the model's pattern allows no letters
        aws.read_file(store, reference, "SOURCE", range="bytes=0-9")
    assert error_code(excinfo) == "ValidationException"


def test_bad_sources_fail_with_their_reason(aws: LocalAws) -> None:
    store, job = import_files(aws, {
        "good": generate_fasta(2),
        "illegal": b">x\nACGT\nACJT\n",
        "dupes": b">x\nAC\n>x\nGT\n",
        "noheader": b"ACGT\n",
    })
    assert job["status"] == "COMPLETED_WITH_FAILURES"
    messages = {s["name"]: s.get("statusMessage", "") for s in job["sources"]}
    assert messages["good"] == ""
    assert "'J'" in messages["illegal"] and "line 3" in messages["illegal"]
    assert "duplicate sequence name 'x'" in messages["dupes"]
    assert "header" in messages["noheader"]
    assert all(len(m) <= 127 for m in messages.values())
    names = [r["name"] for r in aws.omics.list_references(referenceStoreId=store)["references"]]
    assert names == ["good"]


def test_missing_source_object_fails_the_job(aws: LocalAws) -> None:
    bucket = aws.bucket()
    store = aws.omics.create_reference_store(name="store")["id"]
    job = aws.omics.start_reference_import_job(
        referenceStoreId=store, roleArn=aws.role(),
        sources=[{"sourceFile": f"s3://{bucket}/nope.fa", "name": "nope"}])
    done = aws.job(store, job["id"])
    assert done["status"] == "FAILED"
    assert done["sources"][0]["statusMessage"] == f"s3://{bucket}/nope.fa does not exist"


@pytest.mark.parametrize("trust, expected", [
    pytest.param(None, "does not exist", id="missing-role"),
    pytest.param({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}, "does not trust omics.amazonaws.com", id="wrong-trust"),
])
def test_service_role_must_exist_and_trust_omics(aws: LocalAws, trust, expected) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(4))
    role = aws.role(trust) if trust else "arn:aws:iam::123456789012:role/not-there"
    store = aws.omics.create_reference_store(name="store")["id"]
    job = aws.omics.start_reference_import_job(
        referenceStoreId=store, roleArn=role,
        sources=[{"sourceFile": f"s3://{bucket}/g.fa", "name": "genome"}])
    done = aws.job(store, job["id"])
    assert done["status"] == "FAILED"
    assert expected in done["statusMessage"]
    assert expected in done["sources"][0]["statusMessage"]


@pytest.mark.parametrize("change", [("arn:aws:", "arn:aws-cn:"), (":123456789012:", ":999999999999:")],
                         ids=["partition", "account"])
def test_a_role_of_another_account_or_partition_is_not_passed(aws: LocalAws, change: tuple[str, str]) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(5))
    role = aws.role().replace(*change)  # a role of this name exists, but in this account and partition
    store = aws.omics.create_reference_store(name="store")["id"]
    with pytest.raises(ClientError) as excinfo:
        aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=role, sources=[
            {"sourceFile": f"s3://{bucket}/g.fa", "name": "genome"}])
    assert error_code(excinfo) == "AccessDeniedException"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert excinfo.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::123456789012:root is not authorized to perform: iam:PassRole on resource: {role}")
    assert aws.omics.list_reference_import_jobs(referenceStoreId=store)["importJobs"] == []


def test_a_role_arn_with_another_path_names_no_role(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(6))
    role = aws.role().replace(":role/", ":role/service-role/")
    with pytest.raises(ClientError) as excinfo:
        aws.iam.simulate_principal_policy(PolicySourceArn=role, ActionNames=["s3:GetObject"])
    assert error_code(excinfo) == "NoSuchEntity"
    store = aws.omics.create_reference_store(name="store")["id"]
    job = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=role, sources=[
        {"sourceFile": f"s3://{bucket}/g.fa", "name": "genome"}])
    done = aws.job(store, job["id"])
    assert done["status"] == "FAILED"
    assert done["sources"][0]["statusMessage"] == f"service role {role} does not exist in IAM"
    assert aws.omics.list_references(referenceStoreId=store)["references"] == []


def test_client_token_returns_same_job_or_conflicts(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(5))
    store = aws.omics.create_reference_store(name="store")["id"]
    request = {"referenceStoreId": store, "roleArn": aws.role(), "clientToken": "job-token",
               "sources": [{"sourceFile": f"s3://{bucket}/g.fa", "name": "genome"}]}
    first = aws.omics.start_reference_import_job(**request)
    aws.job(store, first["id"])
    again = aws.omics.start_reference_import_job(**request)
    assert again["id"] == first["id"] and again["status"] == "COMPLETED"
    changed = {**request, "sources": [{**request["sources"][0], "description": "changed"}]}
    assert aws.omics.start_reference_import_job(**changed)["id"] == first["id"]  # the original job
    aws.controls(token_reuse="conflict")
    with pytest.raises(ClientError) as excinfo:
        aws.omics.start_reference_import_job(**changed)
    assert error_code(excinfo) == "ConflictException"
    assert first["id"] in str(excinfo.value)
    jobs = aws.omics.list_reference_import_jobs(referenceStoreId=store)["importJobs"]
    assert len(jobs) == 1



def test_the_time_scale_runs_every_wait_the_controls_set_that_many_times_faster(aws: LocalAws) -> None:
    """At time_scale 100: an import of 30 s lasts 0.3 s, a token remembered 10 s is forgotten
    after 0.1 s, a job invisible for 100 s shows after 1 s, a reference DELETING for 100 s goes
    after 1 s (each still seen in its state first)."""
    aws.controls(time_scale=100, import_seconds=30, token_memory_seconds=10, job_invisible_seconds=100,
                 delete_seconds=100)
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(61))
    store = aws.omics.create_reference_store(name="store")["id"]
    request = {"referenceStoreId": store, "roleArn": aws.role(), "clientToken": "scaled",
               "sources": [{"sourceFile": f"s3://{bucket}/g.fa", "name": "genome"}]}
    started = time.monotonic()
    job = aws.omics.start_reference_import_job(**request)
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference_import_job(referenceStoreId=store, id=job["id"])
    assert error_code(excinfo) == "ResourceNotFoundException"
    wait_until(lambda: job["id"] in [j["id"] for j in aws.omics.list_reference_import_jobs(
        referenceStoreId=store)["importJobs"]], timeout=10, what="the job showing")
    done = aws.job(store, job["id"], timeout=10)
    assert done["status"] == "COMPLETED" and 1.0 <= time.monotonic() - started < 10
    assert aws.omics.start_reference_import_job(**request)["id"] != job["id"]  # the token was forgotten
    reference = done["sources"][0]["referenceId"]
    aws.omics.delete_reference(referenceStoreId=store, id=reference)
    deleting = time.monotonic()
    assert aws.omics.get_reference_metadata(referenceStoreId=store, id=reference)["status"] == "DELETING"
    aws.references_settled(store, timeout=10)
    assert 1.0 <= time.monotonic() - deleting < 10

def test_list_jobs_filters_and_pages(aws: LocalAws) -> None:
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(8))
    store = aws.omics.create_reference_store(name="store")["id"]
    role = aws.role()
    ids = []
    for n, file in enumerate(["g.fa", "absent.fa", "g.fa"]):
        job = aws.omics.start_reference_import_job(
            referenceStoreId=store, roleArn=role,
            sources=[{"sourceFile": f"s3://{bucket}/{file}", "name": f"genome-{n}"}])
        aws.job(store, job["id"])
        ids.append(job["id"])
    page = aws.omics.list_reference_import_jobs(referenceStoreId=store, maxResults=2)
    rest = aws.omics.list_reference_import_jobs(
        referenceStoreId=store, maxResults=2, nextToken=page["nextToken"])
    assert [j["id"] for j in page["importJobs"] + rest["importJobs"]] == ids
    assert "nextToken" not in rest
    failed = aws.omics.list_reference_import_jobs(referenceStoreId=store, filter={"status": "FAILED"})
    assert [j["id"] for j in failed["importJobs"]] == [ids[1]]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    later = aws.omics.list_reference_import_jobs(referenceStoreId=store, filter={"createdAfter": future})
    assert later["importJobs"] == []


# -- references: listing, tags, deletion -----------------------------------------------------


def test_list_references_filters_and_pages(aws: LocalAws) -> None:
    files = {f"genome-{n}": generate_fasta(20 + n) for n in range(3)}
    store, _job = import_files(aws, files)
    refs = aws.omics.list_references(referenceStoreId=store)["references"]
    assert sorted(r["name"] for r in refs) == sorted(files)
    md5 = hashlib.md5(files["genome-1"]).hexdigest()
    by_md5 = aws.omics.list_references(referenceStoreId=store, filter={"md5": md5})["references"]
    assert [r["name"] for r in by_md5] == ["genome-1"]
    by_name = aws.omics.list_references(referenceStoreId=store, filter={"name": "genome-2"})
    assert [r["md5"] for r in by_name["references"]] == [hashlib.md5(files["genome-2"]).hexdigest()]
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    assert aws.omics.list_references(
        referenceStoreId=store, filter={"createdBefore": past})["references"] == []
    first = aws.omics.list_references(referenceStoreId=store, maxResults=2)
    second = aws.omics.list_references(referenceStoreId=store, maxResults=2, nextToken=first["nextToken"])
    assert len(first["references"]) == 2 and len(second["references"]) == 1
    with pytest.raises(ClientError) as excinfo:  # a token serves the request it came from only
        aws.omics.list_references(referenceStoreId=store, maxResults=2, nextToken=first["nextToken"],
                                  filter={"name": "genome-2"})
    assert error_code(excinfo) == "ValidationException" and "another request" in str(excinfo.value)


def test_source_tags_land_on_references_and_can_change(aws: LocalAws) -> None:
    store, job = import_files(aws, {"tagged": generate_fasta(9)}, tags={"genome": "test", "v": "1"})
    reference = aws.omics.get_reference_metadata(
        referenceStoreId=store, id=job["sources"][0]["referenceId"])
    assert aws.omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"] == {
        "genome": "test", "v": "1"}
    aws.omics.tag_resource(resourceArn=reference["arn"], tags={"v": "2", "owner": "me"})
    aws.omics.untag_resource(resourceArn=reference["arn"], tagKeys=["genome"])
    assert aws.omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"] == {
        "v": "2", "owner": "me"}
    with pytest.raises(ClientError) as excinfo:
        aws.omics.list_tags_for_resource(resourceArn=reference["arn"] + "9")
    assert error_code(excinfo) == "ResourceNotFoundException"


def test_delete_reference_goes_through_deleting(aws: LocalAws) -> None:
    aws.controls(delete_seconds=0.5)
    store, job = import_files(aws, {"doomed": generate_fasta(10)})
    reference = job["sources"][0]["referenceId"]
    aws.omics.delete_reference(referenceStoreId=store, id=reference)
    meta = aws.omics.get_reference_metadata(referenceStoreId=store, id=reference)
    assert meta["status"] == "DELETING"
    assert aws.references_settled(store) == []
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference_metadata(referenceStoreId=store, id=reference)
    assert error_code(excinfo) == "ResourceNotFoundException"
    aws.omics.delete_reference_store(id=store)  # now empty


def test_reference_is_not_reachable_through_another_store(aws: LocalAws, endpoint) -> None:
    store, job = import_files(aws, {"mine": generate_fasta(11)})
    reference = job["sources"][0]["referenceId"]
    other = LocalAws(endpoint.url, aws.region + "-other")
    other_store = other.omics.create_reference_store(name="other")["id"]
    for call in (other.omics.get_reference_metadata, other.omics.delete_reference):
        with pytest.raises(ClientError) as excinfo:
            call(referenceStoreId=other_store, id=reference)
        assert error_code(excinfo) == "ResourceNotFoundException"
    assert aws.omics.get_reference_metadata(referenceStoreId=store, id=reference)["status"] == "ACTIVE"


# -- validation from the service model -------------------------------------------------------

TAGS_50 = {f"k{n}": "v" for n in range(50)}
TAGS_51 = {**TAGS_50, "k50": "v"}
VALIDATION_CASES = [
    pytest.param({"sources": [{"sourceFile": "http://bucket/key.fa", "name": "genome"}]},
                 "sources[0].sourceFile: must match the pattern", id="http-uri"),
    pytest.param({"sources": [{"sourceFile": "s3://bucket/key.fa", "name": "ab"}]},
                 "sources[0].name: must have 3 to 255 characters (has 2)", id="short-name"),
    pytest.param({"sources": [{"sourceFile": "s3://bucket/k.fa", "name": f"g{n:03}"} for n in range(101)]},
                 "sources: must have 1 to 100 items (has 101)", id="101-sources"),
    pytest.param({"sources": []}, "sources: must have 1 to 100 items (has 0)", id="no-sources"),
    pytest.param({"roleArn": "role/x"}, "roleArn: must have 20 to 2048 characters", id="short-role"),
    pytest.param({"sources": [{"sourceFile": "s3://bucket/k.fa"}]}, "sources[0].name: is required",
                 id="missing-name"),
    pytest.param({"clientToken": "x" * 128}, "clientToken: must have 1 to 127 characters", id="long-token"),
    pytest.param({"sources": [{"sourceFile": "s3://bucket/k.fa", "name": "same"},
                              {"sourceFile": "s3://bucket/j.fa", "name": "same"}]},
                 "names must be unique within a job", id="duplicate-names"),
    pytest.param({"sources": [{"sourceFile": "s3://bucket/k.fa", "name": "genome", "tags": TAGS_51}]},
                 "sources[0].tags: must have at most 50 entries (has 51)", id="51-source-tags"),
]


@pytest.mark.parametrize("change, message", VALIDATION_CASES)
def test_start_import_validation(aws: LocalAws, change: dict, message: str) -> None:
    store = aws.omics.create_reference_store(name="store")["id"]
    request = {"referenceStoreId": store, "roleArn": "arn:aws:iam::123456789012:role/some-role",
               "sources": [{"sourceFile": "s3://bucket/key.fa", "name": "genome"}], **change}
    with pytest.raises(ClientError) as excinfo:
        aws.omics.start_reference_import_job(**request)
    assert error_code(excinfo) == "ValidationException"
    assert message in str(excinfo.value)
    assert aws.omics.list_reference_import_jobs(referenceStoreId=store)["importJobs"] == []


def test_tags_are_counted_wherever_they_are_given(aws: LocalAws) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.omics.create_reference_store(name="store", tags=TAGS_51)
    assert error_code(excinfo) == "ValidationException"
    assert excinfo.value.response["Error"]["Message"] == "tags: must have at most 50 entries (has 51)"
    assert aws.omics.list_reference_stores()["referenceStores"] == []
    store = aws.omics.create_reference_store(name="store", tags=TAGS_50)
    assert len(aws.omics.list_tags_for_resource(resourceArn=store["arn"])["tags"]) == 50
    with pytest.raises(ClientError) as excinfo:  # the model's own count, per request
        aws.omics.tag_resource(resourceArn=store["arn"], tags=TAGS_51)
    assert excinfo.value.response["Error"]["Message"] == "tags: must have 0 to 50 entries (has 51)"
    with pytest.raises(ClientError) as excinfo:  # and the resource's total
        aws.omics.tag_resource(resourceArn=store["arn"], tags={"one-more": "v"})
    assert error_code(excinfo) == "ServiceQuotaExceededException"

    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="g.fa", Body=generate_fasta(7))
    job = aws.omics.start_reference_import_job(referenceStoreId=store["id"], roleArn=aws.role(), sources=[
        {"sourceFile": f"s3://{bucket}/g.fa", "name": "genome", "tags": TAGS_50}])
    reference = aws.job(store["id"], job["id"])["sources"][0]["referenceId"]
    arn = f"{store['arn']}/reference/{reference}"
    assert aws.omics.list_tags_for_resource(resourceArn=arn)["tags"] == TAGS_50


def test_ids_are_validated(aws: LocalAws) -> None:
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference_store(id="12")
    assert error_code(excinfo) == "ValidationException"
    assert "id: must have 10 to 36 characters" in str(excinfo.value)
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference_store(id="abcdefghijk")
    assert "id: must match the pattern [0-9]+" in str(excinfo.value)


# -- controls: faults and call counts --------------------------------------------------------


def test_injected_faults_and_call_counts(aws: LocalAws) -> None:
    before = aws.calls()["calls"].get("ListReferenceStores", 0)
    aws.controls(throttle_rate=1.0)
    with pytest.raises(ClientError) as excinfo:
        aws.omics.list_reference_stores()
    assert error_code(excinfo) == "ThrottlingException"
    aws.controls(throttle_rate=0.0, error_rate=1.0)
    with pytest.raises(ClientError) as excinfo:
        aws.omics.list_reference_stores()
    assert error_code(excinfo) == "InternalServerException"
    aws.controls(error_rate=0.0, latency_ms=200)
    started = time.monotonic()
    aws.omics.list_reference_stores()
    assert time.monotonic() - started >= 0.2
    counts = aws.calls()
    assert counts["calls"]["ListReferenceStores"] == before + 3
    assert counts["errors"]["ListReferenceStores:ThrottlingException"] >= 1


def test_bad_control_is_refused(aws: LocalAws) -> None:
    with pytest.raises(Exception, match="400"):
        aws.controls(throttle_rate=2)


def test_get_reference_of_a_deleting_reference_answers_a_modelled_error(aws: LocalAws) -> None:
    """GetReference models no ConflictException: a reference being deleted is not found."""
    aws.controls(delete_seconds=30)
    store, job = import_files(aws, {"going": generate_fasta(seed=4)})
    reference = job["sources"][0]["referenceId"]
    aws.omics.delete_reference(referenceStoreId=store, id=reference)
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference(referenceStoreId=store, id=reference, partNumber=1)
    assert error_code(excinfo) == "ResourceNotFoundException" and "DELETING" in str(excinfo.value)
    assert "ResourceNotFoundException" in [e.name for e in aws.omics.meta.service_model.operation_model(
        "GetReference").error_shapes]


def test_an_import_reads_exactly_its_key(aws: LocalAws) -> None:
    bucket = aws.bucket()
    store = aws.omics.create_reference_store(name="store")["id"]
    files = {"a/b.fa": generate_fasta(31), "a/./b.fa": generate_fasta(32), "a//b.fa": generate_fasta(33),
             "a/" + "s" * 300 + ".fa": generate_fasta(34)}
    for key, data in files.items():
        aws.s3.put_object(Bucket=bucket, Key=key, Body=data)
    job = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=aws.role(), sources=[
        {"sourceFile": f"s3://{bucket}/{key}", "name": f"genome-{n}"} for n, key in enumerate(files)])
    done = aws.job(store, job["id"])
    assert done["status"] == "COMPLETED", done
    for source, data in zip(done["sources"], files.values(), strict=True):
        assert aws.read_file(store, source["referenceId"], "SOURCE") == data
