"""What a set of IAM policy documents decides for one action on one resource, as IAM evaluates
them: a statement applies when its Action (or NotAction), its Resource (or NotResource) and all of
its Condition match the request; an applying Deny wins, else an applying Allow, else the action
is implicitly denied. Actions match case-insensitively, resources case-sensitively, both with the
`*` and `?` wildcards; `${...}` policy variables are filled from the request's context.

Conditions: the String, Arn, Bool, Numeric, IpAddress and Null operators, with `...IfExists` and
the `ForAnyValue:`/`ForAllValues:` set qualifiers, over the context keys the caller supplies. A key
the context lacks is absent, as in AWS: the condition is false, but true for a negated operator
(`StringNotEquals`, ...) and for `...IfExists`. The Date and Binary operators are not evaluated:
such a statement is taken as not matching when it allows and as matching when it denies (never
more permissive than AWS).

(moto's `IAMPolicy.is_action_permitted`, used here before, takes a Deny without Resource or a
NotResource statement as an Allow, a failed condition on an Allow as a Deny, matches actions
case-sensitively and reads `?` and `.` as regular expressions; so it is not used.)"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitDeny", "implicitDeny"
Context = Mapping[str, "str | list[str]"]  # condition keys, lower-case, to their value(s)


@dataclass(frozen=True)
class Request:
    """One authorization question: may `action` be done on `resource`, in this context?"""

    action: str
    resource: str
    context: Context = field(default_factory=dict)


class _Undecided(Exception):
    """A condition this evaluator cannot decide (a Date or Binary operator)."""


def decide(documents: Iterable[str | dict], request: Request) -> str:
    """allowed, explicitDeny or implicitDeny for `request` under these identity-based policies."""
    allowed = False
    for document in documents:
        for statement in statements(document):
            effect = statement.get("Effect")
            try:
                applies = _applies(statement, request)
            except _Undecided:
                applies = effect == "Deny"  # never more permissive than AWS
            if applies and effect == "Deny":
                return EXPLICIT_DENY
            allowed = allowed or (applies and effect == "Allow")
    return ALLOWED if allowed else IMPLICIT_DENY


def trust_decision(document: str | dict, action: str, principals: Mapping[str, Iterable[str]],
                   context: Context) -> str:
    """allowed, explicitDeny or implicitDeny for `action` by a principal known by `principals`
    ({"AWS": ARNs and account ids, "Federated": provider ARNs, "Service": names}) under a role's
    trust policy (a resource-based policy: no Resource element; Principal must match)."""
    allowed = False
    for statement in statements(document):
        effect = statement.get("Effect")
        try:
            applies = (_matches_action(statement, action) and _names_principal(statement, principals)
                       and _conditions_hold(statement.get("Condition") or {}, context))
        except _Undecided:
            applies = effect == "Deny"
        if applies and effect == "Deny":
            return EXPLICIT_DENY
        allowed = allowed or (applies and effect == "Allow")
    return ALLOWED if allowed else IMPLICIT_DENY


def statements(document: str | dict) -> list[dict]:
    """The statements of a policy document (JSON text or parsed); [] for one that does not parse."""
    if isinstance(document, str):
        return list(_parsed(document))
    found = document.get("Statement", []) if isinstance(document, dict) else []
    return [s for s in ([found] if isinstance(found, dict) else found) if isinstance(s, dict)]


@lru_cache(maxsize=1024)
def _parsed(text: str) -> tuple[dict, ...]:
    """A document's statements, parsed once: every request is checked against the same texts."""
    try:
        return tuple(statements(json.loads(text)))
    except ValueError:
        return ()


def _listed(value: object) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _applies(statement: dict, request: Request) -> bool:
    if "Resource" in statement:
        on_resource = any(_wildcard(_filled(p, request.context), request.resource)
                          for p in _listed(statement["Resource"]))
    elif "NotResource" in statement:
        on_resource = not any(_wildcard(_filled(p, request.context), request.resource)
                              for p in _listed(statement["NotResource"]))
    else:
        return False  # an identity-based statement names its resources
    return (on_resource and _matches_action(statement, request.action)
            and _conditions_hold(statement.get("Condition") or {}, request.context))


def _matches_action(statement: dict, action: str) -> bool:
    if "Action" in statement:
        return any(_wildcard(p, action, fold=True) for p in _listed(statement["Action"]))
    if "NotAction" in statement:
        return not any(_wildcard(p, action, fold=True) for p in _listed(statement["NotAction"]))
    return False


