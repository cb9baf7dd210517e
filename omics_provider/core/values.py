"""Facts about property values that the provider and the preview readers share, free of pulumi
and AWS: values not known until apply, and the reference statuses that mean gone."""

from __future__ import annotations

import sys
from typing import Any

# The wire form of an unknown value (pulumi.runtime.rpc.UNKNOWN), as previews and checks see it.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
GONE = ("DELETING", "DELETED")  # a reference in these states is deleted (or being deleted)


def is_known(value: Any) -> bool:
    """False when the value, or anything inside it, is not known yet (preview): pulumi's
    `Unknown`, or its wire string."""
    if isinstance(value, str):
        return value != UNKNOWN
    if isinstance(value, dict):
        return all(is_known(v) for v in value.values())
    if isinstance(value, list):
        return all(is_known(v) for v in value)
    output = sys.modules.get("pulumi.output")  # no Unknown can exist unless pulumi is loaded
    return output is None or not isinstance(value, output.Unknown)
