"""The job statuses the provider and the endpoint use are what botocore's waiter model says."""

from __future__ import annotations

from omics_rules import job_states
from omics_rules.service_model import SERVICE, botocore_session


def test_the_statuses_are_the_waiter_models() -> None:
    waiter = botocore_session().get_waiter_model(SERVICE).get_waiter(job_states.WAITER)
    by_state = {state: tuple(a.expected for a in waiter.acceptors if a.state == state)
                for state in ("retry", "success", "failure")}
    assert by_state == {"retry": job_states.UNFINISHED, "success": job_states.SUCCEEDED,
                        "failure": job_states.ENDED_BADLY}
    assert set(job_states.STILL_IMPORTING) == set(job_states.UNFINISHED) - {"CANCELLING"}
