"""What the local IAM lets a role do, as IAM's SimulatePrincipalPolicy reports it: the role's
inline and attached policies, each evaluated by moto's policy evaluator (moto serves IAM but not
this API). An explicit Deny wins, then any Allow; otherwise the action is implicitly denied.
Permission boundaries, conditions' context and resource policies are not simulated."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends

from omics_rules.service_role import role_name

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"
_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


class NoSuchRole(Exception):
    """The policy source names no role of the local IAM."""


def decision(role_arn: str, action: str, resource: str) -> str:
    """allowed, explicitDeny or implicitDeny for `action` on `resource` by the role."""
    try:
        role = iam_backends[DEFAULT_ACCOUNT_ID]["aws"].get_role(role_name(role_arn) or "")
    except NotFoundException:
        raise NoSuchRole(role_arn) from None
    if role.arn != role_arn:  # the name of a role, in another path, account or partition
        raise NoSuchRole(role_arn)
    policies = [IAMPolicy(document) for document in role.policies.values()]
    policies += [IAMPolicy(policy) for policy in role.managed_policies.values()]
    results = [p.is_action_permitted(action, resource) for p in policies]
    if PermissionResult.DENIED in results:
        return EXPLICIT_DENY
    return ALLOWED if PermissionResult.PERMITTED in results else IMPLICIT_DENY


def is_simulation(body: bytes) -> bool:
    """True for an IAM query request whose Action is SimulatePrincipalPolicy."""
    return parse_qs(body.decode("utf-8", "replace")).get("Action") == ["SimulatePrincipalPolicy"]


def simulate(body: bytes) -> tuple[int, bytes]:
    """(status, XML) answering a SimulatePrincipalPolicy query request: a decision for each
    action on each resource (`*` when none is named), or NoSuchEntity."""
    form = parse_qs(body.decode("utf-8", "replace"))
    source = (form.get("PolicySourceArn") or [""])[0]
    actions = _members(form, "ActionNames")
    resources = _members(form, "ResourceArns") or ["*"]
    try:
        results = [(a, r, decision(source, a, r)) for a in actions for r in resources]
    except NoSuchRole:
        return 404, error("NoSuchEntity", f"The role with name {role_name(source)} cannot be found.")
    members = "".join(
        f"<member><EvalActionName>{escape(a)}</EvalActionName><EvalResourceName>{escape(r)}"
        f"</EvalResourceName><EvalDecision>{d}</EvalDecision><MatchedStatements/>"
        f"<MissingContextValues/></member>" for a, r, d in results)
    return 200, (f'<SimulatePrincipalPolicyResponse xmlns="{_NAMESPACE}"><SimulatePrincipalPolicyResult>'
                 f"<IsTruncated>false</IsTruncated><EvaluationResults>{members}</EvaluationResults>"
                 f"</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId>"
                 f"</ResponseMetadata></SimulatePrincipalPolicyResponse>").encode()


def _members(form: dict[str, list[str]], name: str) -> list[str]:
    """The values of a query list `Name.member.N`, in order."""
    found = sorted((int(k.rsplit(".", 1)[1]), v[0]) for k, v in form.items()
                   if k.startswith(f"{name}.member.") and k.rsplit(".", 1)[1].isdigit())
    return [v for _, v in found]


def error(code: str, message: str) -> bytes:
    """An IAM error response."""
    return (f'<ErrorResponse xmlns="{_NAMESPACE}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
            f"</ErrorResponse>").encode()
