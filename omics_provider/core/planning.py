"""What `check` makes of an import: its clientToken, the S3 objects it records, warnings, and
pre-flight refusals. Plain functions over the connection settings; nothing here starts, tags or
deletes anything (only S3 reads, iam:GetRole and iam:SimulatePrincipalPolicy are called).

An import that already exists keeps its identity: a source object that is now missing or
unreadable never changes its token (the reference in HealthOmics is unaffected); only an object
that S3 shows with another version than the one recorded does. A new import (or one whose
inputs changed) is refused at preview when an object is missing or over 15 GB, or when the
service role cannot be used or may not read a source (as IAM's policy simulation says); an
unreadable version, an unusual extension or a check the caller may not make is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from botocore.exceptions import BotoCoreError, ClientError

from omics_rules.quotas import FASTA_EXTENSIONS_SHOWN, MAX_SOURCE_BYTES, has_fasta_extension
from omics_rules.service_role import (
    OMICS_PRINCIPAL,
    READ_ACTION,
    arn_differences,
    object_arn,
    parse_role_arn,
    role_name,
    trusts_omics,
)

from ..aws import s3_objects
from ..aws.service_errors import error_code
from ..aws.settings import ConnectionSettings
from ..schema import OUTPUT, REFERENCE_IMPORT_JOB, REFERENCE_SOURCE, REPLACE
from . import tokens

SOURCE_IDENTITY = REFERENCE_SOURCE.names(REPLACE)  # name, source_file, description
IMPORT_IDENTITY = tuple(n for n in REFERENCE_IMPORT_JOB.names(REPLACE) if n != "sources")
SOURCE_OUTPUTS = REFERENCE_SOURCE.names(OUTPUT)
JOB_OUTPUTS = REFERENCE_IMPORT_JOB.names(OUTPUT)
CHECK_ATTEMPTS = 3  # preview should answer quickly: an S3 hiccup is a warning, not a long wait


@dataclass
class Plan:
    """The token, what to record of each source object, and what to tell the reviewer."""

    token: str | None = None
    source_objects: list[dict] | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def same_import(olds: dict, news: dict) -> bool:
    """True when `olds` (the inputs recorded in state) describe the same import as `news`."""
    if not olds or not olds.get("resolved_client_token"):
        return False
    if any(olds.get(k) != news.get(k) for k in IMPORT_IDENTITY):
        return False
    return source_identity(olds.get("sources")) == source_identity(news.get("sources"))


def tags_changed(olds: dict, news: dict) -> bool:
    """True when some source's tags differ between the recorded and the new inputs."""
    before = {s.get("name"): s.get("tags") or {} for s in olds.get("sources") or []}
    return any(before.get(s.get("name"), {}) != (s.get("tags") or {}) for s in news.get("sources") or [])


def source_identity(sources: list[dict] | None) -> list[tuple]:
    """What of each source makes the import what it is (name, file, description), in any order:
    the sources of one import are a set, named uniquely."""
    return sorted((tuple(s.get(k) for k in SOURCE_IDENTITY) for s in sources or []), key=repr)


def by_name(olds: list[dict] | None, news: list[dict] | None) -> list[tuple[dict, dict]]:
    """(old, new) for each new source, matched by name ({} when the name is new)."""
    before = {s.get("name"): s for s in olds or []}
    return [(before.get(s.get("name"), {}), s) for s in news or []]


