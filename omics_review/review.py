"""A reviewer's summary of `pulumi preview --json`, as Markdown for a pull-request comment.

    pulumi preview --refresh --json > preview.json 2> preview.log
    python -m omics_provider.review preview.json --stack NAME --commit SHA --log preview.log --details

A failed preview leads with each error and its resource, and the command exits 1. Otherwise, in
this order: references that will be deleted (the risky part), warnings, the import jobs to run
(bytes from the S3 object sizes that `check` recorded, and an estimated duration), new and
adopted imports, re-imports (each source imported again, and why), reference stores, and tag
changes. `--details` adds every change, property by property, folded, cut to fit GitHub's
comment limit. Reads only the preview: no AWS call, no pulumi.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from omics_provider.core.replacement import SOURCE_FIELDS, show, source_objects, why_replaced
from omics_provider.core.values import GONE, UNKNOWN, is_known

from .previews import SECRET, Change, Preview, Reference, hidden, parse, read, sources, visible

# AWS's own CLI example imports GRCh38 (3.25 GB) in about 1.5 minutes; a job also takes a while
# to start and finish. Imports into one store run one at a time.
BYTES_PER_SECOND = 3.25e9 / 90
SECONDS_PER_JOB = 60
COMMENT_LIMIT = 65_536  # GitHub refuses a comment longer than this (characters)
CHANGED = 3  # the exit status of --expect-no-changes when the preview plans a change
LOG_LINES = 30  # of pulumi's log, when it produced no preview at all
PROTECT_HINT = ("To stop a deletion, mark the import `protect: true` in the stack config: Pulumi then "
                "refuses to delete or replace it until the flag is removed.")
ID_HINT = "each source is imported again as a new reference: its id and ARN change"
KNOWN_AFTER_APPLY = "(known after apply)"  # what a value unknown at preview reads as


@dataclass
class Summary:
    """The rows of each section."""

    deleted: list[tuple[str, ...]] = field(default_factory=list)
    released: list[tuple[str, ...]] = field(default_factory=list)
    removed: list[tuple[str, ...]] = field(default_factory=list)  # imports removed, deleting nothing
    started: list[tuple[str, ...]] = field(default_factory=list)
    adopted: list[tuple[str, ...]] = field(default_factory=list)
    reimported: list[tuple[str, ...]] = field(default_factory=list)
    stores: list[tuple[str, ...]] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    hidden_deleted: int = 0  # rows of `deleted` that stand for every reference of an import
    hidden_released: int = 0
    import_bytes: int = 0
    jobs: int = 0
    unknown_sizes: int = 0

    def empty(self) -> bool:
        return not (self.deleted or self.released or self.removed or self.started or self.adopted
                    or self.reimported or self.stores or self.tags)


def summarize(preview: dict | Preview, stack: str | None = None, commit: str | None = None,
              log: str = "") -> str:
    """The Markdown summary of a preview (parsed JSON, or a `Preview`); `log` is pulumi's own
    output, shown when the preview produced nothing."""
    if isinstance(preview, dict):
        preview = parse(preview)
    lines = [_heading(stack, commit), ""]
    if preview.failed:
        return "\n".join(lines + _failure(preview, log))
    summary = Summary()
    store_replaced = any(c.is_store and c.op == "replace" for c in preview.changes)
    for change in preview.changes:
        if change.is_import:
            _import_change(change, summary, store_replaced)
        elif change.is_store:
            _store_change(change, summary)
    return "\n".join(lines + _render(summary, preview))


def _heading(stack: str | None, commit: str | None) -> str:
    where = f" of stack {_code(stack)}" if stack else ""
    at = f" at {_code(commit[:12])}" if commit else ""
    return f"### HealthOmics references: preview{where}{at}"


def _failure(preview: Preview, log: str) -> list[str]:
    lines = ["**✖ The preview failed.** Nothing here can be applied until it passes; what it had "
             "planned before it stopped is not listed.", ""]
    if not preview.produced:
        tail = [line for line in log.strip().splitlines() if line.strip()][-LOG_LINES:]
        fence = "`" * max(3, _longest_run(log) + 1)
        lines += ["pulumi stopped before it produced a preview. The end of its output:", "", fence,
                  *(tail or ["(no output)"]), fence, ""]
    if preview.errors:
        rows = [(_code(e.resource) if e.resource else "(the stack)", e.message) for e in preview.errors]
        lines += [*_table(("resource", "error"), rows), ""]
    return lines + _warnings(preview)


def _warnings(preview: Preview) -> list[str]:
    if not preview.warnings:
        return []
    return [f"**Warnings ({len(preview.warnings)})**", "",
            *(f"- {f'{_code(w.resource)}: ' if w.resource else ''}{w.message}" for w in preview.warnings), ""]


def _unreadable(preview: Preview) -> list[str]:
    if not preview.unreadable:
        return []
    return [f"**⚠ {len(preview.unreadable)} part(s) of the preview could not be read**: what they plan is "
            "not listed here, and the apply guard refuses this plan until they can be read.", "",
            *(f"- {_code(what)}" for what in preview.unreadable), ""]


def _import_change(change: Change, summary: Summary, store_replaced: bool) -> None:
    under_new_store = store_replaced and not is_known(change.new_inputs.get("reference_store_id"))
    name = _code(change.name)
    if change.op in ("delete", "replace"):
        why = ("the import is removed from the stack" if change.op == "delete"
               else "its store is replaced: deleted first, with the store" if under_new_store
               else "replaced by a new import: deleted once it has completed")
        for reference in change.deleted_references():
            summary.deleted.append((_reference(reference), _code(reference.reference_id), name, why))
            summary.hidden_deleted += reference.every
        for reference in change.released_references():
            summary.released.append((_reference(reference), _code(reference.reference_id), name,
                                     "it was adopted (`delete_adopted` deletes it)"))
            summary.hidden_released += reference.every
        if change.op == "delete" and not (change.deleted_references() or change.released_references()):
            summary.removed.append((name, "it holds no reference that is not deleted already"))
    new_sources = sources(change.new_inputs)
    if change.op == "create" and change.new_inputs.get("adopt_existing") is True:
        names = (_code(new_sources) if isinstance(new_sources, str)
                 else ", ".join(_code(_field(s, "name")) for s in new_sources))
        summary.adopted.append((name, names))
    elif change.op == "create" and not change.gone_outside:
        summary.jobs += 1
        sizes = _sizes(change.new_inputs, summary)
        if isinstance(new_sources, str):  # hidden: one row stands for all of them
            summary.started.append((name, _every(new_sources), _code(new_sources), _size(_total(sizes))))
        elif not new_sources:
            summary.started.append((name, "(no sources)", "", _size(0)))
        for source, size in zip(new_sources if isinstance(new_sources, list) else [], sizes, strict=False):
            summary.started.append((name, _code(_field(source, "name")), _code(_field(source, "source_file")),
                                    _size(size)))
    elif change.op in ("create", "replace"):
        summary.jobs += 1
        size = _total(_sizes(change.new_inputs, summary))
        if change.gone_outside:
            reason = "all its references were deleted outside Pulumi (found by refresh)"
        else:
            reason = _why(change)
        summary.reimported.append((name, reason, _again(change, under_new_store), _size(size)))
    elif change.op == "update":
        summary.tags += _tag_rows(change)


def _reference(reference: Reference) -> str:
    return _every(reference.name) if reference.every else _code(reference.name)


def _every(marker: object) -> str:
    """The cell that stands for every source of an import whose whole `sources` is hidden."""
    return f"every source (`sources` is {_hidden_as(marker)} in the preview)"


def _hidden_as(marker: object) -> str:
    return "secret" if marker == SECRET else "known only after apply"


def _field(source: object, key: str) -> object:
    """A source's property; a hidden source stands for each of its properties."""
    return source.get(key) if isinstance(source, dict) else source


