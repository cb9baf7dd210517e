"""Pulumi dynamic provider for AWS HealthOmics reference stores and reference import jobs.

    from omics_provider import (ReferenceImportJob, ReferenceImportJobArgs, ReferenceSourceArgs,
                                ReferenceStore, ReferenceStoreArgs)
"""

from importlib.metadata import PackageNotFoundError, version

from .errors import (
    ImportFailed,
    OmicsProviderError,
    ReferenceInUse,
    StoreNotEmpty,
    TokenConflict,
    WaitTimedOut,
)
from .import_job import ReferenceImportJob, ReferenceImportJobArgs, ReferenceSourceArgs
from .reference_store import ReferenceStore, ReferenceStoreArgs

try:
    __version__ = version("omics-references")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = [
    "ImportFailed", "OmicsProviderError", "ReferenceImportJob", "ReferenceImportJobArgs",
    "ReferenceInUse", "ReferenceSourceArgs", "ReferenceStore", "ReferenceStoreArgs", "StoreNotEmpty",
    "TokenConflict", "WaitTimedOut",
]
