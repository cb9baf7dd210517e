"""A reviewer's summary of `pulumi preview --json`, as Markdown for a pull-request comment.

    pulumi preview --json > preview.json
    python -m omics_provider.review preview.json [--stack NAME] > summary.md

References that will be deleted come first (the risky part), then imports to start (bytes from
the S3 object sizes that `check` recorded, and an estimated duration), re-imports with their
reason and bytes, reference-store changes, and tag changes. Reads only the preview: no AWS call.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from .replacement import show, why_replaced

IMPORT_TYPE = "pulumi-python:dynamic/omics:ReferenceImportJob"
STORE_TYPE = "pulumi-python:dynamic/omics:ReferenceStore"
# AWS's own CLI example imports GRCh38 (3.25 GB) in about 1.5 minutes; a job also takes a while
# to start and finish. Imports into one store run one at a time.
BYTES_PER_SECOND = 3.25e9 / 90
SECONDS_PER_JOB = 60


@dataclass
class Step:
    """One resource step of the preview: what happens to which resource, before and after."""

    op: str
    type: str
    name: str
    old_inputs: dict
    old_outputs: dict
    new_inputs: dict
    replace_reasons: list[str]

    @classmethod
    def parse(cls, raw: dict) -> Step:
        parts = raw["urn"].split("::")
        old, new = raw.get("oldState") or {}, raw.get("newState") or {}
        return cls(raw["op"], parts[2] if len(parts) > 2 else "", parts[-1], old.get("inputs") or {},
                   old.get("outputs") or old.get("inputs") or {}, new.get("inputs") or {},
                   raw.get("replaceReasons") or [])


@dataclass
class Summary:
    """The rows of each section."""

    deleted: list[tuple[str, ...]] = field(default_factory=list)
    started: list[tuple[str, ...]] = field(default_factory=list)
    reimported: list[tuple[str, ...]] = field(default_factory=list)
    stores: list[tuple[str, ...]] = field(default_factory=list)
    tags: list[tuple[str, ...]] = field(default_factory=list)
    import_bytes: int = 0
    jobs: int = 0
    unknown_sizes: int = 0


def summarize(preview: dict, stack: str | None = None) -> str:
    """The Markdown summary of a parsed `pulumi preview --json`."""
    summary = Summary()
    for step in (Step.parse(s) for s in preview.get("steps", [])):
        if step.type == IMPORT_TYPE:
            _import_step(step, summary)
        elif step.type == STORE_TYPE:
            _store_step(step, summary)
    return _render(summary, stack)


def _import_step(step: Step, summary: Summary) -> None:
    if step.op in ("delete", "replace", "delete-replaced"):
        why = "the import is removed from the stack" if step.op == "delete" else "replaced by a new import"
        for source in step.old_outputs.get("sources") or []:
            if source.get("reference_id") and source.get("status") not in ("DELETING", "DELETED"):
                row = (f"`{source['name']}`", source["reference_id"], f"`{step.name}`", why)
                summary.deleted.append(row)
    if step.op in ("create", "replace", "create-replacement"):
        size = _bytes(step.new_inputs, summary)
        summary.jobs += 1
        sources = step.new_inputs.get("sources") or []
        if step.op == "create":
            for source, objects in zip(sources, _objects(step.new_inputs), strict=False):
                summary.started.append((f"`{step.name}`", f"`{source.get('name')}`",
                                        source.get("source_file", ""), _size(objects.get("bytes"))))
        else:
            reason = why_replaced(step.old_outputs, step.new_inputs)
            summary.reimported.append((f"`{step.name}`", reason, str(len(sources)), _size(size)))
    if step.op == "update":
        for old, new in zip(step.old_outputs.get("sources") or [], step.new_inputs.get("sources") or [],
                            strict=False):
            change = _tag_change(old.get("tags") or {}, new.get("tags") or {})
            if change:
                summary.tags.append((f"`{step.name}`", f"`{new.get('name')}`", change))


def _store_step(step: Step, summary: Summary) -> None:
    name = step.new_inputs.get("name") or step.old_inputs.get("name") or step.name
    if step.op == "create":
        summary.stores.append((f"`{name}`", "created", ""))
    elif step.op in ("replace", "create-replacement"):
        changed = ", ".join(f"{k}: {show(step.old_inputs.get(k))} → {show(step.new_inputs.get(k))}"
                            for k in step.replace_reasons) or "its inputs changed"
        summary.stores.append((f"`{name}`", "**replaced** (its imports are imported again)", changed))
    elif step.op == "delete":
        summary.stores.append((f"`{name}`", "**deleted**", ""))
    elif step.op == "update":
        change = _tag_change(step.old_outputs.get("tags") or {}, step.new_inputs.get("tags") or {})
        summary.stores.append((f"`{name}`", "tags updated", change))


def _objects(inputs: dict) -> list[dict]:
    objects = inputs.get("source_objects")
    return objects if isinstance(objects, list) else []


def _bytes(inputs: dict, summary: Summary) -> int:
    sizes = [o.get("bytes") for o in _objects(inputs)]
    known = [s for s in sizes if isinstance(s, int)]
    summary.unknown_sizes += len(inputs.get("sources") or []) - len(known)
    summary.import_bytes += sum(known)
    return sum(known)


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


def _table(header: tuple[str, ...], rows: Iterable[tuple[str, ...]]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
            *("| " + " | ".join(row) + " |" for row in rows)]


def _render(summary: Summary, stack: str | None) -> str:
    lines = [f"### HealthOmics references: preview{f' of stack `{stack}`' if stack else ''}", ""]
    if not (summary.deleted or summary.started or summary.reimported or summary.stores or summary.tags):
        return "\n".join([*lines, "No change to reference stores, imports or references.", ""])
    if summary.deleted:
        lines += [f"**⚠ {len(summary.deleted)} reference(s) will be deleted**", "",
                  *_table(("reference", "id", "import", "why"), summary.deleted), ""]
    if summary.started or summary.reimported:
        unknown = f" ({summary.unknown_sizes} source size(s) unknown)" if summary.unknown_sizes else ""
        lines += [f"**{summary.jobs} import job(s) to run**: {_size(summary.import_bytes)} from S3{unknown}, "
                  f"{_duration(summary)} (imports into one store run one at a time)", ""]
    if summary.started:
        table = _table(("import", "reference", "source", "bytes"), summary.started)
        lines += ["New imports:", "", *table, ""]
    if summary.reimported:
        lines += ["Re-imports (new references replace the old ones, which are then deleted):", "",
                  *_table(("import", "why", "sources", "bytes"), summary.reimported), ""]
    if summary.stores:
        lines += ["Reference stores:", "", *_table(("store", "change", "detail"), summary.stores), ""]
    if summary.tags:
        lines += ["Tag changes (in place, nothing is imported again):", "",
                  *_table(("import", "reference", "tags"), summary.tags), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Print the summary of the preview in the file given (`-`: standard input)."""
    parser = argparse.ArgumentParser(prog="python -m omics_provider.review",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("preview", help="the output of `pulumi preview --json` (a file, or - for stdin)")
    parser.add_argument("--stack", help="the stack's name, for the heading")
    args = parser.parse_args(argv)
    if args.preview == "-":
        text = sys.stdin.read()
    else:
        with open(args.preview, encoding="utf-8") as handle:
            text = handle.read()
    sys.stdout.write(summarize(json.loads(text), args.stack))


if __name__ == "__main__":
    main()
