"""Backoff, waiting and pacing with botocore's Stubber and a fake clock (no endpoint, no real
sleeps): delays, deadline, logs, and the per-operation limiters."""

from __future__ import annotations

import datetime as dt

import boto3
import pytest
from botocore.stub import Stubber

from omics_provider.aws.pacing import Pacer, RateLimiter
from omics_provider.aws.waiting import Deadline, PollSchedule
from omics_provider.core import jobs
from omics_provider.errors import WaitTimedOut

STORE, JOB = "1234567890", "5555555555"
CREATED = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


@pytest.mark.parametrize("elapsed, delay", [(0, 1.0), (5, 1.0), (10, 1.0), (40, 4.0), (90, 9.0), (149, 14.9),
                                            (600, 15.0), (36000, 15.0)])
def test_delay_is_a_tenth_of_the_time_waited_between_1_and_15_seconds(elapsed: float, delay: float) -> None:
    assert PollSchedule().delay_at(elapsed) == pytest.approx(delay)


def test_a_ten_minute_job_costs_about_sixty_polls() -> None:
    schedule, elapsed, polls = PollSchedule(cap=30.0), 0.0, 0
    while elapsed < 600:
        elapsed += schedule.delay_at(elapsed)
        polls += 1
    assert 50 <= polls <= 60


def job_answer(status: str, finished: int = 0) -> dict:
    sources = [{"name": f"genome-{n}", "sourceFile": "s3://b/k.fa",
                "status": "FINISHED" if n < finished else "IN_PROGRESS"} for n in range(2)]
    return {"id": JOB, "referenceStoreId": STORE, "roleArn": "arn:aws:iam::123456789012:role/r",
            "status": status, "creationTime": CREATED, "sources": sources}


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Log:
    """Records what the mechanics report."""

    def __init__(self) -> None:
        self.infos: list[str] = []
        self.warnings: list[str] = []

    def info(self, msg: str) -> None:
        self.infos.append(msg)

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)