def plan_import(settings: ConnectionSettings, olds: dict, news: dict, store_known: bool = True) -> Plan:
    """The plan for `news` (its sources, role and region known), given the inputs recorded for it
    before (`olds`). Without a known store (a preview before the store exists) the pre-flight
    checks still run, but there is no token yet."""
    region, sources = news.get("region"), news["sources"]
    heads = [s3_objects.lookup(settings.with_attempts(CHECK_ATTEMPTS), s["source_file"], region)
             for s in sources]
    if same_import(olds, news):
        return _existing(olds, news, heads)
    plan = Plan(source_objects=[_recorded(h.version, h) for h in heads])
    for i, head in enumerate(heads):
        path = f"sources[{i}].source_file"
        named = f"sources[{i}] ({sources[i].get('name')})"
        if head.state == "missing":
            plan.failures.append((path, f"{head.uri!r} does not exist in S3"))
        elif head.state == "unreadable":
            plan.warnings.append(
                f"{named}: the version of {head.uri!r} could not be read ({head.reason}); the import's "
                "identity will not include it, so an overwrite of this object will not show as a change")
        elif head.size is not None and head.size > MAX_SOURCE_BYTES:
            plan.failures.append((path, f"{head.uri!r} is {head.size} bytes, over HealthOmics' "
                                        f"{MAX_SOURCE_BYTES // 1000**3} GB limit for a reference file"))
        if not has_fasta_extension(head.uri):
            plan.warnings.append(f"{named}: {head.uri!r} does not end in a FASTA extension HealthOmics lists "
                                 f"{FASTA_EXTENSIONS_SHOWN}")
    role_failure, role_warning = _role_problem(settings.with_attempts(CHECK_ATTEMPTS), news["role_arn"])
    plan.failures += [("role_arn", role_failure)] if role_failure else []
    plan.warnings += [role_warning] if role_warning else []
    if not role_failure and not plan.failures:
        read_failures, read_warning = _read_problems(settings.with_attempts(CHECK_ATTEMPTS), news["role_arn"],
                                                     sources)
        plan.failures += [("role_arn", f) for f in read_failures]
        plan.warnings += [read_warning] if read_warning else []
    given = news.get("client_token")
    if given and olds and given == olds.get("resolved_client_token"):
        plan.failures.append(("client_token", (
            f"{given!r} is the clientToken of the import this would replace; a replacement is a new "
            "import, and reusing its token would resume the old job. Give a new client_token, or "
            "remove client_token to have one derived")))
    if not plan.failures and store_known:
        plan.token = given or new_token(olds, news, [h.version for h in heads])
    return plan


def new_token(olds: dict, news: dict, versions: list[str | None]) -> str:
    """The derived token of a new import: owned by the resource (`owner`, its URN) and chained to
    the import it replaces (the token `olds` recorded), so that no other resource, stack or
    replacement shares it. Without an owner (a caller that names none), the inputs alone."""
    if not news.get("owner"):
        return _derive(news, versions)
    return tokens.owned_token(news["owner"], olds.get("resolved_client_token") if olds else None,
                              news["reference_store_id"], news["role_arn"], news["sources"], versions)


def _existing(olds: dict, news: dict, heads: list[s3_objects.SourceObject]) -> Plan:
    """An import made before: its token stands unless S3 shows a recorded object changed."""
    prior: str = olds["resolved_client_token"]
    recorded = _in_order(olds, news)  # None for state written before 0.2.0
    plan = Plan(token=prior, source_objects=recorded)
    for i, head in enumerate(heads):
        if head.state != "found":
            what = ("no longer exists in S3" if head.state == "missing"
                    else f"could not be read ({head.reason})")
            name = news["sources"][i].get("name")
            plan.warnings.append(
                f"sources[{i}] ({name}): {head.uri!r} {what}. The reference imported from it is "
                "unaffected; this import is kept as it is (clientToken unchanged).")
    if news.get("client_token"):
        return plan
    if recorded is None:  # 0.1.0 recorded only the token: compare it once every version is known
        if all(h.state == "found" for h in heads):
            versions = [h.version for h in heads]
            if _derive(news, [None] * len(heads)) == prior:  # made while no version could be read
                versions = [None] * len(heads)
            plan.token = _derive(news, versions)
            plan.source_objects = [_recorded(v, h) for v, h in zip(versions, heads, strict=True)]
        return plan
    changed = [i for i, (head, old) in enumerate(zip(heads, recorded, strict=True))
               if head.state == "found" and old.get("version") is not None and head.version != old["version"]]
    if changed:
        plan.source_objects = [
            _recorded(h.version, h) if i in changed else dict(old)
            for i, (h, old) in enumerate(zip(heads, recorded, strict=True))]
        plan.token = new_token(olds, news, [o["version"] for o in plan.source_objects])
    return plan


def _in_order(olds: dict, news: dict) -> list[dict] | None:
    """The source objects `olds` recorded, in the order of the new sources (matched by name)."""
    recorded = olds.get("source_objects")
    if recorded is None:
        return None
    by_source = {s.get("name"): o for s, o in zip(olds.get("sources") or [], recorded, strict=False)}
    return [dict(by_source.get(s.get("name")) or {}) for s in news["sources"]]


