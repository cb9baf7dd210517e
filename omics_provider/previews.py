"""What a `pulumi preview --json` says, read into plain records: one change per resource, the
diagnostics, and whether the preview failed. Read by the reviewer's summary (`review`) and the
apply guard (`guard`); a JSON reader only (no pulumi, no AWS).

A preview with `--refresh` lists a `refresh` step for every resource first. An import whose
references were all deleted outside Pulumi is then gone from the refreshed state, and the
program's step for it is a plain `create`: it is read here as a re-import (`gone_outside`), with
what the state held before the refresh.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from .schema import REFERENCE_IMPORT_JOB, REFERENCE_STORE, provider_name, provider_names, token
from .values import GONE

# The type tokens of the resources: the dynamic provider's, then the native plugin's (whose
# properties are named as its schema names them, camelCase, and read here by the provider's names).
IMPORT_TYPES = ("pulumi-python:dynamic/omics:ReferenceImportJob", token(REFERENCE_IMPORT_JOB))
STORE_TYPES = ("pulumi-python:dynamic/omics:ReferenceStore", token(REFERENCE_STORE))
NATIVE = {token(REFERENCE_IMPORT_JOB): REFERENCE_IMPORT_JOB, token(REFERENCE_STORE): REFERENCE_STORE}
REPLACE_OPS = ("replace", "create-replacement", "delete-replaced")
# Printed after the real error whenever a program stops early: noise next to the cause.
MONITOR_SHUTDOWN = "Resource monitor has terminated, shutting down"


@dataclass
class Change:
    """What the preview plans for one resource: its op (`replace` stands for the three replace
    steps), and its inputs and outputs before and after."""

    op: str
    type: str
    name: str
    old_inputs: dict
    old_outputs: dict
    new_inputs: dict
    replace_reasons: list[str]
    gone_outside: bool = False  # in the state, but a refresh found it deleted outside Pulumi

    @property
    def is_import(self) -> bool:
        return self.type in IMPORT_TYPES

    @property
    def is_store(self) -> bool:
        return self.type in STORE_TYPES

    def deleted_references(self) -> list[dict]:
        """The references (old source outputs) that this change deletes."""
        return [] if self.releases() else self._leaving()

    def released_references(self) -> list[dict]:
        """The references (old source outputs) this change lets go of and leaves in place: an
        import that adopted them, without delete_adopted."""
        return self._leaving() if self.releases() else []

    def releases(self) -> bool:
        return bool(self.old_outputs.get("adopt_existing")) and not self.old_outputs.get("delete_adopted")

    def _leaving(self) -> list[dict]:
        if not self.is_import or self.gone_outside or self.op not in ("delete", "replace"):
            return []
        return [s for s in self.old_outputs.get("sources") or []
                if s.get("reference_id") and s.get("status") not in GONE]

    def starts_job(self) -> bool:
        """True when applying this change starts an import job (adopting starts none)."""
        return (self.is_import and self.op in ("create", "replace")
                and not self.new_inputs.get("adopt_existing"))


@dataclass
class Diagnostic:
    """An error, warning or info message, with the resource it belongs to (if any)."""

    severity: str  # "error", "warning" or "info"
    resource: str | None
    message: str


@dataclass
class Preview:
    """A whole preview: the changes in the order Pulumi planned them, and its diagnostics.
    `produced` is False when there was no JSON at all (pulumi stopped before planning)."""

    changes: list[Change] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    produced: bool = True

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "warning"]

    @property
    def failed(self) -> bool:
        return not self.produced or bool(self.errors)


def read(text: str) -> Preview:
    """The preview in `text` (the output of `pulumi preview --json`); an empty or unreadable
    text is a preview that produced nothing."""
    try:
        raw = json.loads(text)
    except ValueError:
        return Preview(produced=False)
    return parse(raw) if isinstance(raw, dict) else Preview(produced=False)


def parse(raw: dict) -> Preview:
    """The preview in a parsed `pulumi preview --json`."""
    return Preview(_changes(raw.get("steps") or []), _diagnostics(raw.get("diagnostics") or []))


def _changes(steps: list[dict]) -> list[Change]:
    refreshed: dict[str, dict] = {}  # urn -> the state before the refresh
    changes: dict[str, Change] = {}
    for step in steps:
        urn, op = step["urn"], step["op"]
        old, new = step.get("oldState") or {}, step.get("newState") or {}
        if op == "refresh":
            refreshed[urn] = old
            continue
        parts = urn.split("::")
        type_ = parts[2] if len(parts) > 2 else ""
        gone_outside = op == "create" and urn in refreshed
        before = refreshed[urn] if gone_outside else old
        change = Change(
            op="replace" if op in REPLACE_OPS else op, type=type_, name=parts[-1],
            old_inputs=_named(before.get("inputs"), type_),
            old_outputs=_named(before.get("outputs") or before.get("inputs"), type_),
            new_inputs=_named(new.get("inputs"), type_),
            replace_reasons=[provider_name(r, NATIVE[type_]) if type_ in NATIVE else r
                             for r in step.get("replaceReasons") or []],
            gone_outside=gone_outside)
        if urn in changes and changes[urn].op == "replace":
            continue  # the other two steps of a replacement say nothing more
        changes[urn] = change
    return list(changes.values())


def _named(props: dict | None, type_: str) -> dict:
    """Properties by the provider's names (a native plugin's preview names them as its schema does)."""
    return provider_names(props or {}, NATIVE[type_]) if type_ in NATIVE else props or {}


_RESOURCE_PREFIX = re.compile(r"^\S+ resource '([^']+)': ")
_PROPERTY_PROBLEM = re.compile(r"^property (\S+) value .*? has a problem: ", re.S)


def _diagnostics(raw: list[dict]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for item in raw:
        message = (item.get("message") or "").strip()
        severity = item.get("severity") or "info"
        # A dynamic provider's messages reach the engine as its stderr ("info#err"): the
        # level is the message's own prefix.
        match = re.match(r"^(error|warning|info): ", message)
        if match:
            message = message[match.end():]
            if severity.startswith("info"):
                severity = match[1]
        severity = "error" if severity == "error" else "warning" if severity == "warning" else "info"
        parts = (item.get("urn") or "").split("::")
        # A dynamic provider's own messages are attached to the stack: they name their resource.
        resource = parts[-1] if len(parts) > 2 and parts[2] != "pulumi:pulumi:Stack" else None
        named = _RESOURCE_PREFIX.match(message)
        if named:
            resource, message = named[1], message[named.end():]
        problem = _PROPERTY_PROBLEM.match(message)
        if problem:
            message = f"{problem[1]}: {message[problem.end():]}"
        diagnostic = Diagnostic(severity, resource, " ".join(message.split()))
        if diagnostic not in found:
            found.append(diagnostic)
    if any(d.severity == "error" and d.message != MONITOR_SHUTDOWN for d in found):
        found = [d for d in found if d.message != MONITOR_SHUTDOWN]
    return found
