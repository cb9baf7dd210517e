"""The GitOps apply guard: refuse a `pulumi up` that would delete references, replace or delete a
store, or start import jobs that no reviewed preview showed.

    python -m omics_provider.guard reviewed.json planned.json

`reviewed.json` is the `pulumi preview --json` reviewed in the pull request (a missing or empty
file: nothing was reviewed); `planned.json` is a preview made just before the apply, of the same
commit and the current state. Exits 0 when each risky change of the plan was reviewed as the very
same change (the same reference ids deleted, an import job with the same clientToken), else 1,
naming each change that was not and what to do. Tag updates are not guarded. A JSON reader only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .previews import Change, Preview, read
from .values import is_known

Risk = tuple[str, str, tuple[str, ...]]


def risks(preview: Preview) -> dict[Risk, str]:
    """Each change that deletes references, replaces or deletes a store, or starts an import
    job, with how a reviewer reads it."""
    found: dict[Risk, str] = {}
    for change in preview.changes:
        found.update(_risks_of(change))
    return found


def _risks_of(change: Change) -> dict[Risk, str]:
    found: dict[Risk, str] = {}
    if change.is_store and change.op in ("replace", "delete"):
        found[("store", change.name, (change.op,))] = (
            f"reference store `{change.name}` would be {change.op}d, with every reference in it")
    deleted = change.deleted_references()
    if deleted:
        ids = tuple(sorted(s["reference_id"] for s in deleted))
        found[("delete", change.name, ids)] = (
            f"import `{change.name}` would delete reference(s) {', '.join(ids)}")
    if change.starts_job():
        token = change.new_inputs.get("resolved_client_token")
        token = token if is_known(token) and token else "(derived at apply)"
        found[("import", change.name, (token,))] = (
            f"import `{change.name}` would start an import job with clientToken {token}")
    return found


def unreviewed(reviewed: Preview, planned: Preview) -> list[str]:
    """What the plan would do that the reviewed preview did not show, as sentences."""
    shown = risks(reviewed) if not reviewed.failed else {}
    return [text for risk, text in risks(planned).items() if risk not in shown]


def main(argv: list[str] | None = None) -> int:
    """Compare the two previews; print the verdict; 0 when the plan may be applied."""
    parser = argparse.ArgumentParser(prog="python -m omics_provider.guard",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("reviewed", help="the reviewed `pulumi preview --json` (may be missing)")
    parser.add_argument("planned", help="`pulumi preview --json` of what is about to be applied")
    args = parser.parse_args(argv)
    planned = read(_text(args.planned))
    if planned.failed:
        print("guard: the preview of what would be applied failed; nothing is applied.")
        return 1
    reviewed_text = _text(args.reviewed)
    missing = unreviewed(read(reviewed_text), planned)
    if not missing:
        print("guard: every deletion and import job of this apply was in the reviewed preview.")
        return 0
    source = "the reviewed preview" if reviewed_text.strip() else "any reviewed preview (none was found)"
    print(f"guard: refusing to apply. The plan would do what {source} did not show:")
    for line in missing:
        print(f"- {line}")
    print("Nothing was applied. Review these changes in a pull request (or a workflow_dispatch "
          "preview of this commit), then run the apply again.")
    return 1


def _text(path: str) -> str:
    file = Path(path)
    return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else ""


if __name__ == "__main__":
    sys.exit(main())
