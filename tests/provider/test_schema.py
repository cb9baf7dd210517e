"""The declared schema (omics_provider.schema) is the one home of both resources' shape: the
committed schema.json is made from it, and the dynamic faces' Args, output attributes and the
outputs they build all match it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omics_emulator.testing import Sandbox, generate_fasta
from omics_provider import import_job, reference_store, schema
from omics_provider.import_job import ReferenceImportJobArgs, ReferenceImportJobProvider, ReferenceSourceArgs
from omics_provider.reference_store import ReferenceStoreArgs, ReferenceStoreProvider

SCHEMA_JSON = Path(__file__).resolve().parents[2] / "schema.json"


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
