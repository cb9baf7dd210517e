"""Lifecycle safety through the real engine, both faces (the dynamic provider through the stack
program, the native plugin through Pulumi YAML), at the local endpoint: two stacks on one store,
two resources with the same inputs, a rename without aliases, reordered sources, `up --replace`,
replaceOnChanges, a kept client_token, `up --refresh` after a create that ended at its deadline,
`destroy` during a running import, a tag change during a resumed import, a forgotten token, and
an adopted store. After each, HealthOmics holds exactly what the state says."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omics_provider.core import ownership
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import REPO, StackProject, YamlProject

FACES = ["dynamic", "native"]


def source(name: str, uri: str, **more: object) -> dict:
    return {"name": name, "source_file": uri, **more}


def imported(name: str, sources: list[dict], deadline: int | None = None, **more: object) -> dict:
    """An import as the tests declare it; `deadline`: seconds its create may wait."""
    return {"name": name, "sources": sources, "deadline": deadline, **more}


class Stack:
    """One stack of one face, declaring imports into an existing store."""

    def __init__(self, face: str, root: Path, aws: LocalAws, stack: str = "test") -> None:
        self.face, self.aws = face, aws
        if face == "dynamic":
            self.project = StackProject(root, aws, stack)
            self.role = self.project.role
        else:
            self.role = aws.role()
            self.project = YamlProject(root, aws, {}, self._program("", []), stack=stack)
        self.cli, self.stack = self.project.cli, stack

    def declare(self, store: str, imports: list[dict], adopt_store: str | None = None) -> None:
        """The program (native) or stack config (dynamic) for these imports into `store`; with
        `adopt_store`, a ReferenceStore of that name adopting the Region's store instead."""
        if self.face == "dynamic":
            config = [{"name": i["name"], "sources": i["sources"], "poll_max_seconds": 0.5,
                       **({"wait_timeout_seconds": i["deadline"]} if i["deadline"] else {}),
                       **{k: v for k, v in i.items() if k not in ("name", "sources", "deadline", "options")}}
                      for i in imports]
            self.project.configure(config, store={"name": adopt_store, "adopt_existing": True}
                                   if adopt_store else {"id": store})
        else:
            self.project.write(self._program(store, imports, adopt_store))

    def _program(self, store: str, imports: list[dict], adopt_store: str | None = None) -> str:
        resources = {}
        if adopt_store:
            resources["store"] = {"type": "healthomics:index:ReferenceStore",
                                  "properties": {"name": adopt_store, "adoptExisting": True}}
        for item in imports:
            options = dict(item.get("options") or {})
            if item["deadline"]:
                options["customTimeouts"] = {"create": f"{item['deadline']}s", "update": f"{item['deadline']}s"}
            sources = [{"name": s["name"], "sourceFile": s["source_file"],
                        **({"description": s["description"]} if "description" in s else {}),
                        **({"tags": s["tags"]} if "tags" in s else {})} for s in item["sources"]]
            properties = {"referenceStoreId": store, "roleArn": self.role, "sources": sources,
                          "pollMaxSeconds": 0.5,
                          **({"clientToken": item["client_token"]} if "client_token" in item else {})}
            resources[item["name"]] = {"type": "healthomics:index:ReferenceImportJob",
                                       "properties": properties, **({"options": options} if options else {})}
        program = {"name": "lifecycle", "runtime": "yaml", "resources": resources,
                   "plugins": {"providers": [{"name": "healthomics", "path": str(REPO / ".venv" / "bin")}]}}
        return json.dumps(program, indent=2)  # JSON is YAML

    def run(self, *args: str, check: bool = True):
        return self.cli.run(*args, "--stack", self.stack, check=check)

    def up(self, *extra: str, check: bool = True):
        return self.run("up", "--yes", *extra, check=check)

    def imports(self) -> dict[str, dict]:
        """Each import in the state: its URN and its sources' reference ids by name."""
        state = json.loads(self.run("stack", "export", "--show-secrets").stdout)
        found = {}
        for resource in state["deployment"].get("resources") or []:
            if resource["type"].endswith("ReferenceImportJob"):
                outputs = resource.get("outputs") or {}
                found[resource["urn"].rsplit("::", 1)[1]] = {"urn": resource["urn"], "references": {
                    s["name"]: s.get("reference_id") or s.get("referenceId") for s in outputs.get("sources") or []}}
        return found


