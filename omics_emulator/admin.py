"""The endpoint's `/_emulator/` API from a client: its run-time controls (controls.Controls) and
the omics calls it counted. For tests, benchmarks and demos against a running endpoint at `url`."""

from __future__ import annotations

import json
import urllib.request


def set_controls(url: str, **changes: object) -> dict:
    """Set these controls (names of controls.Controls); every control's value after the change."""
    body = json.dumps(changes).encode()
    request = urllib.request.Request(f"{url}/_emulator/controls", data=body, method="POST")
    with urllib.request.urlopen(request) as answer:
        return json.loads(answer.read())


def calls(url: str) -> dict:
    """Omics calls per operation, errors answered, and the busiest second of each operation."""
    with urllib.request.urlopen(f"{url}/_emulator/calls") as answer:
        return json.loads(answer.read())


def throttles(counted: dict) -> dict[str, int]:
    """Of `calls`' answer, the calls answered ThrottlingException (`OPERATION:ThrottlingException`:
    how many); a busy store's refusal of a second import is the store's rule, not a quota."""
    return {call: n for call, n in counted["errors"].items() if call.endswith(":ThrottlingException")}


def endpoints(url: str) -> list[dict[str, str]]:
    """The `endpoints` setting (aws:endpoints, healthomics:endpoints) that sends every service a
    program calls to the endpoint at `url`."""
    return [{service: url for service in ("omics", "s3", "iam", "sts")}]


def reset_calls(url: str) -> None:
    """Start counting calls afresh."""
    with urllib.request.urlopen(urllib.request.Request(f"{url}/_emulator/calls", method="DELETE")):
        pass
