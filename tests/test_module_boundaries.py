"""Each package loads only what it stands on, each checked in a fresh interpreter: the endpoint
and the shared rules load no provider; the review tools load no pulumi, under their own names and
under the old `omics_provider` ones; the native plugin starts without the dynamic resources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import omics_provider
from omics_provider import errors as omics_provider_errors
from omics_review import review

PREVIEWS = Path(__file__).resolve().parent / "fixtures" / "previews"
PULUMI_AND_AWS = {"pulumi", "grpc", "google", "botocore", "boto3"}


def modules_after(statement: str) -> set[str]:
    """Every module loaded by a fresh interpreter that runs `statement`."""
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out))


def loaded_after(statement: str) -> set[str]:
    """The top-level packages loaded by a fresh interpreter that runs `statement`."""
    return {name.split(".")[0] for name in modules_after(statement)}


def test_the_endpoint_does_not_import_the_provider_or_pulumi() -> None:
    loaded = loaded_after("import omics_emulator.server, omics_emulator.__main__")
    assert "omics_rules" in loaded
    assert not loaded & {"pulumi", "grpc", "omics_provider", "omics_review", "omics_stack"}


def test_the_shared_rules_import_neither_side() -> None:
    loaded = loaded_after("import omics_rules.service_model, omics_rules.quotas, omics_rules.service_role")
    assert not loaded & {"pulumi", "omics_provider", "omics_review", "omics_emulator", "moto"}


def test_the_review_tools_load_no_pulumi_and_no_aws_client() -> None:
    for statement in ("import omics_review.review, omics_review.guard, omics_review.migrate",
                      "import omics_provider.review, omics_provider.guard, omics_provider.migrate, "
                      "omics_provider.previews"):
        loaded = modules_after(statement)
        assert not {name.split(".")[0] for name in loaded} & PULUMI_AND_AWS, statement
        # Of the provider, only its declarations, which load nothing either.
        assert {n for n in loaded if n.startswith("omics_provider.")} <= {
            "omics_provider.schema", "omics_provider.values", "omics_provider.replacement",
            "omics_provider.review", "omics_provider.guard", "omics_provider.migrate",
            "omics_provider.previews"}, statement


def test_the_old_names_are_the_review_tools() -> None:
    from omics_provider import guard, migrate, previews
    from omics_provider import review as old_review

    assert old_review is review
    assert (guard.__name__, migrate.__name__, previews.__name__) == (
        "omics_review.guard", "omics_review.migrate", "omics_review.previews")


def test_the_old_commands_run_the_review_tools() -> None:
    preview = PREVIEWS / "tag-change.json"
    ran = subprocess.run([sys.executable, "-m", "omics_provider.review", str(preview), "--stack", "test"],
                         capture_output=True, text=True)
    assert (ran.returncode, ran.stdout) == (0, (PREVIEWS / "tag-change.md").read_text())
    ran = subprocess.run([sys.executable, "-m", "omics_provider.guard", str(preview), str(preview)],
                         capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout.startswith("guard: every deletion"), ran.stdout + ran.stderr
    ran = subprocess.run([sys.executable, "-m", "omics_provider.migrate", "--help"], capture_output=True, text=True)
    assert ran.returncode == 0 and "--import-file" in ran.stdout, ran.stderr


def test_the_plugin_starts_without_the_dynamic_resources() -> None:
    """`omics_provider` hands its resources on at first use: the plugin, which imports the
    package, loads them (and the lifecycle under them) only when a phase needs them."""
    loaded = modules_after("import omics_provider.plugin")
    assert not loaded & {"omics_provider.import_job", "omics_provider.reference_store",
                         "omics_provider.import_lifecycle", "omics_provider.store_lifecycle"}


def test_the_package_exports_every_error_and_resource() -> None:
    errors = {name for name, value in vars(omics_provider_errors).items()
              if isinstance(value, type) and issubclass(value, Exception)}
    assert errors | {"ReferenceImportJob", "ReferenceImportJobArgs", "ReferenceSourceArgs",
                     "ReferenceStore", "ReferenceStoreArgs"} == set(omics_provider.__all__)
    for name in omics_provider.__all__:
        assert getattr(omics_provider, name).__name__ == name