def _adopted_store(outputs: dict) -> bool:
    """True when deleting this store leaves it in place (it was adopted, without delete_adopted);
    where the preview hides either flag, it is deleted."""
    adopted = outputs.get("adopted")
    adopted = outputs.get("adopt_existing") if adopted is None else adopted
    return adopted is True and outputs.get("delete_adopted") in (None, False)


def _comparable(props: dict) -> dict:
    """The properties as `why_replaced` compares them: each source an object, its name, file
    and description as a reviewer reads them (`visible`, which keeps equal values equal), and
    a hidden source (or every source, when the whole list is hidden: one per recorded object)
    named by its position."""
    entries = sources(props)
    if isinstance(entries, str):
        entries = [entries] * len(source_objects(props))
    comparable = []
    for i, entry in enumerate(entries, 1):
        source = dict(entry) if isinstance(entry, dict) else dict.fromkeys(SHOWN, entry)
        source.update({k: source[k] if hidden(source[k]) else visible(source[k])
                       for k in SHOWN if source.get(k) is not None})
        name = source.get("name")
        if hidden(name) or name is None:
            source["name"] = f"{_hidden_word(name)} #{i}"
        comparable.append(source)
    return {**props, "sources": comparable, "source_objects": _padded(props)}


SHOWN = ("name", *SOURCE_FIELDS)  # a source's properties a reason names


