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
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .previews import Change, Preview, parse, read
from .replacement import show, why_replaced
from .values import GONE, is_known

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


@dataclass
class Summary:
    """The rows of each section."""

    deleted: list[tuple[str, ...]] = field(default_factory=list)
    released: list[tuple[str, ...]] = field(default_factory=list)
    started: list[tuple[str, ...]] = field(default_factory=list)
    adopted: list[tuple[str, ...]] = field(default_factory=list)
    reimported: list[tuple[str, ...]] = field(default_factory=list)
    stores: list[tuple[str, ...]] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    import_bytes: int = 0
    jobs: int = 0
    unknown_sizes: int = 0

    def empty(self) -> bool:
        return not (self.deleted or self.released or self.started or self.adopted or self.reimported
                    or self.stores or self.tags)


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
    where = f" of stack `{stack}`" if stack else ""
    at = f" at `{commit[:12]}`" if commit else ""
    return f"### HealthOmics references: preview{where}{at}"


def _failure(preview: Preview, log: str) -> list[str]:
    lines = ["**✖ The preview failed.** Nothing here can be applied until it passes; what it had "
             "planned before it stopped is not listed.", ""]
    if not preview.produced:
        tail = [line for line in log.strip().splitlines() if line.strip()][-LOG_LINES:]
        lines += ["pulumi stopped before it produced a preview. The end of its output:", "", "```",
                  *(tail or ["(no output)"]), "```", ""]
    if preview.errors:
        rows = [(f"`{e.resource}`" if e.resource else "(the stack)", _cell(e.message))
                for e in preview.errors]
        lines += [*_table(("resource", "error"), rows), ""]
    return lines + _warnings(preview)


def _warnings(preview: Preview) -> list[str]:
    if not preview.warnings:
        return []
    return [f"**Warnings ({len(preview.warnings)})**", "",
            *(f"- {f'`{w.resource}`: ' if w.resource else ''}{w.message}" for w in preview.warnings), ""]


def _import_change(change: Change, summary: Summary, store_replaced: bool) -> None:
    under_new_store = store_replaced and not is_known(change.new_inputs.get("reference_store_id"))
    if change.op in ("delete", "replace"):
        why = ("the import is removed from the stack" if change.op == "delete"
               else "its store is replaced: deleted first, with the store" if under_new_store
               else "replaced by a new import: deleted once it has completed")
        for source in change.deleted_references():
            summary.deleted.append((f"`{source['name']}`", source["reference_id"], f"`{change.name}`", why))
        for source in change.released_references():
            summary.released.append((f"`{source['name']}`", source["reference_id"], f"`{change.name}`",
                                     "it was adopted (`delete_adopted` deletes it)"))
    sources = change.new_inputs.get("sources") or []
    if change.op == "create" and change.new_inputs.get("adopt_existing"):
        names = ", ".join(f"`{s.get('name')}`" for s in sources)
        summary.adopted.append((f"`{change.name}`", names))
    elif change.op == "create" and not change.gone_outside:
        summary.jobs += 1
        for source, size in zip(sources, _sizes(change.new_inputs, summary), strict=False):
            summary.started.append((f"`{change.name}`", f"`{source.get('name')}`",
                                    source.get("source_file", ""), _size(size)))
    elif change.op in ("create", "replace"):
        summary.jobs += 1
        size = sum(s for s in _sizes(change.new_inputs, summary) if s is not None)
        if change.gone_outside:
            reason = "all its references were deleted outside Pulumi (found by refresh)"
        else:
            reason = why_replaced(change.old_outputs, change.new_inputs)
        summary.reimported.append((f"`{change.name}`", _cell(reason), _again(change, under_new_store),
                                   _size(size)))
    elif change.op == "update":
        old_sources = {s.get("name"): s for s in change.old_outputs.get("sources") or []}
        for new in sources:
            old = old_sources.get(new.get("name")) or {}
            tags = _tag_change(old.get("tags") or {}, new.get("tags") or {})
            if tags:
                summary.tags.append((f"`{change.name}`", f"`{new.get('name')}`", tags))


def _adopted_store(outputs: dict) -> bool:
    """True when deleting this store leaves it in place (it was adopted, without delete_adopted)."""
    adopted = outputs.get("adopted")
    adopted = bool(outputs.get("adopt_existing")) if adopted is None else bool(adopted)
    return adopted and not outputs.get("delete_adopted")


