"""A reference import job's statuses, as botocore's waiter model sorts them
(`ReferenceImportJobCompleted` in `omics/2022-11-28/waiters-2.json`): the single source.

    UNFINISHED   the waiter keeps waiting: SUBMITTED, IN_PROGRESS, CANCELLING
    SUCCEEDED    the waiter succeeds: COMPLETED
    ENDED_BADLY  the waiter fails: CANCELLED, FAILED, COMPLETED_WITH_FAILURES
"""

from __future__ import annotations

from .service_model import SERVICE, botocore_session

WAITER = "ReferenceImportJobCompleted"
CANCELLING = "CANCELLING"  # on its way to CANCELLED: not worth waiting for as an import


def _states() -> dict[str, tuple[str, ...]]:
    acceptors = botocore_session().get_waiter_model(SERVICE).get_waiter(WAITER).acceptors
    return {state: tuple(a.expected for a in acceptors if a.state == state)
            for state in ("retry", "success", "failure")}


_BY_STATE = _states()
UNFINISHED: tuple[str, ...] = _BY_STATE["retry"]
SUCCEEDED: tuple[str, ...] = _BY_STATE["success"]
ENDED_BADLY: tuple[str, ...] = _BY_STATE["failure"]
# A job in these will still import: a start with its token is waited for, not made again.
STILL_IMPORTING: tuple[str, ...] = tuple(s for s in UNFINISHED if s != CANCELLING)