def _hidden_word(marker: object) -> str:
    return "[secret]" if marker == SECRET else KNOWN_AFTER_APPLY if marker == UNKNOWN else "(no name)"


def _why(change: Change) -> str:
    """Why the import is replaced, any value unknown at preview read as known after apply."""
    reason = why_replaced(_comparable(change.old_outputs), _comparable(change.new_inputs))
    return reason.replace(show(UNKNOWN), KNOWN_AFTER_APPLY).replace(UNKNOWN, KNOWN_AFTER_APPLY)


def _again(change: Change, under_new_store: bool) -> str:
    """Every source the re-import imports again, each with what became of it."""
    old_props, new_props = _comparable(change.old_outputs), _comparable(change.new_inputs)
    old = {s["name"]: s for s in old_props["sources"]}
    old_versions = dict(zip(old, [o.get("version") for o in old_props["source_objects"]], strict=False))
    parts = []
    for source, objects in zip(new_props["sources"], new_props["source_objects"], strict=False):
        name = source["name"]
        before = old.get(name)
        if before is None:
            what = "added"
        elif change.gone_outside or before.get("status") in GONE:
            what = "deleted outside Pulumi"
        elif any(before.get(k) != source.get(k) for k in SOURCE_FIELDS):
            what = "changed"
        elif old_versions.get(name) and objects.get("version") and old_versions[name] != objects["version"]:
            what = "new S3 version"
        else:
            what = "with its store" if under_new_store else "unchanged"
        parts.append(f"{_span(name)} ({what})")
    return ", ".join(parts)


def _store_change(change: Change, summary: Summary) -> None:
    new, old = change.new_inputs, change.old_inputs
    name = _code(next((n for n in (new.get("name"), old.get("name")) if n), change.name))
    if change.op == "create" and change.gone_outside:
        summary.stores.append((name, "created again", "it was deleted outside Pulumi (found by refresh)"))
    elif change.op == "create" and new.get("adopt_existing") is True:
        summary.stores.append((name, "adopted (`adopt_existing`)", "the Region's existing store is taken "
                               "over as it is; one is created only if the Region has none"))
    elif change.op == "create":
        summary.stores.append((name, "created", ""))
    elif change.op == "replace":
        changed = ", ".join(_replaced(k, old.get(k), new.get(k)) for k in change.replace_reasons)
        summary.stores.append((name, "**replaced**: the store and every reference in it are deleted first; "
                               "nothing is there until its imports have run again",
                               changed or "its inputs changed"))
    elif change.op == "delete" and _adopted_store(change.old_outputs):
        summary.stores.append((name, "released, left in place",
                               "it was adopted (`delete_adopted` deletes it)"))
    elif change.op == "delete":
        summary.stores.append((name, "**deleted**", "only once it is empty"))
    elif change.op == "update":
        phrases, unsure = _tag_change(change.old_outputs.get("tags"), new.get("tags"))
        summary.stores.append((name, "tags updated", ", ".join(phrases) or _unsure(unsure, True)))


def _replaced(key: str, before: object, after: object) -> str:
    """One input of a replaced store, before → after; a secret one only said to change."""
    if SECRET in (before, after):
        return f"{_code(key)} changed (secret)"
    return f"{visible(key)}: {_value(before)} → {_value(after)}"


def _value(value: object) -> str:
    return "(none)" if value is None else _code(value)


def _padded(props: dict) -> list[dict]:
    """The recorded source objects, one per source ({} where none was recorded)."""
    objects = source_objects(props)
    entries = sources(props)
    count = len(entries) if isinstance(entries, list) else len(objects)
    return [objects[i] if i < len(objects) and isinstance(objects[i], dict) else {} for i in range(count)]