def _recorded(version: str | None, head: s3_objects.SourceObject) -> dict:
    """What the inputs record of a source object: the version in its identity, and its size."""
    return {"version": version, "bytes": head.size}


def _derive(news: dict, versions: list[str | None]) -> str:
    return tokens.derive_token(news["reference_store_id"], news["role_arn"], news["sources"], versions)


def _role_problem(settings: ConnectionSettings, role_arn: str) -> tuple[str | None, str | None]:
    """(refusal, warning) for the service role, from iam:GetRole when the caller may call it."""
    name = role_name(role_arn)
    if name is None:
        return f"{role_arn} is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)", None
    try:
        role = settings.client("iam").get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if error_code(exc) == "NoSuchEntity":
            return f"the service role {name} does not exist in IAM", None
        return None, (f"role_arn: the service role was not checked (iam:GetRole answered "
                      f"{error_code(exc)}); HealthOmics will fail the import if it cannot assume it")
    except BotoCoreError as exc:
        return None, f"role_arn: the service role was not checked (iam:GetRole failed: {exc})"
    actual = role.get("Arn") or role_arn
    differences = arn_differences(role_arn, actual)
    if differences:
        given, held = parse_role_arn(role_arn), parse_role_arn(actual)
        if given and held and (given.partition, given.account) == (held.partition, held.account):
            remedy = f"set role_arn to {actual} (a role's path is part of its ARN)"
        else:
            remedy = (f"HealthOmics is passed only a role of the caller's own account and partition: set "
                      f"role_arn to {actual}, or deploy with credentials of the account role_arn names")
        return (f"role_arn {role_arn} is not the role {name} that IAM holds for these credentials "
                f"({actual}): {', '.join(differences)}; {remedy}"), None
    if not trusts_omics(role.get("AssumeRolePolicyDocument")):
        return f"the service role {name} does not trust {OMICS_PRINCIPAL} (sts:AssumeRole)", None
    return None, None


def _read_problems(settings: ConnectionSettings, role_arn: str,
                   sources: list[dict]) -> tuple[list[str], str | None]:
    """(refusals, warning): each source the service role may not read, as IAM's
    SimulatePrincipalPolicy decides it, when the caller may ask."""
    files = [s["source_file"] for s in sources]
    try:
        pages = settings.client("iam").get_paginator("simulate_principal_policy").paginate(
            PolicySourceArn=role_arn, ActionNames=[READ_ACTION], ResourceArns=[object_arn(f) for f in files])
        decisions = {r["EvalResourceName"]: r["EvalDecision"]
                     for page in pages for r in page["EvaluationResults"]}
    except ClientError as exc:
        return [], (f"role_arn: whether the service role may read the sources was not checked "
                    f"(iam:SimulatePrincipalPolicy answered {error_code(exc)}); HealthOmics will fail "
                    f"each source the role may not {READ_ACTION}")
    except BotoCoreError as exc:
        return [], f"role_arn: whether the service role may read the sources was not checked ({exc})"
    refusals = []
    for i, (source, uri) in enumerate(zip(sources, files, strict=True)):
        decision = decisions.get(object_arn(uri))
        if decision is not None and decision != "allowed":
            refusals.append(f"the service role {role_name(role_arn)} is not allowed {READ_ACTION} on {uri!r} "
                            f"(sources[{i}] {source.get('name')}; IAM's policy simulation: {decision}): "
                            f"grant it in the role's policy, or HealthOmics will fail this source")
    return refusals, None


def carry_outputs(olds: dict, inputs: dict) -> dict:
    """`inputs` with the outputs recorded in `olds` (same import, same token) carried over, so
    that a preview, which shows checked inputs as the outputs, shows them unchanged."""
    carried = {**inputs, **{k: olds[k] for k in JOB_OUTPUTS if olds.get(k) is not None}}
    carried["sources"] = [
        {**new, **{k: old[k] for k in SOURCE_OUTPUTS if old.get(k) is not None}}
        for old, new in by_name(olds.get("sources"), inputs["sources"])]
    return carried
