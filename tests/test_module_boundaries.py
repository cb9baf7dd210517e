"""Each package loads only what it stands on, each checked in a fresh interpreter: the endpoint
and the shared rules load no provider; the review tools load no pulumi, under their own names and
under the old `omics_provider` ones; the native plugin starts without the dynamic resources; the
provider's core and its AWS mechanics load no pulumi and import neither face, and the AWS
mechanics import nothing of the core. And no module outside tests/ (the packages, scripts,
benchmarks) imports test support."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import omics_provider
from omics_provider import errors as omics_provider_errors
from omics_review import review

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
PREVIEWS = TESTS / "fixtures" / "previews"
TEST_SUPPORT = ("tests", "omics_emulator.testing", "omics_stack.testing")
PULUMI_AND_AWS = {"pulumi", "grpc", "google", "botocore", "boto3"}


def modules_after(statement: str) -> set[str]:
    """Every module loaded by a fresh interpreter that runs `statement`."""
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return set(json.loads(out))


def loaded_after(statement: str) -> set[str]:
    """The top-level packages loaded by a fresh interpreter that runs `statement`."""
    return {name.split(".")[0] for name in modules_after(statement)}


def imported_modules(path: Path, text: str | None = None) -> set[str]:
    """Every module (and imported name, as module.name) a Python file at `path` under the
    repository imports, relative imports resolved against its package."""
    package = path.relative_to(REPO).parent.parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if text is None else text, str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else ()
            module = ".".join([*base, *filter(None, [node.module])])
            found |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
    return found


def python_outside_tests() -> list[Path]:
    """This repository's Python files outside tests/ (git's, tracked or new): packages, scripts,
    benchmarks, examples; the generated SDKs aside."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            check=True, capture_output=True, text=True).stdout.split()
    paths = [REPO / name for name in listed if name.split("/")[0] not in ("tests", "sdk")]
    return [p for p in paths if p.is_file() and (p.suffix == ".py" or (
        p.suffix == "" and p.read_bytes()[:40].startswith(b"#!/usr/bin/env python")))]


def test_nothing_outside_tests_imports_test_support() -> None:
    assert REPO / "bench" / "common.py" in python_outside_tests()  # the walk reaches the benchmarks
    offenders = {str(path.relative_to(REPO)): sorted(name for name in imported_modules(path)
                                                     if name.startswith(TEST_SUPPORT))
                 for path in python_outside_tests()}
    assert {path: names for path, names in offenders.items() if names} == {}
    for old in ("omics_emulator/testing.py", "omics_stack/testing.py"):
        assert not (REPO / old).exists(), f"{old}: test support lives under tests/support"


@pytest.mark.parametrize(("path", "text", "module"), [
    ("omics_emulator/server.py", "from .testing import LocalAws", "omics_emulator.testing"),
    ("omics_stack/program.py", "from . import testing", "omics_stack.testing"),
    ("bench/common.py", "import omics_stack.testing", "omics_stack.testing"),
    ("scripts/seed_local.py", "from tests import support", "tests.support"),
    ("bench/local.py", "from tests.support.aws import LocalAws", "tests.support.aws"),
])
def test_every_way_of_importing_test_support_is_seen(path: str, text: str, module: str) -> None:
    assert module in imported_modules(REPO / path, text)


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
            "omics_provider.schema", "omics_provider.core", "omics_provider.core.values",
            "omics_provider.core.replacement",
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
    loaded = modules_after("import omics_provider.native.plugin")
    assert not loaded & {"omics_provider.import_job", "omics_provider.reference_store",
                         "omics_provider.core.import_lifecycle", "omics_provider.core.store_lifecycle"}


def test_the_package_exports_every_error_and_resource() -> None:
    errors = {name for name, value in vars(omics_provider_errors).items()
              if isinstance(value, type) and issubclass(value, Exception)}
    assert errors | {"ReferenceImportJob", "ReferenceImportJobArgs", "ReferenceSourceArgs",
                     "ReferenceStore", "ReferenceStoreArgs"} == set(omics_provider.__all__)
    for name in omics_provider.__all__:
        assert getattr(omics_provider, name).__name__ == name


PROVIDER = REPO / "omics_provider"
FACES = ("omics_provider.native", "omics_provider.dynamic", "omics_provider.import_job",
         "omics_provider.reference_store")


def test_the_core_and_the_aws_mechanics_load_no_pulumi_and_import_no_face() -> None:
    """Both faces adapt the core: `core/` and `aws/` stand on neither face nor on pulumi, and
    `aws/` (how the provider reaches AWS) stands on nothing of `core/`."""
    modules = [f"omics_provider.{path.parent.name}.{path.stem}"
               for folder in ("core", "aws") for path in sorted((PROVIDER / folder).glob("*.py"))]
    assert "omics_provider.core.import_lifecycle" in modules and "omics_provider.aws.settings" in modules
    loaded = modules_after(f"import {', '.join(modules)}")
    assert not {name.split(".")[0] for name in loaded} & {"pulumi", "grpc", "google"}
    assert not {name for name in loaded if name.startswith(FACES)}
    for path in sorted((PROVIDER / "aws").glob("*.py")):
        assert not {name for name in imported_modules(path) if name.startswith("omics_provider.core")}, path