def _sizes(inputs: dict, summary: Summary) -> list[int | None]:
    """Each source's size in bytes (None where unknown), counted into the summary's totals."""
    sizes = [o.get("bytes") if type(o.get("bytes")) is int else None for o in _padded(inputs)]
    summary.unknown_sizes += sizes.count(None)
    summary.import_bytes += sum(s for s in sizes if s is not None)
    return sizes


def _total(sizes: list[int | None]) -> int:
    return sum(s for s in sizes if s is not None)


def _tag_rows(change: Change) -> list[tuple[str, ...]]:
    """An import updated in place: a row per source whose tags change as the preview shows it;
    where it hides the change (secret tags), the secret tags that change; at least one row."""
    name = _code(change.name)
    old_all, new_all = sources(change.old_outputs), sources(change.new_inputs)
    if isinstance(old_all, str) or isinstance(new_all, str):
        marker = new_all if isinstance(new_all, str) else old_all
        return [(name, _every(marker), f"tags changed in place (which is not shown: `sources` is "
                 f"{_hidden_as(marker)} in the preview)")]
    old_by_name = {s.get("name"): s for s in old_all
                   if isinstance(s, dict) and isinstance(s.get("name"), str) and not hidden(s.get("name"))}
    rows, unsure = [], []
    for i, new in enumerate(new_all):
        new_name = _field(new, "name")
        if isinstance(new_name, str) and not hidden(new_name):
            old = old_by_name.get(new_name, {})
        else:
            old = old_all[i] if i < len(old_all) else {}
        diffed = _diffed_tags(change.diff_paths, i)
        phrases, keys = _tag_change(_field(old, "tags"), _field(new, "tags"), diffed)
        if phrases:
            rows.append((name, _code(new_name), ", ".join(phrases)))
        elif keys:
            unsure.append((_code(new_name), keys))
    if rows:
        return rows
    if unsure:
        return [(name, cell, _unsure(keys, len(unsure) == 1)) for cell, keys in unsure]
    return [(name, "", "updated in place, no tag change shown (sources reordered, `delete_adopted`, "
             "or an import job still to wait for)")]


_TAG_PATH = re.compile(r'^sources\[(\d+)\]\.tags(?:\.([^.\[]+)|\["((?:[^"\\]|\\.)*)"\])?$')


def _diffed_tags(paths: list[str], index: int) -> set[str]:
    """The tag keys of source `index` that the step's detailed diff names as changed."""
    keys = set()
    for path in paths:
        match = _TAG_PATH.match(path)
        if match and int(match[1]) == index and (match[2] or match[3]):
            keys.add(match[2] or json.loads(f'"{match[3]}"'))
    return keys


def _tag_change(before: object, after: object, diffed: set[str] | None = None) -> tuple[list[str], list[str]]:
    """The tag changes a reviewer is told (a secret value never shown), and the secret tags whose
    change the preview hides (`*`: the whole map is hidden); `diffed` are keys the detailed diff
    says changed."""
    if hidden(before) or hidden(after):
        return [], ["*"]
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    phrases, unsure = [], []
    for key in sorted(set(before) | set(after)):
        tag = _code(key)
        if key not in before:
            phrases.append(f"added {tag}: {_code(after[key])}")
        elif key not in after:
            phrases.append(f"removed {tag}")
        elif before[key] == after[key] and hidden(after[key]):
            (phrases.append(f"tag {tag} changed") if key in (diffed or ()) else unsure.append(key))
        elif before[key] == after[key]:
            continue
        elif after[key] == SECRET:
            phrases.append(f"tag {tag} made secret")
        elif before[key] == SECRET:
            phrases.append(f"tag {tag} no longer secret: {_code(after[key])}")
        else:
            phrases.append(f"{tag}: {_code(before[key])} → {_code(after[key])}")
    return phrases, unsure


def _unsure(keys: list[str], only: bool) -> str:
    """What to say of tags whose change the preview hides: when they are the only place the
    change can be, that they changed."""
    if not keys:
        return "updated in place"
    if keys == ["*"]:
        return "tags changed (secret in the preview: which is not shown)" if only else \
            "tags may have changed (secret in the preview)"
    named = ", ".join(_code(k) for k in keys)
    if len(keys) == 1:
        return f"tag {named} changed" if only else f"tag {named} may have changed (secret)"
    return f"one or more of the secret tags {named} changed" if only else \
        f"secret tags {named} may have changed"


