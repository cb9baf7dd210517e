"""The IAM policies a user copies, one JSON file each, with `<PLACEHOLDER>`s to fill in:

    caller.json                      whoever applies changes (`pulumi up`, `destroy`, `refresh`)
    previewer.json                   a read-only `pulumi preview --refresh` (the pull-request role)
    service-role-trust.json          the service role: only HealthOmics may assume it
    service-role-permissions.json    the service role: read the sources
    github-oidc-trust-previewer.json GitHub Actions (OIDC) may assume the previewer: pull requests, main
    github-oidc-trust-deployer.json  GitHub Actions (OIDC) may assume the caller: a stack's environment

`create_role` and the README's IAM section are made from these files.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from typing import Any

NAMES = ("caller", "previewer", "service-role-trust", "service-role-permissions",
         "github-oidc-trust-previewer", "github-oidc-trust-deployer")
_PLACEHOLDER = re.compile(r"<([A-Z_]+)>")


def text(name: str) -> str:
    """The file `NAME.json` as it ships."""
    return resources.files(__package__).joinpath(f"{name}.json").read_text()


def document(name: str) -> dict:
    """The policy `name`, its placeholders unfilled."""
    return json.loads(text(name))


def placeholders(name: str) -> set[str]:
    """The placeholders (`ACCOUNT_ID`, ...) the policy `name` holds."""
    return set(_PLACEHOLDER.findall(text(name)))


def render(name: str, **values: str | list[str]) -> dict:
    """The policy `name` with each `<KEY>` filled from `values`; a list value turns a string
    that holds its placeholder into a sorted list, one string per value. Raises KeyError
    naming a placeholder left without a value."""
    missing = placeholders(name) - set(values)
    if missing:
        raise KeyError(f"{name}.json: no value for {', '.join(sorted(missing))}")
    return _fill(document(name), values)


def _fill(value: Any, values: dict[str, str | list[str]]) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [f for v in value for f in _as_list(_fill(v, values))]
    if not isinstance(value, str):
        return value
    filled = [value]
    for key in _PLACEHOLDER.findall(value):
        given = values[key]
        options = sorted(set(given)) if isinstance(given, list) else [given]
        filled = [f.replace(f"<{key}>", option) for f in filled for option in options]
    return filled[0] if len(filled) == 1 and not _lists(value, values) else filled


def _lists(value: str, values: dict[str, str | list[str]]) -> bool:
    return any(isinstance(values[key], list) for key in _PLACEHOLDER.findall(value))


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def actions(name: str) -> list[str]:
    """Every action the policy `name` allows, in its order."""
    found = []
    for statement in document(name)["Statement"]:
        given = statement.get("Action", [])
        found += [given] if isinstance(given, str) else given
    return found


def granting(action: str) -> list[str]:
    """The names of the policies (`caller`, ...; each the file NAME.json) that allow `action`."""
    return [name for name in NAMES if action in actions(name)]