def _names_principal(statement: dict, principals: Mapping[str, Iterable[str]]) -> bool:
    if "NotPrincipal" in statement:
        raise _Undecided("NotPrincipal")
    named = statement.get("Principal")
    if named == "*":
        return True
    if not isinstance(named, dict):
        return False
    for kind, values in named.items():
        mine = set(principals.get(kind, ()))
        if any(v == "*" or v in mine for v in _listed(values)):
            return True
    return False


_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "\x00", "?": "\x01", "$": "$"}  # ${*} and ${?} are the characters themselves


def _filled(pattern: str, context: Context) -> str:
    """`pattern` with each ${key} replaced by the context's value (\x02: no value: matches nothing)."""
    def value(match: re.Match) -> str:
        key = match[1]
        if key in _LITERALS:
            return _LITERALS[key]
        found = context.get(key.lower())
        return found if isinstance(found, str) else "\x02"
    return _VARIABLE.sub(value, pattern)


@lru_cache(maxsize=4096)
def _compiled(pattern: str, fold: bool) -> re.Pattern:
    parts = []
    for char in pattern:
        parts.append(".*" if char == "*" else "." if char == "?" else
                     re.escape({"\x00": "*", "\x01": "?"}.get(char, char)))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if fold else 0))


def _wildcard(pattern: str, value: str, fold: bool = False) -> bool:
    return "\x02" not in pattern and _compiled(pattern, fold).fullmatch(value) is not None


# Each positive operator's test of one context value against one policy value.
def _ip(value: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def _number(op: str):
    compare = {"Equals": float.__eq__, "LessThan": float.__lt__, "LessThanEquals": float.__le__,
               "GreaterThan": float.__gt__, "GreaterThanEquals": float.__ge__}[op]

    def test(value: str, expected: str) -> bool:
        try:
            return compare(float(value), float(expected))
        except ValueError:
            return False
    return test


_POSITIVE = {
    "stringequals": lambda v, e: v == e,
    "stringequalsignorecase": lambda v, e: v.lower() == e.lower(),
    "stringlike": lambda v, e: _wildcard(e, v),
    "arnequals": lambda v, e: _wildcard(e, v),
    "arnlike": lambda v, e: _wildcard(e, v),
    "bool": lambda v, e: v.lower() == e.lower(),
    "ipaddress": _ip,
    **{f"numeric{op.lower()}": _number(op)
       for op in ("Equals", "LessThan", "LessThanEquals", "GreaterThan", "GreaterThanEquals")},
}
_NEGATED = {"stringnotequals": "stringequals", "stringnotequalsignorecase": "stringequalsignorecase",
            "stringnotlike": "stringlike", "arnnotequals": "arnequals", "arnnotlike": "arnlike",
            "notipaddress": "ipaddress", "numericnotequals": "numericequals"}


def _conditions_hold(block: dict, context: Context) -> bool:
    """True when every operator's every key holds (values of one key: any matches)."""
    if not isinstance(block, dict):
        return False
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            return False
        for key, expected in keys.items():
            if not _holds(operator, key, _listed(expected), context):
                return False
    return True


def _holds(operator: str, key: str, expected: list[str], context: Context) -> bool:
    qualifier, _, name = operator.rpartition(":")
    name = name.lower()
    if_exists = name.endswith("ifexists")
    name = name.removesuffix("ifexists")
    expected = [e.lower() if e in ("True", "False") else e for e in expected]  # JSON booleans
    found = context.get(key.lower())
    if name == "null":
        return (found is None) == (expected[0].lower() == "true") if expected else False
    negated = name in _NEGATED
    base = _NEGATED.get(name, name)
    if base not in _POSITIVE:
        raise _Undecided(operator)
    if found is None:
        if qualifier.lower() == "forallvalues":
            return True
        return if_exists or (negated and qualifier.lower() != "foranyvalue")
    values = found if isinstance(found, list) else [found]
    test = _POSITIVE[base]

    def one(value: str) -> bool:
        hit = any(test(value, e) for e in expected)
        return not hit if negated else hit
    if qualifier.lower() == "forallvalues":
        return all(one(v) for v in values)
    if negated and qualifier.lower() != "foranyvalue":
        return all(one(v) for v in values)  # a negated single-valued test: matches none
    return any(one(v) for v in values)