def _size(count: int | None) -> str:
    if count is None:
        return "unknown"
    for unit, scale in (("GB", 1000**3), ("MB", 1000**2), ("KB", 1000)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


def _duration(summary: Summary) -> str:
    seconds = summary.import_bytes / BYTES_PER_SECOND + summary.jobs * SECONDS_PER_JOB
    return f"about {max(1, round(seconds / 60))} min"


def _code(value: object) -> str:
    """A name or value as Markdown: a code span of its visible text (`visible`), a secret as
    `[secret]`, a value unknown at preview as (known after apply)."""
    return KNOWN_AFTER_APPLY if value == UNKNOWN else _span(visible(_masked(value)))


def _masked(value: object) -> object:
    """The value with whatever inside it is unknown at preview read as known after apply."""
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return KNOWN_AFTER_APPLY if value == UNKNOWN else value


def _span(text: str) -> str:
    """A code span holding `text` exactly: fenced by a longer run of backticks than any in it,
    padded with a space where it begins or ends with one."""
    fence = "`" * (_longest_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _longest_run(text: str) -> int:
    return max((len(run) for run in re.findall("`+", text)), default=0)


def _cell(text: str) -> str:
    """Markdown that stays inside one GFM table cell: every `|` escaped (GFM honours `\\|` in a
    code span in a table too), line breaks made spaces."""
    return " ".join(text.replace("|", "\\|").splitlines()) if text else text


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows)]


def _render(summary: Summary, preview: Preview) -> list[str]:
    lines: list[str] = _unreadable(preview)
    if summary.deleted:
        lines += [f"**⚠ {_how_many(len(summary.deleted), summary.hidden_deleted)} will be deleted**", "",
                  *_table(("reference", "id", "import", "why"), summary.deleted), "", PROTECT_HINT, ""]
    if summary.released:
        lines += [f"{_how_many(len(summary.released), summary.hidden_released)} released, left in place "
                  "(no longer managed by "
                  "this stack, not deleted):", "",
                  *_table(("reference", "id", "import", "why"), summary.released), ""]
    if summary.removed:
        lines += ["Imports removed from the stack, deleting nothing:", "",
                  *_table(("import", "why"), summary.removed), ""]
    lines += _warnings(preview)
    if summary.empty():
        return [*lines, "No change to reference stores, imports or references.", ""]
    if summary.jobs:
        unknown = f" ({summary.unknown_sizes} source size(s) unknown)" if summary.unknown_sizes else ""
        lines += [f"**{summary.jobs} import job(s) to run**: {_size(summary.import_bytes)} from S3{unknown}, "
                  f"{_duration(summary)} (imports into one store run one at a time)", ""]
    if summary.started:
        table = _table(("import", "reference", "source", "bytes"), summary.started)
        lines += ["New imports:", "", *table, ""]
    if summary.adopted:
        lines += ["Adopted imports (existing ACTIVE references are taken over; no import job runs):", "",
                  *_table(("import", "references"), summary.adopted), ""]
    if summary.reimported:
        lines += [f"Re-imports ({ID_HINT}):", "",
                  *_table(("import", "why", "sources imported again", "bytes"), summary.reimported), ""]
    if summary.stores:
        lines += ["Reference stores:", "", *_table(("store", "change", "detail"), summary.stores), ""]
    if summary.tags:
        lines += ["Tag changes (in place, nothing is imported again):", "",
                  *_table(("import", "reference", "tags"), summary.tags), ""]
    return lines


def _how_many(rows: int, every: int) -> str:
    """How many references the rows stand for, `every` of them each for all of an import's."""
    counted = f"{rows - every} reference(s)" if rows > every else ""
    hidden_ = f"every reference of {every} import(s) whose sources the preview hides" if every else ""
    text = " and ".join(p for p in (counted, hidden_) if p)
    return text[:1].upper() + text[1:]


SYMBOLS = {"create": "+", "delete": "-", "replace": "+-", "update": "~"}


