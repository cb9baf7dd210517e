"""What the local IAM lets a role, user or group do, as IAM's SimulatePrincipalPolicy reports it
(moto serves IAM but not this API): the identity's inline and attached policies (a user's groups'
too), evaluated as the endpoint authorizes requests (policy_evaluation). An explicit Deny wins,
then any Allow; otherwise the action is implicitly denied. Permission boundaries, condition
context and resource policies are not simulated."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from omics_rules.service_role import role_name

from .callers import identity_policies
from .policy_evaluation import Request, decide

_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"


class NoSuchRole(Exception):
    """The policy source names no role, user or group of the local IAM (by its whole ARN)."""


def decision(source_arn: str, action: str, resource: str) -> str:
    """allowed, explicitDeny or implicitDeny for `action` on `resource` by the role, user or group."""
    documents = identity_policies(source_arn)
    if documents is None:  # no such identity, or its name in another path, account or partition
        raise NoSuchRole(source_arn)
    return decide(documents, Request(action, resource))


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
        kind = next((k for k in ("user", "group") if f":{k}/" in source), "role")
        name = role_name(source) or source.rsplit("/", 1)[-1]
        return 404, error("NoSuchEntity", f"The {kind} with name {name} cannot be found.")
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


def error(code: str, message: str, namespace: str = _NAMESPACE) -> bytes:
    """An IAM error response (or STS's, with its namespace)."""
    return (f'<ErrorResponse xmlns="{namespace}"><Error><Type>Sender</Type><Code>{code}</Code>'
            f"<Message>{escape(message)}</Message></Error><RequestId>{uuid.uuid4()}</RequestId>"
            f"</ErrorResponse>").encode()
