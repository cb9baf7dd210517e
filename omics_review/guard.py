"""The GitOps apply guard: refuse a `pulumi up` that would delete references, replace or delete a
store, or start import jobs that no reviewed preview showed.

    python -m omics_provider.guard reviewed.json planned.json

`reviewed.json` is the `pulumi preview --json` reviewed in the pull request (a missing or empty
file: nothing was reviewed); `planned.json` is a preview made just before the apply, of the same
commit and the current state. Exits 0 when each risky change of the plan was reviewed as the very
same change (the same reference ids deleted, an import job with the same clientToken), else 1,
naming each change that was not and what to do. Tag updates are not guarded. A JSON reader only.

Secrets: where the preview hides the ids a removal deletes (an import's `sources` given as a
secret shows as "[secret]"), the deletion is known by what the state records of the import's
job, its id and the clientToken it used: the references an import deletes are those its own job
left in the state, and a reviewed preview of that state shows the same job. This keeps a
reviewed removal appliable; when the preview hides the job too, or an import job's clientToken
is secret, the guard cannot tell the change from one no one reviewed and refuses, saying why.
A plan it cannot read whole is refused, naming each part.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from omics_provider.core.values import is_known

from .previews import SECRET, Change, Preview, Reference, hidden, read, visible

Risk = tuple[str, str, tuple[str, ...]]
NEVER = "(hidden)"  # a risk whose identity the preview hides entirely: it matches no reviewed one


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
            f"reference store {_named(change.name)} would be {change.op}d, with every reference in it")
    deleted = change.deleted_references()
    if deleted:
        found.update(_deletion(change, deleted))
    if change.starts_job():
        token = change.new_inputs.get("resolved_client_token")
        if token == SECRET:
            found[("import", change.name, (NEVER,))] = (
                f"import {_named(change.name)} would start an import job whose clientToken is secret in "
                "the preview, so the guard cannot tell it from a job no one reviewed (an S3 object "
                "overwritten since, say). Keep the clientToken out of secrets, or apply it by hand")
        else:
            token = token if is_known(token) and isinstance(token, str) and token else "(derived at apply)"
            found[("import", change.name, (token,))] = (
                f"import {_named(change.name)} would start an import job with clientToken {_named(token)}")
    return found


def _deletion(change: Change, deleted: list[Reference]) -> dict[Risk, str]:
    """The deletion of these references. Where the preview hides their ids (secret sources), the
    references are those the import's own job left in the state: the deletion is known by the
    job (the resource's id and the clientToken it used), which a reviewed preview of the same
    state shows alike. When the preview hides those too, it is never taken as reviewed."""
    ids = tuple(sorted(SECRET if r.hidden else str(r.reference_id) for r in deleted))
    shown = ", ".join(visible(i) if i != SECRET else "(secret)" for i in ids)
    if not any(r.hidden for r in deleted):
        return {("delete", change.name, ids): (
            f"import {_named(change.name)} would delete reference(s) {shown}")}
    job = (change.old_id, change.old_outputs.get("used_client_token"))
    every = " every reference it holds" if any(r.every for r in deleted) else f" reference(s) {shown}"
    if not all(isinstance(v, str) and v and not hidden(v) for v in job):
        return {("delete", change.name, (NEVER,)): (
            f"import {_named(change.name)} would delete{every}, and the preview hides which (its sources, "
            "its id and its clientToken are secret or unknown), so the guard cannot tell them from "
            "references no one reviewed. Apply it by hand after reading `pulumi stack export "
            "--show-secrets`")}
    return {("delete", change.name, (*ids, *job)): (
        f"import {_named(change.name)} would delete{every} (secret in the preview: those of import "
        f"job {_named(job[0])}, clientToken {_named(job[1])})")}


def _named(text: object) -> str:
    """A name or value in a sentence, every character of it shown (`previews.visible`)."""
    return f"`{visible(text)}`"


def unreviewed(reviewed: Preview, planned: Preview) -> list[str]:
    """What the plan would do that the reviewed preview did not show, as sentences."""
    shown = risks(reviewed) if not reviewed.failed else {}
    return [text for risk, text in risks(planned).items() if risk not in shown or NEVER in risk[2]]


def main(argv: list[str] | None = None) -> int:
    """Compare the two previews; print the verdict; 0 when the plan may be applied."""
    parser = argparse.ArgumentParser(prog="python -m omics_provider.guard",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("reviewed", help="the reviewed `pulumi preview --json` (may be missing)")
    parser.add_argument("planned", help="`pulumi preview --json` of what is about to be applied")
    args = parser.parse_args(argv)
    try:
        return _verdict(_text(args.reviewed), _text(args.planned), args.planned)
    except Exception as error:  # a reader's bug must refuse, never pass or leave a bare traceback
        print(f"guard: refusing to apply: reading the previews failed ({type(error).__name__}: {error}). "
              "Nothing was applied. Keep both previews (the workflow's artifacts) and report this.")
        return 1


def _verdict(reviewed_text: str, planned_text: str, planned_path: str) -> int:
    planned = read(planned_text)
    if not planned.produced:
        print(f"guard: refusing to apply: {planned_path} holds no preview that can be read "
              f"({'it is empty or missing' if not planned_text.strip() else 'it is not a JSON object'}). "
              "Nothing was applied. Check that `pulumi preview --json` succeeded and wrote there, then "
              "run the apply again.")
        return 1
    if planned.failed:
        print("guard: the preview of what would be applied failed; nothing is applied.")
        return 1
    if planned.unreadable:
        print(f"guard: refusing to apply: parts of {planned_path} could not be read, and they may "
              "delete or import what no one reviewed:")
        for what in planned.unreadable:
            print(f"- {visible(what)}")
        print("Nothing was applied. Check the preview JSON (the workflow's artifacts); if pulumi wrote "
              "it, report this with the file.")
        return 1
    reviewed = read(reviewed_text)
    missing = unreviewed(reviewed, planned)
    if not missing:
        print("guard: every deletion and import job of this apply was in the reviewed preview.")
        return 0
    source = "the reviewed preview" if reviewed_text.strip() else "any reviewed preview (none was found)"
    print(f"guard: refusing to apply. The plan would do what {source} did not show:")
    for line in missing:
        print(f"- {line}")
    if reviewed.unreadable:
        print("(Parts of the reviewed preview could not be read: "
              f"{'; '.join(map(visible, reviewed.unreadable))}.)")
    print("Nothing was applied. Review these changes in a pull request (or a workflow_dispatch "
          "preview of this commit), then run the apply again.")
    return 1


def _text(path: str) -> str:
    file = Path(path)
    return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else ""


if __name__ == "__main__":
    sys.exit(main())
