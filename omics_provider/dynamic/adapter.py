"""The dynamic providers' operations as adapters over the core's lifecycles: what they are given
reaches the core without the `secret_inputs` record, and what fails reaches the engine as the
dynamic provider's server can send it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pulumi

from ..aws.service_errors import explain_access_denied
from ..core import hidden
from ..errors import WaitTimedOut
from . import partial_state

R = TypeVar("R")


def adapted(explain: bool = True) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """A dynamic operation as an adapter over a core lifecycle: its dict arguments reach it
    without the `secret_inputs` record, beside `log` (pulumi.log showing their secret values as
    [secret]) and `kept` (the record of the last of them, for the answer to keep). AccessDenied
    is explained (when `explain`), a WaitTimedOut keeps its job in the state, and any explained
    failure reaches the engine as its message, the same secrets redacted."""
    def decorate(method: Callable[..., R]) -> Callable[..., R]:
        served = explain_access_denied(method) if explain else method

        @functools.wraps(method)
        def adapter(self: Any, *args: Any) -> R:
            given = [a for a in args if isinstance(a, dict)]
            log = hidden.HiddenLog(pulumi.log, hidden.of_dynamic(*given))
            record = given[-1].get(hidden.SECRET_INPUTS)
            kept = {hidden.SECRET_INPUTS: record} if record else {}
            args = tuple({k: v for k, v in a.items() if k != hidden.SECRET_INPUTS} if isinstance(a, dict)
                         else a for a in args)
            try:
                return served(self, *args, log=log, kept=kept)
            except WaitTimedOut as exc:
                partial_state.keep(exc.job_id, {**exc.partial, **kept}, log.secrets.redact(str(exc)))
                raise
            except Exception as exc:
                partial_state.send_plainly(exc, log.secrets)
                raise
        return adapter
    return decorate
