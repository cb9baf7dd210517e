"""Backoff, waiting and pacing with botocore's Stubber and a fake clock (no endpoint, no real
sleeps): delays, deadline, logs, and the per-operation limiters."""

from __future__ import annotations

import datetime as dt
import threading
import time
from email.utils import format_datetime

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from omics_provider.aws import pacing
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

def test_rate_limiter_lets_its_slots_go_at_once_then_waits_a_window_after_an_answer() -> None:
    clock = FakeClock()
    limiter = RateLimiter(slots=2, window=1.0, clock=clock, sleep=clock.sleep)
    assert limiter.wait() == 0.0
    clock.now += 0.1  # the first call's answer
    limiter.answered()
    assert limiter.wait() == 0.0  # the second slot, at once
    limiter.answered()
    assert limiter.wait() == pytest.approx(1.0)  # the first slot again: 1 s after its answer
    assert clock.now == pytest.approx(1.1)


def test_a_slot_counts_its_window_from_the_answer_however_late_it_comes() -> None:
    clock = FakeClock()
    limiter = RateLimiter(slots=1, window=1.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 5.0  # the answer comes 5 s after the call was sent
    limiter.answered()
    assert limiter.wait() == pytest.approx(1.0)
    limiter.answered()


def test_a_call_whose_answer_is_never_seen_frees_its_slot_after_the_longest_call() -> None:
    clock = FakeClock()
    limiter = RateLimiter(slots=1, window=1.0, clock=clock, sleep=clock.sleep)
    limiter.wait()  # no answered(): botocore raised before response-received
    assert limiter.wait() == pytest.approx(pacing.UNANSWERED_SECONDS)


def test_rate_limiter_paces_calls_across_threads() -> None:
    limiter, stamps = RateLimiter(slots=2, window=0.1), []
    lock = threading.Lock()

    def call() -> None:
        limiter.wait()
        with lock:
            stamps.append(time.monotonic())
        limiter.answered()

    threads = [threading.Thread(target=call) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps.sort()
    # 2 calls within any 100 ms: 8 calls span at least 3 x 100 ms, whatever the threads did.
    assert stamps[-1] - stamps[0] >= 3 * 0.1
    assert all(later - earlier >= 0.1 for earlier, later in zip(stamps, stamps[2:], strict=False))


def test_pacer_keeps_one_limiter_per_region_and_operation_at_a_share_of_its_quota() -> None:
    pacer = Pacer(quotas={"DeleteReference": 1.0, "GetReference": 10.0}, share=0.5)
    assert pacer.limiter("eu-west-1", "DeleteReference") is pacer.limiter("eu-west-1", "DeleteReference")
    assert pacer.limiter("eu-west-1", "DeleteReference") is not pacer.limiter("us-east-1", "DeleteReference")
    one, ten = pacer.limiter("eu-west-1", "DeleteReference"), pacer.limiter("eu-west-1", "GetReference")
    assert (one.slots, one.window) == (1, pytest.approx(2.0))  # half of 1 per second: 1 call per 2 s
    assert (ten.slots, ten.window) == (5, pytest.approx(1.0))  # half of 10 per second
    assert pacer.limiter("eu-west-1", "CreateRunGroup") is None  # no quota known: not paced


def test_the_three_import_job_operations_share_one_limiter() -> None:
    pacer = Pacer()
    shared = pacer.limiter("eu-west-1", "StartReferenceImportJob")
    assert shared is pacer.limiter("eu-west-1", "GetReferenceImportJob") is pacer.limiter(
        "eu-west-1", "ListReferenceImportJobs")
    assert shared is not pacer.limiter("eu-west-1", "ListReferences")
    assert (shared.slots, shared.window) == (4, pytest.approx(1.0))  # 4 of the row's 5 per second


REFUSAL = dt.datetime(2026, 11, 29, 0, 10, tzinfo=dt.UTC)  # when each refusal is answered (its Date)


def refusing_start(refusals: int, running: list[list[dict]], ended: list[list[dict]] | None = None,
                   dated: bool = True):
    """A client whose start is refused as a busy store `refusals` times, each refusal followed by
    a listing of the store's unfinished jobs (one answer per status, `running[n]`), and when none
    runs (and the refusal is `dated`), by a listing of all its jobs (`ended[n]`); then accepted."""
    client = boto3.client("omics", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b")
    stub = Stubber(client)
    for n in range(refusals):
        meta = {"HTTPHeaders": {"date": format_datetime(REFUSAL, usegmt=True)}} if dated else {}
        stub.add_client_error("start_reference_import_job", "ServiceQuotaExceededException", http_status_code=402,
                              response_meta=meta)
        for status in ("SUBMITTED", "IN_PROGRESS", "CANCELLING"):
            stub.add_response("list_reference_import_jobs",
                              {"importJobs": [j for j in running[n] if j["status"] == status]},
                              {"referenceStoreId": STORE, "filter": {"status": status}})
        if not running[n] and dated:
            stub.add_response("list_reference_import_jobs", {"importJobs": (ended or [[]] * refusals)[n]},
                              {"referenceStoreId": STORE})
    stub.add_response("start_reference_import_job", {
        "id": JOB, "referenceStoreId": STORE, "roleArn": "arn:aws:iam::123456789012:role/r",
        "status": "SUBMITTED", "creationTime": CREATED})
    stub.add_response("get_reference_import_job", job_answer("IN_PROGRESS"))
    stub.activate()
    return client, stub


REQUEST = {"referenceStoreId": STORE, "roleArn": "arn:aws:iam::123456789012:role/r",
           "sources": [{"sourceFile": "s3://b/k.fa", "name": f"genome-{n}"} for n in range(2)]}


def other_job(status: str, ended_at: dt.datetime | None = None) -> dict:
    """Another import of the store, as ListReferenceImportJobs shows it."""
    return {"id": "7777777777", "referenceStoreId": STORE, "roleArn": REQUEST["roleArn"], "status": status,
            "creationTime": CREATED, **({"completionTime": ended_at} if ended_at else {})}


def test_a_start_refused_while_the_listing_shows_the_store_free_is_asked_again(clock: FakeClock) -> None:
    """Without end times to go by, a refusal while nothing runs is asked again before it is believed."""
    client, stub = refusing_start(4, [[], [], [other_job("IN_PROGRESS")], []], dated=False)
    job, used, started = jobs.start_or_find(client, REQUEST, "tok", Deadline(600, clock), Log(), clock.sleep)
    assert (job["id"], used, started) == (JOB, "tok", True)
    stub.assert_no_pending_responses()


def test_a_start_refused_by_an_import_that_ended_before_the_listing_waits_its_turn(clock: FakeClock) -> None:
    """Imports that start and end between each refusal and the listing (which waits its turn under
    the quota) leave the store looking free however often it happens: their end times, on the
    service's clock, say the store was busy."""
    refusals = jobs.FREE_REFUSALS + 2
    ended = [[other_job("COMPLETED", REFUSAL + dt.timedelta(milliseconds=300))]] * refusals
    client, stub = refusing_start(refusals, [[]] * refusals, ended)
    log = Log()
    job, used, started = jobs.start_or_find(client, REQUEST, "tok", Deadline(600, clock), log, clock.sleep)
    assert (job["id"], used, started) == (JOB, "tok", True)
    assert clock.sleeps == []  # the store is free again: its turn is now
    assert any("is busy with import job 7777777777" in line for line in log.infos)
    stub.assert_no_pending_responses()


@pytest.mark.parametrize("dated", [True, False])
def test_a_start_refused_again_and_again_while_nothing_runs_fails_with_the_services_answer(
        clock: FakeClock, dated: bool) -> None:
    """An import that ended before the refusal (beyond the Date's second) does not explain it."""
    ended = [[other_job("COMPLETED", REFUSAL - dt.timedelta(seconds=2))]] * jobs.FREE_REFUSALS
    client, _ = refusing_start(jobs.FREE_REFUSALS, [[]] * jobs.FREE_REFUSALS, ended, dated=dated)
    with pytest.raises(ClientError) as excinfo:
        jobs.start_or_find(client, REQUEST, "tok", Deadline(600, clock), Log(), clock.sleep)
    assert excinfo.value.response["Error"]["Code"] == "ServiceQuotaExceededException"
    assert sum(clock.sleeps) < 5


def test_a_job_not_begun_at_the_second_look_says_which_import_it_is_queued_behind(clock: FakeClock) -> None:
    log = Log()
    client, stub = stubbed([job_answer("SUBMITTED")])
    stub.add_response("list_reference_import_jobs", {"importJobs": [other_job("IN_PROGRESS")]},
                      {"referenceStoreId": STORE, "filter": {"status": "IN_PROGRESS"}})
    stub.add_response("get_reference_import_job", job_answer("COMPLETED", finished=2),
                      {"referenceStoreId": STORE, "id": JOB})
    schedule = PollSchedule(initial=1.0, cap=1.0, timeout=100)
    job = jobs.wait_for_job(client, STORE, JOB, "tok", schedule, Deadline(100, clock), log, clock.sleep,
                            first=job_answer("SUBMITTED"))
    assert job["status"] == "COMPLETED"
    assert f"import job {JOB} is queued behind import job 7777777777 in store {STORE}; waiting for its turn" in log.infos
    stub.assert_no_pending_responses()
