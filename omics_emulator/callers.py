"""Who signed a request: the access key (SigV4 `Credential=`, a presigned URL's `X-Amz-Credential`,
or SigV2's `AWS KEY:` and `AWSAccessKeyId=`) names an IAM user's key or an STS session's temporary
key in the local IAM (moto's backends), and through it the policies that apply. A key of neither
is the account's root, allowed everything (so a client may sign with any key); but a key the local
IAM or STS once issued (a deleted user's, a session lost in a restart) is invalid, never root."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qs

from moto.iam.exceptions import NotFoundException

from .account import ACCOUNT_ID, ROOT_ARN, iam_backend, sts_backend

_HEADER_KEY = re.compile(r"Credential=([^/,\s]+)/|^AWS ([^ :]+):")
_ANSWERED_KEY = re.compile(rb"<AccessKeyId>([^<]+)</AccessKeyId>")

# PolicyArns given at AssumeRole, by the session's access key id (moto keeps only the inline Policy).
_session_policy_arns: dict[str, list[str]] = {}
_issued: set[str] = set()  # every key id the local IAM and STS issued (iam_store keeps it)
_lock = threading.Lock()


class BadToken(Exception):
    """The key or session token is not (or no longer) valid: `expired` tells which answer."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Caller:
    """An IAM identity that signed a request, with everything IAM decides its requests by."""

    arn: str  # as AWS names it in a denial: a user's or an assumed-role session's ARN
    kind: str  # "User" or "AssumedRole" (aws:PrincipalType)
    identity_policies: tuple[str, ...]
    session_policies: tuple[str, ...] | None = None  # None: the session was given none
    boundary: str | None = None  # the permissions boundary's document, if any
    principals: tuple[str, ...] = ()  # what a trust policy's AWS principal may name it by
    context: dict[str, str] = field(default_factory=dict)  # aws:* keys about the principal


def signing_key(environ: dict) -> tuple[str, str | None] | None:
    """(access key id, session token or None) a request was signed with; None when unsigned."""
    query = environ.get("QUERY_STRING", "")
    found = _HEADER_KEY.search(environ.get("HTTP_AUTHORIZATION", ""))
    form = parse_qs(query)
    key = (found[1] or found[2]) if found else None
    if key is None:
        credential = (form.get("X-Amz-Credential") or [""])[0]
        key = credential.split("/", 1)[0] or (form.get("AWSAccessKeyId") or [None])[0]
    if not key:
        return None
    token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN") or (form.get("X-Amz-Security-Token") or [None])[0]
    return key, token


def caller_of(access_key: str, token: str | None) -> Caller | None:
    """The identity whose key this is; None for a key of no identity (the account's root).
    Raises BadToken for an inactive key, a session key with a wrong or no token, or an expired session."""
    iam = iam_backend()
    key = iam.access_keys.get(access_key)
    if key is not None and key.user_name is not None:
        if key.status != "Active" or token:
            raise BadToken()
        try:
            return _user_caller(iam.get_user(key.user_name))
        except Exception:  # the key outlived its user
            raise BadToken() from None
    session = next((s for s in sts_backend().assumed_roles if s.access_key_id == access_key), None)
    if session is None:
        if access_key in _issued:
            raise BadToken(expired=access_key.startswith("ASIA"))
        return None
    if token != session.session_token:
        raise BadToken()
    if session.expiration.replace(tzinfo=UTC) <= datetime.now(UTC):
        raise BadToken(expired=True)
    return _session_caller(session)


def session_key(answer: bytes) -> str | None:
    """The access key id of the session a successful AssumeRole* answer (moto's XML) made."""
    key = _ANSWERED_KEY.search(answer)
    return key[1].decode() if key else None


def remember_session_policies(form: dict[str, str], key: str) -> None:
    """Record the managed session policies (PolicyArns.member.N) an AssumeRole request (`form`)
    was given, for the session of access key id `key` it made."""
    arns = [v for k, v in sorted(form.items()) if k.startswith("PolicyArns.member.")]
    if arns:
        with _lock:
            _session_policy_arns[key] = arns


def note_issued(keys: Iterable[str]) -> None:
    """Remember these key ids as issued by the local IAM or STS."""
    with _lock:
        _issued.update(keys)


def issued_keys() -> set[str]:
    """Every key id known to have been issued by the local IAM or STS."""
    with _lock:
        return set(_issued)


def identity_policies(arn: str) -> list[str] | None:
    """The policy documents of the user, group or role with this ARN; None when there is none."""
    iam = iam_backend()
    for kind, found in (("user", iam.users.values()), ("role", iam.roles.values()),
                        ("group", iam.groups.values())):
        for identity in found:
            if identity.arn == arn:
                if kind == "user":
                    return _user_documents(identity)
                return [*identity.policies.values(), *_managed(identity.managed_policies.values())]
    return None


def managed_document(policy_arn: str) -> str | None:
    """The default version's document of a managed policy; None when there is none."""
    iam = iam_backend()
    policy = iam.managed_policies.get(policy_arn)
    if policy is None:
        policy = next((p for p in iam.aws_managed_policies if p.arn == policy_arn), None)
    return None if policy is None else next(iter(_managed([policy])), None)


def _user_caller(user) -> Caller:
    return Caller(arn=user.arn, kind="User", identity_policies=tuple(_user_documents(user)),
                  principals=(user.arn, ACCOUNT_ID, ROOT_ARN),
                  context={"aws:principalarn": user.arn, "aws:username": user.name,
                           "aws:userid": user.id, **_account_context("User")})


def _user_documents(user) -> list[str]:
    documents = [*user.policies.values(), *_managed(user.managed_policies.values())]
    for group in iam_backend().get_groups_for_user(user.name):
        documents += [*group.policies.values(), *_managed(group.managed_policies.values())]
    return documents


def _session_caller(session) -> Caller:
    try:
        role = iam_backend().get_role_by_arn(session.role_arn)
    except NotFoundException:
        role = None  # a session of a deleted role keeps its keys and loses every permission
    documents = [*role.policies.values(), *_managed(role.managed_policies.values())] if role else []
    given = ([session.policy] if session.policy else []) + [
        d for d in map(managed_document, _session_policy_arns.get(session.access_key_id, [])) if d]
    arn = session.arn
    bounded = role is not None and role.permissions_boundary_arn
    boundary = managed_document(role.permissions_boundary_arn) if bounded else None
    role_id = role.id if role else "AROA"
    return Caller(arn=arn, kind="AssumedRole", identity_policies=tuple(documents),
                  session_policies=tuple(given) if given or session.access_key_id in _session_policy_arns
                  else None, boundary=boundary,
                  principals=(arn, session.role_arn, ACCOUNT_ID, ROOT_ARN),
                  context={"aws:principalarn": session.role_arn,
                           "aws:userid": f"{role_id}:{session.session_name}",
                           "aws:rolesessionname": session.session_name, **_account_context("AssumedRole")})


def _account_context(kind: str) -> dict[str, str]:
    return {"aws:principalaccount": ACCOUNT_ID, "aws:principaltype": kind}


def _managed(policies: Iterable) -> list[str]:
    return [v.document for p in policies for v in p.versions if v.is_default]
