"""The IAM checks an IAM or STS query request needs: `iam:<Action>` on the role, user, group,
managed policy, instance profile or OIDC provider the request names (for a user action without a
UserName, the calling user), `*` for the others (ListRoles, CreateOpenIDConnectProvider's own
ARN aside); `sts:<Action>` on the RoleArn of AssumeRole, `*` otherwise. GetCallerIdentity and
GetSessionToken need no permission; AssumeRoleWithWebIdentity and AssumeRoleWithSAML are decided
by the role's trust alone (sts_trust)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from .account import ACCOUNT_ID, iam_backend
from .authorization import Check
from .callers import Caller

NO_PERMISSION = {"GetCallerIdentity", "GetSessionToken", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"}
_IAM = f"arn:aws:iam::{ACCOUNT_ID}:"
_READS = ("Get", "List", "Simulate", "Generate", "Decode")


def query_form(body: bytes, query: str) -> dict[str, str]:
    """The parameters of a query-protocol request (its body, or its query string), first values."""
    form = parse_qs(body.decode("utf-8", "replace")) or parse_qs(query)
    return {k: v[0] for k, v in form.items()}


def changes_state(form: dict[str, str]) -> bool:
    """Whether an IAM or STS action may change the local IAM's identities, policies or keys:
    every action but the reads (Get*, List*, Simulate*, Generate*, Decode*) and the AssumeRole*
    actions, which read a role and make a session (`makes_session`)."""
    return not form.get("Action", "").startswith(_READS) and not makes_session(form)


def makes_session(form: dict[str, str]) -> bool:
    """Whether an STS action makes a session (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML)."""
    return form.get("Action", "").startswith("AssumeRole")


def checks(service: str, form: dict[str, str], caller: Caller | None) -> list[Check]:
    """What an IAM or STS request needs authorized (service: `iam` or `sts`)."""
    action = form.get("Action", "")
    if service == "sts":
        if action in NO_PERMISSION:
            return []
        if action == "AssumeRole":
            context = {"sts:rolesessionname": form.get("RoleSessionName", "")}
            if form.get("ExternalId"):
                context["sts:externalid"] = form["ExternalId"]
            return [Check("sts:AssumeRole", form.get("RoleArn", ""), context)]
        return [Check(f"sts:{action}", "*")]
    return [Check(f"iam:{action}", _iam_resource(action, form, caller))]


def _iam_resource(action: str, form: dict[str, str], caller: Caller | None) -> str:
    iam = iam_backend()
    path = form.get("Path", "/")
    if "Group" in action and form.get("GroupName"):
        return _arn(iam.groups.get(form["GroupName"]), "group", path, form["GroupName"])
    if form.get("RoleName"):
        return _arn(iam.roles.get(_role_id(iam, form["RoleName"])), "role", path, form["RoleName"])
    if form.get("UserName"):
        return _arn(iam.users.get(form["UserName"]), "user", path, form["UserName"])
    if form.get("InstanceProfileName"):
        return f"{_IAM}instance-profile{path}{form['InstanceProfileName']}"
    for name in ("PolicyArn", "OpenIDConnectProviderArn", "SAMLProviderArn", "PolicySourceArn"):
        if form.get(name):
            return form[name]
    if action == "CreatePolicy" and form.get("PolicyName"):
        return f"{_IAM}policy{path}{form['PolicyName']}"
    if action == "CreateOpenIDConnectProvider" and form.get("Url"):
        url = urlparse(form["Url"] if "://" in form["Url"] else f"https://{form['Url']}")
        return f"{_IAM}oidc-provider/{url.netloc}{url.path}"
    if "User" in action or "AccessKey" in action or "SSHPublicKey" in action:
        return caller.arn if caller is not None and caller.kind == "User" else "*"
    return "*"


def _role_id(iam, name: str) -> str | None:
    """moto keeps roles by id; the id of the role called `name`."""
    return next((key for key, role in iam.roles.items() if role.name == name), None)


def _arn(existing, kind: str, path: str, name: str) -> str:
    """The ARN of the named identity: its own (with its path) when it exists, else as it would be made."""
    return existing.arn if existing is not None else f"{_IAM}{kind}{path}{name}"
