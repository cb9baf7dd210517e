"""Where the endpoint follows AWS's documentation (request quotas, sseConfig, the 15 GB file
limit, protein FASTA, a running job's statusMessage), and the answers AWS does not document,
which the endpoint can give each way (busy store, reused token, access denied, time-outs, a
reference in use)."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import LocalAws, allow
from tests.support.fasta import generate_fasta

PROTEIN = b">sp|P04637|P53_HUMAN Cellular tumor antigen p53\nMEEPQSDPSVEPPLSQETFSDLWKLLPENNVLSPLPSQ\nAMDDLMLSPDDIEQWFTEDPGPDEAPRMPEAAPPVAP*\n"


def code(excinfo: pytest.ExceptionInfo) -> str:
    return excinfo.value.response["Error"]["Code"]


def start(aws: LocalAws, store: str, files: dict[str, bytes], role: str | None = None) -> dict:
    bucket = aws.bucket()
    sources = []
    for key, data in files.items():
        aws.s3.put_object(Bucket=bucket, Key=key, Body=data)
        sources.append({"sourceFile": f"s3://{bucket}/{key}", "name": key.replace(".", "-")})
    return aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=role or aws.role(), sources=sources)


def test_request_quotas_throttle_past_the_documented_rate_per_operation_and_region(aws: LocalAws) -> None:
    aws.controls(request_quotas=True)
    store = aws.omics.create_reference_store(name="quotas")["id"]
    with pytest.raises(ClientError) as excinfo:
        for _ in range(7):  # GetReferenceStore allows 5 per second
            aws.omics.get_reference_store(id=store)
    assert code(excinfo) == "ThrottlingException" and "5 requests per second" in str(excinfo.value)
    other_region = LocalAws(aws.url, aws.region + "-2", attempts=1)
    with pytest.raises(ClientError) as excinfo:  # another Region has its own quota
        other_region.omics.get_reference_store(id=store)
    assert code(excinfo) == "ResourceNotFoundException"
    aws.controls(request_quotas=False)
    for _ in range(12):
        aws.omics.get_reference_store(id=store)


def answered(calls: list) -> list[str]:
    """Make each call in turn: "ok", or the error code it was answered with."""
    answers = []
    for call in calls:
        try:
            call()
            answers.append("ok")
        except ClientError as exc:
            answers.append(exc.response["Error"]["Code"])
    return answers


@pytest.mark.parametrize("quota", ["shared", "per_operation"])
def test_the_import_job_operations_share_one_quota_row_by_default(aws: LocalAws, quota: str) -> None:
    aws.controls(request_quotas=True, import_job_quota=quota)
    store = aws.omics.create_reference_store(name="row")["id"]
    once = LocalAws(aws.url, aws.region, attempts=1)
    def listing() -> object:
        return once.omics.list_reference_import_jobs(referenceStoreId=store)

    def getting() -> object:
        return once.omics.get_reference_import_job(referenceStoreId=store, id="1234567890")

    answers = answered([listing, getting] * 3)  # 6 calls of the row, 3 of each operation, within a second
    if quota == "shared":
        assert answers[:5] == ["ok", "ResourceNotFoundException"] * 2 + ["ok"]
        assert answers[5] == "ThrottlingException", answers
    else:
        assert "ThrottlingException" not in answers, answers


@pytest.mark.parametrize("bursts", ["allowed", "refused"])
def test_a_quota_lets_its_calls_come_together_or_only_spaced(aws: LocalAws, bursts: str) -> None:
    aws.controls(request_quotas=True, quota_bursts=bursts)
    store = aws.omics.create_reference_store(name="burst")["id"]
    once = LocalAws(aws.url, aws.region, attempts=1)
    answers = answered([lambda: once.omics.get_reference_store(id=store)] * 5)  # at once: the quota is 5/s
    if bursts == "allowed":
        assert answers == ["ok"] * 5, answers
    else:  # a call less than 200 ms after the last one let in is throttled
        assert answers[0] == "ok" and "ThrottlingException" in answers[1:], answers
        time.sleep(0.2)
        assert once.omics.get_reference_store(id=store)["id"] == store


def test_sse_config_only_when_given(aws: LocalAws) -> None:
    store = aws.omics.create_reference_store(name="kms", sseConfig={"type": "KMS", "keyArn": "arn:aws:kms:eu-west-1:111122223333:key/k"})
    assert aws.omics.get_reference_store(id=store["id"])["sseConfig"] == {"type": "KMS", "keyArn": "arn:aws:kms:eu-west-1:111122223333:key/k"}


def test_protein_fasta_is_accepted_and_a_running_job_says_so(aws: LocalAws) -> None:
    aws.hold_imports()
    store = aws.omics.create_reference_store(name="proteins")["id"]
    job = start(aws, store, {"p53.faa": PROTEIN, "p53-multi.mpfa": PROTEIN})
    running = aws.job_while_running(store, job["id"])
    assert running["statusMessage"] == "The job is currently in progress."
    aws.release_imports()
    done = aws.job(store, job["id"], timeout=10)
    assert done["status"] == "COMPLETED", done
    assert "statusMessage" not in done


def test_a_source_over_15_gb_fails_naming_the_limit(aws: LocalAws) -> None:
    store = aws.omics.create_reference_store(name="huge")["id"]
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="huge.fa", Body=generate_fasta(60))
    aws.controls(object_sizes={f"s3://{bucket}/huge.fa": 16 * 1000**3})
    assert aws.s3.head_object(Bucket=bucket, Key="huge.fa")["ContentLength"] == 16 * 1000**3
    job = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=aws.role(),
                                               sources=[{"sourceFile": f"s3://{bucket}/huge.fa", "name": "huge"}])
    [source] = aws.job(store, job["id"])["sources"]
    assert source["status"] == "FAILED"
    assert source["statusMessage"] == "16000000000 bytes is over the reference file limit of 15 GB"


@pytest.mark.parametrize("answer", [None, "ServiceQuotaExceededException", "ValidationException", "ThrottlingException"],
                         ids=["default", "ServiceQuotaExceededException", "ValidationException", "ThrottlingException"])
def test_a_busy_store_refuses_with_the_code_it_is_told(aws: LocalAws, answer: str | None) -> None:
    """One import at a time per store: a second start while one runs is refused naming the running
    job (ServiceQuotaExceededException unless told otherwise); once it has ended, the second starts."""
    aws.hold_imports()
    if answer:
        aws.controls(busy_answer=answer)
    store = aws.omics.create_reference_store(name="busy")["id"]
    first = start(aws, store, {"a.fa": generate_fasta(61)})
    with pytest.raises(ClientError) as excinfo:
        start(aws, store, {"b.fa": generate_fasta(62)})
    assert code(excinfo) == (answer or "ServiceQuotaExceededException") and first["id"] in str(excinfo.value)
    aws.release_imports()
    assert aws.job(store, first["id"], timeout=10)["status"] == "COMPLETED"
    second = start(aws, store, {"b.fa": generate_fasta(62)})
    assert aws.job(store, second["id"])["status"] == "COMPLETED"


def test_a_busy_store_can_queue_the_second_import(aws: LocalAws) -> None:
    aws.hold_imports()
    aws.controls(busy_answer="queue")
    store = aws.omics.create_reference_store(name="queue")["id"]
    first = start(aws, store, {"a.fa": generate_fasta(63)})
    second = start(aws, store, {"b.fa": generate_fasta(64)})
    assert second["status"] == "SUBMITTED"
    assert aws.job_while_running(store, first["id"])["status"] == "IN_PROGRESS"
    assert aws.omics.get_reference_import_job(referenceStoreId=store, id=second["id"])["status"] == "SUBMITTED"
    aws.release_imports()
    done = [aws.job(store, j["id"], timeout=10) for j in (first, second)]
    assert [d["status"] for d in done] == ["COMPLETED", "COMPLETED"]
    assert done[0]["completionTime"] <= done[1]["creationTime"] or done[0]["completionTime"] <= done[1]["completionTime"]


def test_denied_and_timed_out_operations(aws: LocalAws) -> None:
    aws.controls(deny_operations=["ListReferenceStores"], timeout_operations=["GetReferenceStore"])
    with pytest.raises(ClientError) as excinfo:
        aws.omics.list_reference_stores()
    assert code(excinfo) == "AccessDeniedException" and excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    user = aws.as_caller(aws.user(allow("omics:ListReferenceStores")))
    with pytest.raises(ClientError) as excinfo:
        user.omics.list_reference_stores()
    assert excinfo.value.response["Error"]["Message"].startswith(  # names the caller, as AWS does
        f"User: {user.sts.get_caller_identity()['Arn']} is not authorized to perform: omics:ListReferenceStores")
    with pytest.raises(ClientError) as excinfo:
        aws.omics.get_reference_store(id="1234567890")
    assert code(excinfo) == "RequestTimeoutException" and excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 408


def test_a_reference_in_use_cannot_be_deleted(aws: LocalAws) -> None:
    store = aws.omics.create_reference_store(name="in-use")["id"]
    job = start(aws, store, {"held.fa": generate_fasta(65)})
    reference = aws.job(store, job["id"])["sources"][0]["referenceId"]
    aws.controls(in_use_references={reference: "read set 4444444444"})
    with pytest.raises(ClientError) as excinfo:
        aws.omics.delete_reference(referenceStoreId=store, id=reference)
    assert code(excinfo) == "ConflictException" and "in use by read set 4444444444" in str(excinfo.value)
