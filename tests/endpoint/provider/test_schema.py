"""The declared schema (omics_provider.schema) is the one home of both resources' shape: the
committed schema.json is made from it, and the dynamic faces' Args, output attributes and the
outputs they build all match it."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from omics_provider import import_job, reference_store, schema
from omics_provider.import_job import ReferenceImportJobArgs, ReferenceImportJobProvider, ReferenceSourceArgs
from omics_provider.reference_store import ReferenceStoreArgs, ReferenceStoreProvider
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta

SCHEMA_JSON = Path(__file__).resolve().parents[3] / "schema.json"


def test_the_committed_schema_json_is_made_from_the_declaration() -> None:
    assert json.loads(SCHEMA_JSON.read_text()) == schema.package_schema(), (
        "schema.json is stale: run `.venv/bin/python -m omics_provider.schema > schema.json`")


@pytest.mark.parametrize(("args", "shape"), [
    (ReferenceImportJobArgs("1234567890", "arn:aws:iam::1:role/r", []), schema.REFERENCE_IMPORT_JOB),
    (ReferenceSourceArgs("name", "s3://b/k"), schema.REFERENCE_SOURCE),
    (ReferenceStoreArgs("store"), schema.REFERENCE_STORE),
], ids=["import", "source", "store"])
def test_the_dynamic_args_are_the_declared_inputs(args: object, shape: schema.Shape) -> None:
    assert set(args.to_props()) == set(shape.inputs)


@pytest.mark.parametrize(("resource", "shape"), [
    (import_job.ReferenceImportJob, schema.REFERENCE_IMPORT_JOB),
    (reference_store.ReferenceStore, schema.REFERENCE_STORE),
], ids=["import", "store"])
def test_every_declared_output_is_an_attribute_of_the_dynamic_resource(resource: type, shape: schema.Shape) -> None:
    assert set(shape.names(schema.OUTPUT)) <= set(resource.__annotations__)


def test_create_returns_every_declared_output(world: Sandbox) -> None:
    store = ReferenceStoreProvider().create({"name": "schema-store", "adopt_existing": True})
    assert set(schema.REFERENCE_STORE.names(schema.OUTPUT)) <= set(store.outs)
    provider = ReferenceImportJobProvider()
    uri = world.upload("schema.fa", generate_fasta(5001))
    checked = provider.check({}, world.props([{"name": "schema-genome", "source_file": uri}]))
    assert not checked.failures, checked.failures
    created = provider.create(checked.inputs)
    assert set(schema.REFERENCE_IMPORT_JOB.names(schema.PLAN, schema.OUTPUT)) <= set(created.outs)
    [source] = created.outs["sources"]
    assert set(schema.REFERENCE_SOURCE.names(schema.OUTPUT)) <= set(source)


def refs(spec: dict | list) -> set[str]:
    """The type tokens a part of the package schema refers to."""
    found = set()
    for value in (spec.values() if isinstance(spec, dict) else spec):
        if isinstance(value, (dict, list)):
            found |= refs(value)
    if isinstance(spec, dict) and "$ref" in spec:
        found.add(spec["$ref"].removeprefix("#/types/"))
    return found


def test_a_source_is_an_input_type_of_its_inputs_and_an_output_type_of_them_all() -> None:
    package = schema.package_schema()
    job = package["resources"][schema.token(schema.REFERENCE_IMPORT_JOB)]
    source = "healthomics:index:ReferenceSource"
    assert job["inputProperties"]["sources"]["items"] == {"$ref": f"#/types/{source}"}
    assert job["properties"]["sources"]["items"] == {"$ref": f"#/types/{source}Response"}
    assert list(package["types"][source]["properties"]) == ["name", "sourceFile", "description", "tags"]
    assert list(package["types"][f"{source}Response"]["properties"]) == [
        p.wire_name for p in schema.REFERENCE_SOURCE.properties]
    for token in (source, f"{source}Response"):
        assert package["types"][token]["required"] == ["name", "sourceFile"]


def test_no_type_an_input_refers_to_holds_an_output() -> None:
    package = schema.package_schema()
    by_token = {schema.token(shape): shape for shape in (*schema.TYPES, schema.ENDPOINTS)}
    seen = refs([r["inputProperties"] for r in package["resources"].values()])
    seen |= refs(package["provider"]["inputProperties"])
    assert seen == {"healthomics:index:ReferenceSource", "healthomics:index:SseConfig", "healthomics:index:Endpoints"}
    for token in seen:
        assert set(package["types"][token]["properties"]) == {
            p.wire_name for p in by_token[token].properties if p.kind in schema.INPUT_KINDS}, token


def test_the_python_sdk_source_args_take_the_inputs_only() -> None:
    import pulumi_healthomics

    parameters = inspect.signature(pulumi_healthomics.ReferenceSourceArgs).parameters
    assert set(parameters) == {"name", "source_file", "description", "tags"}
    outputs = inspect.signature(pulumi_healthomics.outputs.ReferenceSourceResponse).parameters
    assert set(outputs) == {p.name for p in schema.REFERENCE_SOURCE.properties}