def stubbed(answers: list[dict]):
    client = boto3.client("omics", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stub = Stubber(client)
    for answer in answers:
        stub.add_response("get_reference_import_job", answer, {"referenceStoreId": STORE, "id": JOB})
    stub.activate()
    return client, stub


def test_wait_polls_with_backoff_and_logs_each_change(clock: FakeClock) -> None:
    log = Log()
    answers = [job_answer("SUBMITTED"), job_answer("IN_PROGRESS"), job_answer("IN_PROGRESS"),
               job_answer("IN_PROGRESS", finished=1), job_answer("COMPLETED", finished=2)]
    client, stub = stubbed(answers)
    schedule = PollSchedule(initial=1.0, cap=2.0, fraction=0.5, timeout=100)
    job = jobs.wait_for_job(client, STORE, JOB, "tok", schedule, Deadline(100, clock), log, clock.sleep)
    assert job["status"] == "COMPLETED"
    assert clock.sleeps == [1.0, 1.0, 1.0, 1.5]  # 0.5 x time waited, from 1 s up to 2 s
    assert log.infos == [
        f"reference import job {JOB}: SUBMITTED, 0/2 sources finished",
        f"reference import job {JOB}: IN_PROGRESS, 0/2 sources finished",
        f"reference import job {JOB}: IN_PROGRESS, 1/2 sources finished",
        f"reference import job {JOB}: COMPLETED, 2/2 sources finished",
    ]
    stub.assert_no_pending_responses()


def test_wait_stops_at_the_deadline_with_the_job_id(clock: FakeClock) -> None:
    client, _ = stubbed([job_answer("IN_PROGRESS")] * 4)
    schedule = PollSchedule(initial=1.0, cap=1.0, timeout=3.0)
    with pytest.raises(WaitTimedOut) as excinfo:
        jobs.wait_for_job(client, STORE, JOB, "tok-1", schedule, Deadline(3.0, clock), Log(), clock.sleep)
    assert f"job {JOB} in store {STORE} is still IN_PROGRESS after 3 s" in str(excinfo.value)
    assert "same clientToken tok-1" in str(excinfo.value)
    assert sum(clock.sleeps) <= 3.0


def test_wait_keeps_polling_through_errors_botocore_gave_up_on(clock: FakeClock) -> None:
    log = Log()
    client = boto3.client("omics", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stub = Stubber(client)
    params = {"referenceStoreId": STORE, "id": JOB}
    stub.add_client_error("get_reference_import_job", "ThrottlingException", http_status_code=429,
                          expected_params=params)
    stub.add_client_error("get_reference_import_job", "InternalServerException", http_status_code=500,
                          expected_params=params)
    stub.add_response("get_reference_import_job", job_answer("COMPLETED", finished=2), params)
    stub.activate()
    job = jobs.wait_for_job(client, STORE, JOB, "tok", PollSchedule(initial=1.0, cap=1.0), Deadline(60, clock),
                            log, clock.sleep)
    assert job["status"] == "COMPLETED" and len(log.warnings) == 2
    assert "ThrottlingException" in log.warnings[0] and JOB in log.warnings[0]


def test_wait_does_not_hide_real_errors(clock: FakeClock) -> None:
    client = boto3.client("omics", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stub = Stubber(client)
    stub.add_client_error("get_reference_import_job", "AccessDeniedException", http_status_code=403)
    stub.activate()
    with pytest.raises(Exception, match="AccessDeniedException"):
        jobs.wait_for_job(client, STORE, JOB, "tok", PollSchedule(), Deadline(60, clock), Log(), clock.sleep)



def test_a_job_not_found_after_its_start_is_asked_for_again_up_to_a_minute(clock: FakeClock) -> None:
    client = boto3.client("omics", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stub = Stubber(client)
    request = {"referenceStoreId": STORE, "roleArn": "arn:aws:iam::123456789012:role/r",
               "sources": [{"sourceFile": "s3://b/k.fa", "name": "genome-0"}]}
    stub.add_response("start_reference_import_job", {
        "id": JOB, "referenceStoreId": STORE, "roleArn": request["roleArn"], "status": "SUBMITTED",
        "creationTime": CREATED})
    for _ in range(200):
        stub.add_client_error("get_reference_import_job", "ResourceNotFoundException", http_status_code=404,
                              expected_params={"referenceStoreId": STORE, "id": JOB})
    stub.activate()
    with pytest.raises(Exception) as excinfo:
        jobs.start_or_find(client, request, "tok", Deadline(600, clock), Log(), clock.sleep)
    assert jobs.VISIBLE_WITHIN_SECONDS == 60.0 and 60.0 <= clock.now < 61.0
    assert f"Reference import job {JOB} was started in store {STORE} (clientToken tok)" in str(excinfo.value)
    assert "still does not find it after 60 s" in str(excinfo.value)

def test_rate_limiter_lets_a_burst_through_then_keeps_the_rate() -> None:
    clock = FakeClock()
    limiter = RateLimiter(burst=4, window=1.25, clock=clock, sleep=clock.sleep)
    assert [limiter.wait() for _ in range(4)] == [0.0] * 4  # a burst at once
    assert limiter.wait() == pytest.approx(1.25)  # the fifth: 4 calls within any 1.25 s
    assert [limiter.wait() for _ in range(3)] == [0.0] * 3  # the rest of its burst
    assert limiter.wait() == pytest.approx(1.25)
    clock.now += 10  # an idle limiter lets the next burst through at once
    assert [limiter.wait() for _ in range(4)] == [0.0] * 4


def test_rate_limiter_of_one_spaces_calls_evenly() -> None:
    clock = FakeClock()
    limiter = RateLimiter(burst=1, window=0.25, clock=clock, sleep=clock.sleep)
    assert [limiter.wait() for _ in range(5)] == [0.0, 0.25, 0.25, 0.25, 0.25]


def test_rate_limiter_spaces_calls_across_threads() -> None:
    import threading
    import time

    limiter, stamps = RateLimiter(burst=2, window=0.1), []
    lock = threading.Lock()

    def call() -> None:
        limiter.wait()
        with lock:
            stamps.append(time.monotonic())

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    # 2 calls within any 100 ms: 8 calls span at least 3 x 100 ms, whatever the threads did. (Gaps
    # one by one are not checked: a thread woken late on a busy machine makes one short and the next long.)
    assert stamps[-1] - stamps[0] >= 3 * 0.1 - 0.01


def test_pacer_keeps_one_limiter_per_region_and_operation_at_a_share_of_its_quota() -> None:
    clock = FakeClock()
    pacer = Pacer(quotas={"DeleteReference": 1.0, "GetReference": 10.0}, share=0.5, clock=clock, sleep=clock.sleep)
    assert pacer.limiter("eu-west-1", "DeleteReference") is pacer.limiter("eu-west-1", "DeleteReference")
    assert pacer.limiter("eu-west-1", "DeleteReference") is not pacer.limiter("us-east-1", "DeleteReference")
    one, ten = pacer.limiter("eu-west-1", "DeleteReference"), pacer.limiter("eu-west-1", "GetReference")
    assert (one.burst, one.window) == (1, pytest.approx(2.0))  # at least 1 call within any 2 s
    assert (ten.burst, ten.window) == (5, pytest.approx(2.0))  # half of 10 within any 2 s
    assert pacer.limiter("eu-west-1", "CreateRunGroup") is None  # no quota known: not paced


def test_the_three_import_job_operations_share_one_limiter() -> None:
    pacer = Pacer()
    shared = pacer.limiter("eu-west-1", "StartReferenceImportJob")
    assert shared is pacer.limiter("eu-west-1", "GetReferenceImportJob") is pacer.limiter(
        "eu-west-1", "ListReferenceImportJobs")
    assert shared is not pacer.limiter("eu-west-1", "ListReferences")
    assert (shared.burst, shared.window) == (4, pytest.approx(1.25))  # 4 of the row's 5 per second
