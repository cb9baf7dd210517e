"""The endpoint stands on the shared rules, not on the provider: starting it loads neither
pulumi nor grpc nor omics_provider."""

from __future__ import annotations

import json
import subprocess
import sys


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return {name.split(".")[0] for name in json.loads(out)}


def test_the_endpoint_does_not_import_the_provider_or_pulumi() -> None:
    loaded = loaded_after("import omics_emulator.server, omics_emulator.__main__")
    assert "omics_rules" in loaded
    assert not loaded & {"pulumi", "grpc", "omics_provider", "omics_stack"}, loaded & {"pulumi", "grpc", "omics_provider"}


def test_the_shared_rules_import_neither_side() -> None:
    loaded = loaded_after("import omics_rules.service_model, omics_rules.quotas, omics_rules.service_role")
    assert not loaded & {"pulumi", "omics_provider", "omics_emulator", "moto"}
