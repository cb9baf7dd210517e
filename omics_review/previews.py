"""What a `pulumi preview --json` says, read into plain records: one change per resource, the
diagnostics, and whether the preview failed. Read by the reviewer's summary (`review`) and the
apply guard (`guard`); a JSON reader only (no pulumi, no AWS).

Any value may be hidden: `pulumi preview --json` writes a secret as the string `[secret]` (in
place of the whole property that is secret, however deep: a `sources` list, one source, a tags
map, one value) and a value not known until apply as Pulumi's unknown string (`values.UNKNOWN`).
Nothing here assumes a property's shape: what cannot be read is named in `Preview.unreadable`.

A preview with `--refresh` lists a `refresh` step for every resource first. An import whose
references were all deleted outside Pulumi is then gone from the refreshed state, and the
program's step for it is a plain `create`: it is read here as a re-import (`gone_outside`), with
what the state held before the refresh.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from omics_provider.core.values import GONE, UNKNOWN
from omics_provider.schema import (
    REFERENCE_IMPORT_JOB,
    REFERENCE_STORE,
    dynamic_token,
    provider_names,
    provider_path,
    token,
)

# The type tokens of the resources, as previews and states name them: the dynamic provider's,
# then the native plugin's (whose properties are named as its schema names them, camelCase, and
# read here by the provider's names).
IMPORT_TYPES = (dynamic_token(REFERENCE_IMPORT_JOB), token(REFERENCE_IMPORT_JOB))
STORE_TYPES = (dynamic_token(REFERENCE_STORE), token(REFERENCE_STORE))
NATIVE = {token(REFERENCE_IMPORT_JOB): REFERENCE_IMPORT_JOB, token(REFERENCE_STORE): REFERENCE_STORE}
REPLACE_OPS = ("replace", "create-replacement", "delete-replaced")
# What `pulumi preview --json` writes in place of a secret value (pulumi's display, whose
# stateForJSONOutput masks every secret property as this string).
SECRET = "[secret]"
# Printed after the real error whenever a program stops early: noise next to the cause.
MONITOR_SHUTDOWN = "Resource monitor has terminated, shutting down"


def hidden(value: object) -> bool:
    """True when the preview hides the value: a secret, or a value known only after apply."""
    return isinstance(value, str) and value in (SECRET, UNKNOWN)


def sources(props: dict) -> list | str:
    """The `sources` of these properties: a list (each item a dict, or a hidden value), or the
    hidden value that stands for the whole list."""
    value = props.get("sources")
    if hidden(value):
        return value
    return value if isinstance(value, list) else []


def visible(value: object) -> str:
    """A name or value as text in which every character shows: a plain string as it is, else
    (empty, with a leading or trailing space, a character that does not print, or a leading
    quote) quoted with those characters escaped, as in JSON. Other values as JSON."""
    if not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, default=str)
    if value and value.isprintable() and value[0] not in ' "' and value[-1] != " ":
        return value
    return '"' + "".join(_ESCAPES.get(c) or (c if c.isprintable() else _escaped(c)) for c in value) + '"'


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}"


@dataclass(frozen=True)
class Reference:
    """A reference a change lets go of: its name and id as the preview shows them (either may be
    hidden). `every` is True when the import's whole `sources` is hidden: this stands for all of
    them, however many."""

    name: object
    reference_id: object
    every: bool = False

    @property
    def hidden(self) -> bool:
        return hidden(self.reference_id) or self.every


@dataclass
class Change:
    """What the preview plans for one resource: its op (`replace` stands for the three replace
    steps), its inputs and outputs before and after, its id before, and the property paths its
    detailed diff names."""

    op: str
    type: str
    name: str
    old_inputs: dict
    old_outputs: dict
    new_inputs: dict
    replace_reasons: list[str]
    gone_outside: bool = False  # in the state, but a refresh found it deleted outside Pulumi
    old_id: object = None
    diff_paths: list[str] = field(default_factory=list)

    @property
    def is_import(self) -> bool:
        return self.type in IMPORT_TYPES

    @property
    def is_store(self) -> bool:
        return self.type in STORE_TYPES

    def deleted_references(self) -> list[Reference]:
        """The references (old source outputs) that this change deletes."""
        return [] if self.releases() else self._leaving()

    def released_references(self) -> list[Reference]:
        """The references (old source outputs) this change lets go of and leaves in place: an
        import that adopted them, without delete_adopted. Where the preview hides either flag,
        they count as deleted."""
        return self._leaving() if self.releases() else []

    def releases(self) -> bool:
        outputs = self.old_outputs
        return outputs.get("adopt_existing") is True and outputs.get("delete_adopted") in (None, False)

    def _leaving(self) -> list[Reference]:
        """The references the old outputs hold, where any may be; a hidden one counts (its id or
        status could be anything)."""
        if not self.is_import or self.gone_outside or self.op not in ("delete", "replace"):
            return []
        held = sources(self.old_outputs)
        if isinstance(held, str):
            return [Reference(held, held, every=True)]
        leaving = []
        for source in held:
            if hidden(source):
                leaving.append(Reference(source, source))
            elif (isinstance(source, dict) and source.get("reference_id")
                  and source.get("status") not in GONE):
                leaving.append(Reference(source.get("name"), source["reference_id"]))
        return leaving

    def starts_job(self) -> bool:
        """True when applying this change starts an import job (adopting starts none; a hidden
        adopt_existing may start one)."""
        return (self.is_import and self.op in ("create", "replace")
                and self.new_inputs.get("adopt_existing") is not True)


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
    unreadable: list[str] = field(default_factory=list)  # what could not be read, and where

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
    unreadable: list[str] = []
    steps = _list(raw.get("steps"), "steps", unreadable)
    diagnostics = _list(raw.get("diagnostics"), "diagnostics", unreadable)
    return Preview(_changes(steps, unreadable), _diagnostics(diagnostics), unreadable=unreadable)


def _list(value: object, what: str, unreadable: list[str]) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        unreadable.append(f"{what} (not a list)")
        return []
    return value


def _object(value: object, what: str, unreadable: list[str]) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        unreadable.append(f"{what} (not an object)")
        return {}
    return value


def split_urn(urn: str) -> tuple[str, str]:
    """A URN's type (its own, without its parents') and name; the name may hold any character,
    `::` too."""
    parts = urn.split("::", 3)
    if len(parts) < 4:
        return "", parts[-1]
    return parts[2].rsplit("$", 1)[-1], parts[3]


def _changes(steps: list, unreadable: list[str]) -> list[Change]:
    refreshed: dict[str, dict] = {}  # urn -> the state before the refresh
    changes: dict[str, Change] = {}
    for n, step in enumerate(steps, 1):
        if not (isinstance(step, dict) and all(isinstance(step.get(k), str) for k in ("urn", "op"))):
            unreadable.append(f"step {n} (it has no urn or op)")
            continue
        urn, op = step["urn"], step["op"]
        where = f"step {n} ({urn})"
        old = _object(step.get("oldState"), f"{where}: oldState", unreadable)
        new = _object(step.get("newState"), f"{where}: newState", unreadable)
        if op == "refresh":
            refreshed[urn] = old
            continue
        type_, name = split_urn(urn)
        type_ = next((t for t in (new.get("type"), old.get("type")) if isinstance(t, str) and t), type_)
        gone_outside = op == "create" and urn in refreshed
        before = refreshed[urn] if gone_outside else old
        reasons = _list(step.get("replaceReasons"), f"{where}: replaceReasons", unreadable)
        change = Change(
            op="replace" if op in REPLACE_OPS else op, type=type_, name=name,
            old_inputs=_named(before.get("inputs"), type_, f"{where}: the old inputs", unreadable),
            old_outputs=_named(before.get("outputs") or before.get("inputs"), type_,
                               f"{where}: the old outputs", unreadable),
            new_inputs=_named(new.get("inputs"), type_, f"{where}: the new inputs", unreadable),
            replace_reasons=[provider_path(str(r)) if type_ in NATIVE else str(r) for r in reasons],
            gone_outside=gone_outside, old_id=before.get("id"),
            diff_paths=list(_object(step.get("detailedDiff"), f"{where}: detailedDiff", unreadable)))
        if urn in changes and changes[urn].op == "replace":
            continue  # the other two steps of a replacement say nothing more
        changes[urn] = change
    return list(changes.values())


def _named(props: object, type_: str, what: str, unreadable: list[str]) -> dict:
    """Properties by the provider's names (a native plugin's preview names them as its schema does)."""
    props = _object(props, what, unreadable)
    named = provider_names(props, NATIVE[type_]) if type_ in NATIVE else props
    entries = named.get("sources")
    if not (entries is None or hidden(entries) or isinstance(entries, list)):
        unreadable.append(f"{what}: sources (not a list)")
    elif isinstance(entries, list) and not all(isinstance(s, dict) or hidden(s) for s in entries):
        unreadable.append(f"{what}: sources (an item is not an object)")
    return named


_RESOURCE_PREFIX = re.compile(r"^\S+ resource '([^']+)': ")
_PROPERTY_PROBLEM = re.compile(r"^property (\S+) value .*? has a problem: ", re.S)


def _diagnostics(raw: list) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for item in raw:
        item = item if isinstance(item, dict) else {"message": str(item)}
        message = str(item.get("message") or "").strip()
        severity = str(item.get("severity") or "info")
        # A dynamic provider's messages reach the engine as its stderr ("info#err"): the
        # level is the message's own prefix.
        match = re.match(r"^(error|warning|info): ", message)
        if match:
            message = message[match.end():]
            if severity.startswith("info"):
                severity = match[1]
        severity = "error" if severity == "error" else "warning" if severity == "warning" else "info"
        urn = item.get("urn") if isinstance(item.get("urn"), str) else ""
        type_, name = split_urn(urn)
        # A dynamic provider's own messages are attached to the stack: they name their resource.
        resource = name if type_ and type_ != "pulumi:pulumi:Stack" else None
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
