"""Print a table of the references in the local stack's store, as the endpoint reports them."""

from __future__ import annotations

import json
import sys

import boto3
from botocore.config import Config


def main(endpoint: str, stack_outputs: str) -> None:
    outputs = json.loads(stack_outputs)
    store = outputs["store_id"]
    omics = boto3.client("omics", endpoint_url=endpoint, region_name="us-east-1",
                         config=Config(inject_host_prefix=False))
    rows = [("name", "reference id", "status", "md5", "source bytes")]
    for ref in omics.list_references(referenceStoreId=store)["references"]:
        meta = omics.get_reference_metadata(referenceStoreId=store, id=ref["id"])
        rows.append((ref["name"], ref["id"], ref["status"], ref["md5"],
                     str(meta["files"]["source"]["contentLength"])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"\nReferences in store {store} (local endpoint {endpoint}):")
    for n, row in enumerate(rows):
        print("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