def active(aws: LocalAws, store: str) -> dict[str, str]:
    """The store's ACTIVE references: id -> name (once deletions have settled)."""
    return {r["id"]: r["name"] for r in aws.references_settled(store) if r["status"] == "ACTIVE"}


def jobs(aws: LocalAws, store: str) -> list[dict]:
    return aws.omics.list_reference_import_jobs(referenceStoreId=store)["importJobs"]


def held(stack: Stack) -> set[str]:
    return {ref for item in stack.imports().values() for ref in item["references"].values()}


def begin(face: str, tmp_path: Path, aws: LocalAws, store_name: str) -> tuple[str, Stack, str]:
    """A store made outside the stack, a stack of this face, and a bucket: (store, stack, bucket)."""
    store = aws.omics.create_reference_store(name=store_name)["id"]
    return store, Stack(face, tmp_path / "stack", aws), aws.bucket()


def upload(aws: LocalAws, bucket: str, key: str, seed: int) -> str:
    """A generated FASTA at `key`; its s3:// URI."""
    aws.s3.put_object(Bucket=bucket, Key=key, Body=generate_fasta(seed))
    return f"s3://{bucket}/{key}"


@pytest.mark.parametrize("face", FACES)
def test_two_stacks_on_one_store_each_own_their_import_even_when_a_token_is_forgotten(
        tmp_path: Path, aws: LocalAws, face: str) -> None:
    store = aws.omics.create_reference_store(name="shared")["id"]
    aws.controls(import_seconds=4, token_memory_seconds=1, busy_answer="queue")
    prod, dev = Stack(face, tmp_path / "prod", aws, "prod"), Stack(face, tmp_path / "dev", aws, "dev")
    uri = upload(aws, aws.bucket(), "grch38.fa", 7001)
    prod.declare(store, [imported("grch38", [source("GRCh38", uri)], deadline=1)])
    assert prod.up(check=False).returncode != 0  # its job still runs, kept in prod's state
    aws.token_forgotten(jobs(aws, store)[0], 1)
    dev.declare(store, [imported("grch38", [source("GRCh38", uri)])])
    dev.up()
    prod.declare(store, [imported("grch38", [source("GRCh38", uri)])])
    prod.up()
    assert len(jobs(aws, store)) == 2
    assert set(active(aws, store)) == held(prod) | held(dev) and held(prod) != held(dev)

    dev.run("destroy", "--yes")
    assert set(active(aws, store)) == held(prod)
    prod.up("--refresh", "--expect-no-changes")


@pytest.mark.parametrize("face", FACES)
def test_same_inputs_twice_removal_reorder_rename_and_replace_keep_state_and_store_in_step(
        tmp_path: Path, aws: LocalAws, face: str) -> None:
    store, stack, bucket = begin(face, tmp_path, aws, "one-stack")
    one = source("genome-1", upload(aws, bucket, "g1.fa", 7011))
    two = source("genome-2", upload(aws, bucket, "g2.fa", 7012))

    stack.declare(store, [imported("a", [one, two]), imported("b", [one, two])])
    stack.up()
    assert len(jobs(aws, store)) == 2 and set(active(aws, store)) == held(stack)
    kept = stack.imports()["a"]["references"]

    stack.declare(store, [imported("a", [two, one])])  # b removed; a's sources reordered
    stack.up()
    assert stack.imports()["a"]["references"] == kept and set(active(aws, store)) == set(kept.values())
    assert len(jobs(aws, store)) == 2

    stack.declare(store, [imported("renamed", [two, one])])  # no aliases: a new import, then a's delete
    stack.up()
    assert len(jobs(aws, store)) == 3 and set(active(aws, store)) == held(stack)
    assert not set(kept.values()) & held(stack)

    # A targeted --replace: the engine checks the replacement as a new resource and asks no diff,
    # so nothing tells the provider what it replaces. The replacement takes over the same import
    # and the replaced resource's delete leaves it in place: no job, nothing lost.
    before = held(stack)
    replaced = stack.up("--replace", stack.imports()["renamed"]["urn"])
    assert "released, left in place" in replaced.stdout, replaced.stdout
    assert len(jobs(aws, store)) == 3 and held(stack) == before and set(active(aws, store)) == before


