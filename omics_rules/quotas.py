"""HealthOmics limits that botocore's model does not carry, from the service's documentation
(quotas pages and the reference-store developer guide)."""

from __future__ import annotations

MAX_TAGS = 50  # tags per resource; the model's TagMap has no count

# A reference file is at most 15 GB (a fixed, not adjustable, quota).
MAX_SOURCE_BYTES = 15 * 1000**3

# The reference formats a source may have: FASTA under these extensions, or their bgzip form.
FASTA_EXTENSIONS = (".fasta", ".fa", ".fas", ".fsa", ".faa", ".fna", ".ffn", ".frn", ".mpfa",
                    ".seq", ".txt")

# Requests per second per account and Region (the api-quotas page), by operation: every
# operation of the reference-store API this project calls or serves.
REQUESTS_PER_SECOND: dict[str, float] = {
    "StartReferenceImportJob": 5.0, "GetReferenceImportJob": 5.0, "ListReferenceImportJobs": 5.0,
    "ListReferences": 5.0, "GetReferenceMetadata": 5.0, "GetReference": 10.0,
    "DeleteReference": 1.0, "CreateReferenceStore": 1.0, "DeleteReferenceStore": 1.0,
    "GetReferenceStore": 5.0, "ListReferenceStores": 5.0,
    "TagResource": 5.0, "UntagResource": 5.0, "ListTagsForResource": 5.0,
}

# The api-quotas page lists Start/Get/List import jobs in one row at 5 per second. Whether that
# is one budget for the three or 5 each is not said; one shared budget is the safer reading, so
# the provider paces for it and the endpoint enforces it by default (control import_job_quota).
SHARED_QUOTAS: dict[str, str] = dict.fromkeys(
    ("StartReferenceImportJob", "GetReferenceImportJob", "ListReferenceImportJobs"), "ReferenceImportJobs")


def quota_of(operation: str, shared: bool = True) -> str:
    """The budget a call of `operation` counts against: its quota row when rows are shared,
    else the operation itself."""
    return SHARED_QUOTAS.get(operation, operation) if shared else operation


# The extensions as a message lists them.
FASTA_EXTENSIONS_SHOWN = f"({' '.join(FASTA_EXTENSIONS)}, or those + .gz)"


def has_fasta_extension(key: str) -> bool:
    """True when an S3 key ends in a documented FASTA extension (or one of them plus `.gz`)."""
    name = key.lower().removesuffix(".gz")
    return name.endswith(FASTA_EXTENSIONS)
