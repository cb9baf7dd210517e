"""Pulumi dynamic provider for AWS HealthOmics reference stores and reference import jobs.

    from omics_provider import (ReferenceImportJob, ReferenceImportJobArgs, ReferenceSourceArgs,
                                ReferenceStore, ReferenceStoreArgs)

The resources and errors are imported on first use, so that the plain command-line tools of
this package (`python -m omics_provider.review`, `.guard`) start without loading pulumi.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "ImportFailed": "errors", "OmicsProviderError": "errors", "ReferenceInUse": "errors",
    "StoreNotEmpty": "errors", "TokenConflict": "errors", "WaitTimedOut": "errors",
    "ReferenceImportJob": "import_job", "ReferenceImportJobArgs": "import_job",
    "ReferenceSourceArgs": "import_job", "ReferenceStore": "reference_store",
    "ReferenceStoreArgs": "reference_store",
}

__version__ = "0.2.0"  # the one place it is written: pyproject.toml reads it from here

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)