@pytest.mark.parametrize("face", FACES)
def test_a_create_past_its_deadline_is_kept_through_refresh_retagged_and_deleted_by_destroy(
        tmp_path: Path, aws: LocalAws, face: str) -> None:
    store, stack, bucket = begin(face, tmp_path, aws, "deadlines")
    aws.controls(import_seconds=6)
    slow = source("slow-genome", upload(aws, bucket, "slow.fa", 7020), tags={"v": "1"})
    slower = upload(aws, bucket, "slower.fa", 7021)
    stack.declare(store, [imported("slow", [slow], deadline=2)])
    assert stack.up(check=False).returncode != 0
    [job] = jobs(aws, store)

    stack.declare(store, [imported("slow", [{**slow, "tags": {"v": "2"}}])])  # changed while it runs
    stack.up("--refresh")  # what the GitOps apply runs: the running job is kept, then waited for
    assert [j["id"] for j in jobs(aws, store)] == [job["id"]]
    [(reference, _)] = active(aws, store).items()
    arn = aws.omics.get_reference_metadata(referenceStoreId=store, id=reference)["arn"]
    tags = aws.omics.list_tags_for_resource(resourceArn=arn)["tags"]
    assert ownership.user_tags(tags) == {"v": "2"} and ownership.KEY in tags
    stack.up("--refresh", "--expect-no-changes")

    stack.declare(store, [imported("slow", [{**slow, "tags": {"v": "2"}}]),
                          imported("slower", [source("slower-genome", slower)], deadline=2)])
    aws.hold_imports()  # slower's job runs until released
    assert stack.up(check=False).returncode != 0  # slower's job still runs
    # Nothing changed, and the refresh clears the create's error: the up still waits for the job
    resumed = stack.up("--refresh", check=False)
    assert "resuming reference import job" in resumed.stdout and resumed.returncode != 0, resumed.stdout
    aws.release_imports()
    stack.up("--refresh")
    assert stack.imports()["slower"]["references"]["slower-genome"] in active(aws, store), stack.imports()
    aws.controls(import_seconds=6)

    slowest = upload(aws, bucket, "slowest.fa", 7022)
    stack.declare(store, [imported("slow", [{**slow, "tags": {"v": "2"}}]),
                          imported("slower", [source("slower-genome", slower)]),
                          imported("slowest", [source("slowest-genome", slowest)], deadline=2)])
    assert stack.up(check=False).returncode != 0  # slowest's job still runs
    stack.run("destroy", "--yes")  # waits for it, and deletes what it made
    assert all(j["status"] == "COMPLETED" for j in jobs(aws, store))
    assert active(aws, store) == {}


@pytest.mark.parametrize("face", FACES)
def test_a_kept_client_token_with_a_changed_description_is_refused_at_preview(
        tmp_path: Path, aws: LocalAws, face: str) -> None:
    store, stack, bucket = begin(face, tmp_path, aws, "tokens")
    given = source("given-genome", upload(aws, bucket, "t.fa", 7030), description="first")
    stack.declare(store, [imported("given", [given], client_token="team-token-7030")])
    stack.up()
    stack.declare(store, [imported("given", [{**given, "description": "second"}], client_token="team-token-7030")])
    refused = stack.run("preview", check=False)
    assert refused.returncode != 0
    assert "is the clientToken of the import this would replace" in refused.stdout, refused.stdout
    assert len(jobs(aws, store)) == 1 and set(active(aws, store)) == held(stack)


def test_replace_on_changes_of_tags_imports_anew_and_deletes_only_the_old(tmp_path: Path, aws: LocalAws) -> None:
    store, stack, bucket = begin("native", tmp_path, aws, "replace-on-changes")
    options = {"replaceOnChanges": ["sources[*].tags"]}
    genome = source("roc-genome", upload(aws, bucket, "r.fa", 7040), tags={"v": "1"})
    stack.declare(store, [imported("roc", [genome], options=options)])
    stack.up()
    before = held(stack)
    stack.declare(store, [imported("roc", [{**genome, "tags": {"v": "2"}}], options=options)])
    stack.up()
    assert len(jobs(aws, store)) == 2 and set(active(aws, store)) == held(stack) and not before & held(stack)


@pytest.mark.parametrize("face", FACES)
def test_an_adopted_store_survives_the_adopters_destroy(tmp_path: Path, aws: LocalAws, face: str) -> None:
    store = aws.omics.create_reference_store(name="made-elsewhere")["id"]
    stack = Stack(face, tmp_path / "stack", aws)
    stack.declare(store, [], adopt_store="made-elsewhere")
    stack.up()
    destroyed = stack.run("destroy", "--yes")
    assert "released, left in place" in destroyed.stdout, destroyed.stdout
    assert [s["id"] for s in aws.omics.list_reference_stores()["referenceStores"]] == [store]
