"""Moving a stack from the dynamic resources to the native plugin (`healthomics`), with no
import job started and no reference deleted: the resources are taken out of the old state and
imported by id into the new project.

    pulumi stack export --stack OLD > state.json
    python -m omics_provider.migrate state.json --import-file import.json
    # then, as it prints: `pulumi state delete` each dynamic resource (imports first), and
    pulumi import --file import.json --protect=false --stack NEW   # in the native project

A JSON reader only (no pulumi, no AWS). The ids: a store's own id, an import's STORE_ID/JOB_ID.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from omics_provider.schema import REFERENCE_IMPORT_JOB, REFERENCE_STORE, dynamic_token, import_id, token


def plan(state: dict) -> tuple[list[dict], list[str], list[str]]:
    """(the resources to import, the URNs to delete from the old state in order, problems)."""
    resources, imports, stores, problems = [], [], [], []
    for resource in state.get("deployment", {}).get("resources") or []:
        name, outputs = resource["urn"].split("::")[-1], resource.get("outputs") or {}
        if resource["type"] == dynamic_token(REFERENCE_STORE):
            resources.append({"type": token(REFERENCE_STORE), "name": name, "id": resource["id"]})
            stores.append(resource["urn"])
        elif resource["type"] == dynamic_token(REFERENCE_IMPORT_JOB):
            job_id = outputs.get("job_id") or resource["id"]
            if job_id.startswith("adopted-"):
                problems.append(f"{name}: its references were adopted from more than one job, so it has no "
                                "single job to import by; declare it with adoptExisting: true instead")
                continue
            resources.append({"type": token(REFERENCE_IMPORT_JOB), "name": name,
                              "id": import_id(outputs["reference_store_id"], job_id)})
            imports.append(resource["urn"])
    return resources, imports + stores, problems


def main(argv: list[str] | None = None) -> int:
    """Write the import file; print the `pulumi state delete` commands; 1 when a resource cannot move."""
    parser = argparse.ArgumentParser(prog="python -m omics_provider.migrate",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("state", help="`pulumi stack export` of the stack that uses the dynamic resources")
    parser.add_argument("--import-file", required=True,
                        help="where to write the file for `pulumi import --file`")
    args = parser.parse_args(argv)
    resources, deletes, problems = plan(json.loads(Path(args.state).read_text()))
    Path(args.import_file).write_text(json.dumps({"resources": resources}, indent=2) + "\n")
    print(f"# {len(resources)} resource(s) in {args.import_file}. Take them out of the old stack (nothing "
          "in AWS is touched), imports first:")
    for urn in deletes:
        print(f"pulumi state delete '{urn}' --yes")
    for problem in problems:
        print(f"# cannot move {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
