"""A reference import job's statuses, as botocore's waiter model sorts them
(`ReferenceImportJobCompleted` in `omics/2022-11-28/waiters-2.json`), which is their source:
`tests/unit/test_job_states.py` fails when the model says otherwise. Written out here so
that importing them loads no botocore model (the stack program imports them).

    UNFINISHED   the waiter keeps waiting
    SUCCEEDED    the waiter succeeds
    ENDED_BADLY  the waiter fails
"""

from __future__ import annotations

WAITER = "ReferenceImportJobCompleted"
UNFINISHED = ("SUBMITTED", "IN_PROGRESS", "CANCELLING")
SUCCEEDED = ("COMPLETED",)
ENDED_BADLY = ("CANCELLED", "FAILED", "COMPLETED_WITH_FAILURES")
# A job in these will still import: a start with its token is waited for, not made again
# (CANCELLING is on its way to CANCELLED).
STILL_IMPORTING = ("SUBMITTED", "IN_PROGRESS")
