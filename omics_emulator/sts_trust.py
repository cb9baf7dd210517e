"""Whom a role lets assume it, as STS decides it from the role's trust policy.

AssumeRole: the role must exist and its trust policy allow `sts:AssumeRole` for a principal that
names the caller (its user ARN, its role or session ARN, the account's id or root ARN, or `*`);
the caller's own policies must allow it too (checked apart, with the other identity checks; also
when the trust names the caller itself, where AWS would not ask: stricter, never looser).
AssumeRoleWithWebIdentity: the token is read as a JWT (its signature is not verified); its `iss`
names an OIDC provider of the account, its `aud` one of the provider's client ids, its `exp` is
ahead; the trust policy must allow `sts:AssumeRoleWithWebIdentity` for that provider (Federated),
with conditions on `<provider>:aud`, `:sub` and `:amr`. AssumeRoleWithSAML: the trust must allow
`sts:AssumeRoleWithSAML` for the PrincipalArn (Federated); the assertion's claims are not read."""

from __future__ import annotations

import base64
import json
import time

from moto.iam.exceptions import NotFoundException

from .account import ACCOUNT_ID, ROOT_ARN, iam_backend
from .callers import Caller
from .policy_evaluation import ALLOWED, trust_decision


class Refused(Exception):
    """STS refuses: `code`, `status` and `message` are its answer."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


def check_assume_role(caller: Caller | None, form: dict[str, str], context: dict[str, str]) -> None:
    """Return when the role's trust lets the caller (None: the account's root) assume it."""
    role_arn = form.get("RoleArn", "")
    principals = caller.principals if caller is not None else (ROOT_ARN, ACCOUNT_ID)
    trust = _trust(role_arn)
    decided = trust is not None and trust_decision(
        trust, "sts:AssumeRole", {"AWS": principals}, {**context, **(caller.context if caller else {})})
    if decided != ALLOWED:
        who = caller.arn if caller is not None else ROOT_ARN
        raise Refused("AccessDenied", 403,
                      f"User: {who} is not authorized to perform: sts:AssumeRole on resource: {role_arn}")


def check_web_identity(form: dict[str, str]) -> None:
    """Return when the token and the role's trust let this AssumeRoleWithWebIdentity through."""
    claims = _claims(form.get("WebIdentityToken", ""))
    issuer = str(claims.get("iss", ""))
    host = issuer.removeprefix("https://").rstrip("/")
    providers = iam_backend().open_id_providers
    provider = providers.get(f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{host}")
    if provider is None:
        raise Refused("InvalidIdentityToken", 400,
                      f"No OpenIDConnect provider found in your account for {issuer}")
    audiences = claims.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    if not set(map(str, audiences)) & set(provider.client_id_list):
        raise Refused("InvalidIdentityToken", 400, "Incorrect token audience")
    if "exp" in claims and float(claims["exp"]) <= time.time():
        raise Refused("ExpiredTokenException", 400, "Token expired: the token's exp is in the past")
    context = {f"{host}:{claim}".lower(): _value(claims[claim]) for claim in ("aud", "sub", "amr")
               if claim in claims}
    _federated(form.get("RoleArn", ""), "sts:AssumeRoleWithWebIdentity", provider.arn, context)


def check_saml(form: dict[str, str]) -> None:
    """Return when the role's trust allows AssumeRoleWithSAML for the PrincipalArn."""
    _federated(form.get("RoleArn", ""), "sts:AssumeRoleWithSAML", form.get("PrincipalArn", ""),
               {"saml:aud": "https://signin.aws.amazon.com/saml"})


def _federated(role_arn: str, action: str, provider_arn: str, context: dict) -> None:
    trust = _trust(role_arn)
    if trust is None or trust_decision(trust, action, {"Federated": [provider_arn]}, context) != ALLOWED:
        raise Refused("AccessDenied", 403, f"Not authorized to perform {action}")


def _trust(role_arn: str) -> str | None:
    try:
        return iam_backend().get_role_by_arn(role_arn).assume_role_policy_document
    except NotFoundException:
        return None


def _value(claim: object) -> str | list[str]:
    return [str(c) for c in claim] if isinstance(claim, list) else str(claim)


def _claims(token: str) -> dict:
    """The payload of a JWT; Refused InvalidIdentityToken when it is not one."""
    parts = token.split(".")
    try:
        payload = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        raise Refused("InvalidIdentityToken", 400, "Couldn't parse the web identity token") from None
    if not isinstance(claims, dict):
        raise Refused("InvalidIdentityToken", 400, "Couldn't parse the web identity token")
    return claims
