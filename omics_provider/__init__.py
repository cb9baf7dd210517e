"""Pulumi dynamic provider for AWS HealthOmics reference stores and reference import jobs.

    from omics_provider import (ReferenceImportJob, ReferenceImportJobArgs, ReferenceSourceArgs,
                                ReferenceStore, ReferenceStoreArgs)

The resources and errors are imported on first use. The native plugin (`plugin.py`) imports this
package as every engine phase starts it, and most phases need neither the dynamic resources nor
the AWS clients under them; the pickled providers in a stack's state unpickle from their own
modules (`import_job`, `reference_store`), each without the other.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "AccessDenied": "errors", "ImportFailed": "errors", "OmicsProviderError": "errors",
    "ReferenceInUse": "errors", "StoreNotEmpty": "errors", "TokenConflict": "errors",
    "WaitTimedOut": "errors",
    "ReferenceImportJob": "import_job", "ReferenceImportJobArgs": "import_job",
    "ReferenceSourceArgs": "import_job",
    "ReferenceStore": "reference_store", "ReferenceStoreArgs": "reference_store",
}

__version__ = "0.3.0"  # the one place it is written: pyproject.toml reads it from here

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f".{_HOMES[name]}", __name__), name)


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})
