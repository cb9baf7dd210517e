"""The stack program under pulumi's mocks: the real-AWS path (role created with pulumi-aws)."""

from __future__ import annotations

import json
import re

import pulumi
import pytest

from omics_stack import config as stack_config
from omics_stack import outputs, program
from omics_stack.role import read_policy, trust_policy

SOURCES = ["s3://genomes-a/grch38/GRCh38.fa", "s3://genomes-a/grch38/GRCh38.fa.fai-ignored",
           "s3://genomes-b/t2t/chm13.fa.gz"]


class Mocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources.append(args)
        state = dict(args.inputs)
        if args.typ == "aws:iam/role:Role":
            state["arn"] = f"arn:aws:iam::123456789012:role/{args.name}"
        if args.typ.endswith("omics:ReferenceStore"):
            state["store_id"] = "5555555555"
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@pytest.fixture
def mocks() -> Mocks:
    mocks = Mocks()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


def real_aws_config() -> stack_config.StackConfig:
    return stack_config.parse({
        "store": {"name": "genomes"}, "create_role": True,
        "imports": [
            {"name": "grch38", "sources": [{"name": "GRCh38", "source_file": SOURCES[0]},
                                           {"name": "GRCh38-alt", "source_file": SOURCES[1]}]},
            {"name": "t2t", "sources": [{"name": "CHM13", "source_file": SOURCES[2]}]},
        ],
    })


def registered(jobs: dict) -> pulumi.Output:
    """Resolves once every import (and so the store and role it needs) is registered."""
    return pulumi.Output.all(*[job.id for job in jobs.values()])


@pulumi.runtime.test
def test_role_trusts_only_omics_and_reads_only_the_sources(mocks: Mocks):
    jobs = program.run(real_aws_config())

    def check(_):
        role = next(r for r in mocks.resources if r.typ == "aws:iam/role:Role")
        assert json.loads(role.inputs["assumeRolePolicy"]) == trust_policy()
        policy = json.loads(next(r for r in mocks.resources if r.typ == "aws:iam/rolePolicy:RolePolicy")
                            .inputs["policy"])
        get, location = policy["Statement"]
        assert get["Action"] == "s3:GetObject" and sorted(get["Resource"]) == sorted(
            f"arn:aws:s3:::{s[5:]}" for s in SOURCES)
        assert location["Action"] == "s3:GetBucketLocation"
        assert location["Resource"] == ["arn:aws:s3:::genomes-a", "arn:aws:s3:::genomes-b"]
        assert "*" not in json.dumps(policy)

    return registered(jobs).apply(check)


@pulumi.runtime.test
def test_store_id_and_role_flow_into_every_import(mocks: Mocks):
    jobs = program.run(real_aws_config())

    def check(_):
        jobs = [r for r in mocks.resources if r.typ.endswith("omics:ReferenceImportJob")]
        assert sorted(j.name for j in jobs) == ["grch38", "t2t"]
        for job in jobs:
            assert job.inputs["reference_store_id"] == "5555555555"
            assert job.inputs["role_arn"] == "arn:aws:iam::123456789012:role/omics-reference-import"
        assert [len(j.inputs["sources"]) for j in sorted(jobs, key=lambda j: j.name)] == [2, 1]

    return registered(jobs).apply(check)


@pulumi.runtime.test
def test_each_region_gets_its_own_store_and_its_imports_that_region(mocks: Mocks):
    jobs = program.run(stack_config.parse({
        "store": {"name": "genomes-us"}, "role_arn": "arn:aws:iam::1:role/r",
        "imports": [{"name": "grch38-us", "sources": [{"name": "GRCh38", "source_file": SOURCES[0]}]}],
        "regions": [{"region": "eu-west-1", "store": {"name": "genomes-eu"},
                     "imports": [{"name": "grch38-eu", "sources": [{"name": "GRCh38", "source_file": SOURCES[2]}]}]}],
    }))

    def check(_):
        stores = {r.name: r.inputs for r in mocks.resources if r.typ.endswith("omics:ReferenceStore")}
        assert stores["reference-store"].get("region") is None  # the first store keeps aws:region
        assert stores["reference-store-eu-west-1"]["region"] == "eu-west-1"
        imports = {r.name: r.inputs for r in mocks.resources if r.typ.endswith("omics:ReferenceImportJob")}
        assert imports["grch38-us"].get("region") is None and imports["grch38-eu"]["region"] == "eu-west-1"

    return registered(jobs).apply(check)