def _again(change: Change, under_new_store: bool) -> str:
    """Every source the re-import imports again, each with what became of it."""
    old = {s.get("name"): s for s in change.old_outputs.get("sources") or []}
    old_versions = dict(zip(old, [o.get("version") for o in _objects(change.old_outputs)], strict=False))
    parts = []
    for source, objects in zip(change.new_inputs.get("sources") or [], _padded(change.new_inputs),
                               strict=False):
        name = source.get("name")
        before = old.get(name)
        if before is None:
            what = "added"
        elif change.gone_outside or before.get("status") in GONE:
            what = "deleted outside Pulumi"
        elif any(before.get(k) != source.get(k) for k in ("source_file", "description")):
            what = "changed"
        elif old_versions.get(name) and objects.get("version") and old_versions[name] != objects["version"]:
            what = "new S3 version"
        else:
            what = "with its store" if under_new_store else "unchanged"
        parts.append(f"`{name}` ({what})")
    return ", ".join(parts)


def _store_change(change: Change, summary: Summary) -> None:
    new, old = change.new_inputs, change.old_inputs
    name = f"`{new.get('name') or old.get('name') or change.name}`"
    if change.op == "create" and change.gone_outside:
        summary.stores.append((name, "created again", "it was deleted outside Pulumi (found by refresh)"))
    elif change.op == "create" and new.get("adopt_existing"):
        summary.stores.append((name, "adopted (`adopt_existing`)", "the Region's existing store is taken "
                               "over as it is; one is created only if the Region has none"))
    elif change.op == "create":
        summary.stores.append((name, "created", ""))
    elif change.op == "replace":
        changed = ", ".join(f"{k}: {show(old.get(k))} → {show(new.get(k))}" for k in change.replace_reasons)
        summary.stores.append((name, "**replaced**: the store and every reference in it are deleted first; "
                               "nothing is there until its imports have run again",
                               _cell(changed or "its inputs changed")))
    elif change.op == "delete" and _adopted_store(change.old_outputs):
        summary.stores.append((name, "released, left in place",
                               "it was adopted (`delete_adopted` deletes it)"))
    elif change.op == "delete":
        summary.stores.append((name, "**deleted**", "only once it is empty"))
    elif change.op == "update":
        tags = _tag_change(change.old_outputs.get("tags") or {}, new.get("tags") or {})
        summary.stores.append((name, "tags updated", tags))


def _objects(props: dict) -> list[dict]:
    objects = props.get("source_objects")
    return objects if isinstance(objects, list) else []


def _padded(props: dict) -> list[dict]:
    """The recorded source objects, one per source ({} where none was recorded)."""
    objects = _objects(props)
    return [objects[i] if i < len(objects) and isinstance(objects[i], dict) else {}
            for i in range(len(props.get("sources") or []))]


def _sizes(inputs: dict, summary: Summary) -> list[int | None]:
    """Each source's size in bytes (None where unknown), counted into the summary's totals."""
    sizes = [o.get("bytes") if isinstance(o.get("bytes"), int) else None for o in _padded(inputs)]
    summary.unknown_sizes += sizes.count(None)
    summary.import_bytes += sum(s for s in sizes if s is not None)
    return sizes


def _tag_change(before: dict, after: dict) -> str:
    parts = [f"`{k}`: {before[k]} → {after[k]}"
             for k in sorted(before) if k in after and before[k] != after[k]]
    parts += [f"added `{k}`: {after[k]}" for k in sorted(after) if k not in before]
    parts += [f"removed `{k}`" for k in sorted(before) if k not in after]
    return ", ".join(parts)


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


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows)]


def _render(summary: Summary, preview: Preview) -> list[str]:
    lines: list[str] = []
    if summary.deleted:
        lines += [f"**⚠ {len(summary.deleted)} reference(s) will be deleted**", "",
                  *_table(("reference", "id", "import", "why"), summary.deleted), "", PROTECT_HINT, ""]
    if summary.released:
        lines += [f"{len(summary.released)} reference(s) released, left in place (no longer managed by "
                  "this stack, not deleted):", "",
                  *_table(("reference", "id", "import", "why"), summary.released), ""]
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


SYMBOLS = {"create": "+", "delete": "-", "replace": "+-", "update": "~"}


def details(preview: Preview) -> list[str]:
    """Every change, property by property (`path: old => new`), as lines of a diff."""
    lines = []
    for change in preview.changes:
        if change.op not in SYMBOLS:
            continue
        kind = change.type.rsplit(":", 1)[-1]
        lines.append(f"{SYMBOLS[change.op]} {change.op} {kind} {change.name}")
        if change.op == "replace" and change.is_import:
            lines.append(f"    # why: {why_replaced(change.old_outputs, change.new_inputs)}")
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
            out.update(_flat(item, f"{path}.{key}" if path else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(_flat(item, f"{path}[{i}]"))
        return out
    return {path: value}


def _shown(value: object) -> str:
    if not is_known(value):
        return "(unknown until apply)"
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
