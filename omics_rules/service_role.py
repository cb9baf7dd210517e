"""The service role HealthOmics assumes to read the sources: the trust it needs."""

from __future__ import annotations

from typing import Any

OMICS_PRINCIPAL = "omics.amazonaws.com"
ASSUME_ACTIONS = ("sts:AssumeRole", "sts:*", "*")


def trust_policy() -> dict:
    """Only HealthOmics may assume the role."""
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": OMICS_PRINCIPAL}, "Action": "sts:AssumeRole"}]}


def trusts_omics(policy: dict[str, Any]) -> bool:
    """True when some Allow statement lets omics.amazonaws.com call sts:AssumeRole."""
    statements = policy.get("Statement") or []
    for statement in [statements] if isinstance(statements, dict) else statements:
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal") or {}
        services = principal.get("Service") or [] if isinstance(principal, dict) else []
        if OMICS_PRINCIPAL in _as_list(services) and any(
                a in ASSUME_ACTIONS for a in _as_list(statement.get("Action"))):
            return True
    return False


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)