def test_policy_helpers_are_least_privilege() -> None:
    policy = read_policy(["s3://b1/k.fa", "s3://b1/k.fa"])
    assert policy["Statement"][0]["Resource"] == ["arn:aws:s3:::b1/k.fa"]
    assert trust_policy()["Statement"][0]["Principal"] == {"Service": "omics.amazonaws.com"}


@pytest.mark.parametrize("raw, message", [
    pytest.param({"role_arn": "arn:aws:iam::1:role/r"}, "store: give `id`", id="no-store"),
    pytest.param({"store": {"name": "s"}}, "role_arn: give an existing", id="no-role"),
    pytest.param({"store": {"name": "s", "colour": "red"}, "role_arn": "x"}, "store: unknown key(s) colour",
                 id="unknown-key"),
    pytest.param({"store": {"name": "s"}, "role_arn": "x", "imports": [{"sources": []}]},
                 "imports[0]: `name`", id="import-without-name"),
    pytest.param({"store": {"name": "s", "region": "eu-west-1"}, "role_arn": "x",
                  "regions": [{"region": "eu-west-1", "store": {"name": "t"}}]},
                 "one store per Region, but eu-west-1 appears twice", id="region-twice"),
    pytest.param({"store": {"name": "s"}, "role_arn": "x", "imports": [{"name": "a", "sources": []}],
                  "regions": [{"region": "eu-west-1", "store": {"name": "t"}, "imports": [{"name": "a", "sources": []}]}]},
                 "must be unique: a", id="import-name-twice"),
    pytest.param({"store": {"name": "s"}, "role_arn": "x", "regions": [{"store": {"name": "t"}}]},
                 "regions[0]: `region` is required", id="region-without-name"),
])
def test_config_shape_errors_name_the_key(raw: dict, message: str) -> None:
    with pytest.raises(stack_config.StackConfigError, match=re.escape(message)):
        stack_config.parse(raw)


def test_output_names_are_what_the_tests_read() -> None:
    assert (outputs.STORE_ID, outputs.REFERENCES, outputs.ROLE_ARN) == ("store_id", "references", "role_arn")


def test_secret_paths_are_the_secure_values_the_stack_file_shows_else_the_whole_key() -> None:
    stack_file = {"omics-references:imports": [{"name": "a", "sources": [
        {"name": "s", "source_file": "s3://b/k.fa", "tags": {"billing": {"secure": "v1:abc"}}}]}],
        "omics-references:role_arn": {"secure": "v1:def"}}
    assert stack_config.secret_paths(["imports", "role_arn", "store"], stack_file) == {
        ("imports", 0, "sources", 0, "tags", "billing"), ("role_arn",), ("store",)}
    assert stack_config.secret_paths(["imports"], None) == {("imports",)}  # config from elsewhere


def test_only_the_secret_values_of_the_config_are_declared_secret() -> None:
    raw = {"store": {"name": "genomes", "tags": {"team": "g", "cost": "CC-1"}},
           "role_arn": "arn:aws:iam::1:role/r",
           "imports": [{"name": "grch38", "sources": [{"name": "GRCh38", "source_file": SOURCES[0],
                                                      "tags": {"assembly": "38", "billing": "CC-2"}}]}]}
    billing = ("imports", 0, "sources", 0, "tags")
    config = stack_config.parse(raw, frozenset({("role_arn",), ("store", "tags", "cost"), (*billing, "billing")}))
    assert isinstance(config.secret(config.role_arn, "role_arn"), pulumi.Output)
    tags = config.secret(config.imports[0].sources[0].tags, *billing)
    assert isinstance(tags["billing"], pulumi.Output) and tags["assembly"] == "38"
    assert config.secret("GRCh38", "imports", 0, "sources", 0, "name") == "GRCh38"
    whole = stack_config.parse(raw, frozenset({("imports",)}))
    assert isinstance(whole.secret("s3://b/k.fa", "imports", 0, "sources", 0, "source_file"), pulumi.Output)
