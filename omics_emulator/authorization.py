"""Whether a caller may make a request, as IAM decides it within one account: each of the
request's checks (an action on a resource) needs an Allow in the identity-based policies, and in
the session policies when the session was given any, and in the role's permissions boundary when
it has one; an explicit Deny in any of them refuses. The first check refused is named in AWS's
words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .callers import Caller
from .policy_evaluation import ALLOWED, EXPLICIT_DENY, Request, decide

# What the policies of each kind are called in AWS's denial messages.
_KINDS = ("identity-based policy", "session policy", "permissions boundary")


@dataclass(frozen=True)
class Check:
    """One action on one resource that a request needs, with its own condition keys."""

    action: str
    resource: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)


class Denied(Exception):
    """A check the caller's policies refuse; `message` is AWS's sentence for it."""

    def __init__(self, message: str, check: Check) -> None:
        super().__init__(message)
        self.message, self.check = message, check


def authorize(caller: Caller, checks: Iterable[Check], context: Mapping[str, str | list[str]]) -> None:
    """Return when every check is allowed; raise Denied naming the first refused."""
    for check in checks:
        request = Request(check.action, check.resource, {**caller.context, **context, **check.context})
        refusal = _refusal(caller, request)
        if refusal:
            raise Denied(f"User: {caller.arn} is not authorized to perform: {check.action} on resource: "
                         f"{check.resource} {refusal}", check)


def _refusal(caller: Caller, request: Request) -> str | None:
    """None when allowed; else AWS's reason ("because no ... allows the ACTION action", or
    "with an explicit deny in ...")."""
    kinds = [(caller.identity_policies, _KINDS[0])]
    if caller.session_policies is not None:
        kinds.append((caller.session_policies, _KINDS[1]))
    if caller.boundary is not None:
        kinds.append(((caller.boundary,), _KINDS[2]))
    decisions = [(decide(documents, request), name) for documents, name in kinds]
    for decision, name in decisions:
        if decision == EXPLICIT_DENY:
            return f"with an explicit deny in {'a' if name != _KINDS[0] else 'an'} {name}"
    for decision, name in decisions:
        if decision != ALLOWED:
            return f"because no {name} allows the {request.action} action"
    return None