def details(preview: Preview) -> list[str]:
    """Every change, property by property (`path: old => new`), as lines of a diff."""
    lines = []
    for change in preview.changes:
        if change.op not in SYMBOLS:
            continue
        kind = change.type.rsplit(":", 1)[-1]
        lines.append(f"{SYMBOLS[change.op]} {change.op} {kind} {visible(change.name)}")
        if change.op == "replace" and change.is_import:
            lines.append(f"    # why: {' '.join(_why(change).splitlines())}")
        old = {} if change.op == "create" else _flat(_inputs(change.old_inputs))
        new = {} if change.op == "delete" else _flat(_inputs(change.new_inputs))
        for path in sorted(set(old) | set(new)):
            before, after = old.get(path), new.get(path)
            if path not in old:
                lines.append(f"    + {path}: {_shown(after)}")
            elif path not in new:
                lines.append(f"    - {path}: {_shown(before)}")
            elif before != after:
                lines.append(f"    ~ {path}: {_shown(before)} => {_shown(after)}")
    return lines


def _inputs(props: dict) -> dict:
    return {k: v for k, v in props.items() if not k.startswith("__") and v is not None}


def _flat(value: object, path: str = "") -> dict[str, object]:
    if isinstance(value, dict) and value:
        out: dict[str, object] = {}
        for key, item in value.items():
            out.update(_flat(item, f"{path}.{visible(key)}" if path else visible(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{path}[{i}]"))
        return out
    return {path: value}


def _shown(value: object) -> str:
    if value == SECRET:
        return SECRET
    if not is_known(value):
        return KNOWN_AFTER_APPLY
    return repr(value) if isinstance(value, str) else str(value)


def comment(summary: str, preview: Preview, limit: int = COMMENT_LIMIT) -> str:
    """The summary with every change folded below it, both cut at a line (saying so) to stay
    under `limit` characters."""
    head = "\n<details><summary>Every change, property by property</summary>\n\n```diff\n"
    tail = "```\n</details>\n"
    room = limit - len(head) - len(tail) - 2 * CUT_NOTE_ROOM
    kept_summary, room = _fit(summary.splitlines(), room)
    lines = details(preview)
    kept, _ = _fit(lines, room)
    text = "\n".join(kept_summary) + "\n" + _cut_note(len(summary.splitlines()) - len(kept_summary), limit)
    if kept:
        text += head + "".join(f"{line}\n" for line in kept) + _cut_note(len(lines) - len(kept), limit) + tail
    return text


CUT_NOTE_ROOM = 200


def _fit(lines: list[str], room: int) -> tuple[list[str], int]:
    """The first lines that fit in `room` characters, and the room left."""
    kept = []
    for line in lines:
        if len(line) + 1 > room:
            break
        kept.append(line)
        room -= len(line) + 1
    return kept, room


def _cut_note(cut: int, limit: int) -> str:
    return (f"… {cut} more line(s) cut to stay under GitHub's {limit:,}-character comment limit; "
            "the whole preview is in the workflow run's artifacts.\n") if cut else ""


def main(argv: list[str] | None = None) -> int:
    """Print the summary of the preview in the file given (`-`: standard input); 1 when the
    preview failed, CHANGED when it plans a change and none was expected, else 0."""
    parser = argparse.ArgumentParser(prog="python -m omics_provider.review",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("preview", help="the output of `pulumi preview --json` (a file, or - for stdin)")
    parser.add_argument("--stack", help="the stack's name, for the heading")
    parser.add_argument("--commit", help="the commit previewed, for the heading")
    parser.add_argument("--log", help="pulumi's standard error, shown when it produced no preview")
    parser.add_argument("--details", action="store_true",
                        help="add every change, folded, within GitHub's comment limit")
    parser.add_argument("--expect-no-changes", action="store_true",
                        help=f"exit {CHANGED} when the preview plans any change (a drift check)")
    args = parser.parse_args(argv)
    text = sys.stdin.read() if args.preview == "-" else _read(args.preview)
    preview = read(text)
    summary = summarize(preview, args.stack, args.commit, _read(args.log) if args.log else "")
    sys.stdout.write(comment(summary, preview) if args.details and not preview.failed else summary)
    if preview.failed:
        return 1
    return CHANGED if args.expect_no_changes and any(c.op != "same" for c in preview.changes) else 0


def _read(path: str) -> str:
    file = Path(path)
    return file.read_text(encoding="utf-8", errors="replace") if file.exists() else ""


if __name__ == "__main__":
    sys.exit(main())
