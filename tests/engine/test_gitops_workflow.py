"""The GitOps workflow (.github/workflows/pulumi-gitops.yml), run: its `run:` steps execute in
order, in a fresh clone of this repository, against the local endpoint, through the pinned CLI
and a file backend standing in for the state bucket. Each `uses:` step has a local equivalent:

- actions/checkout: a fresh clone of the test's origin repository at the event's commit;
- actions/setup-python, actions/setup-go: nothing (this machine has Python 3.11 and Go);
- actions/cache: a folder per key; the `.tools` entry starts warm with the CLI `make setup` built;
- aws-actions/configure-aws-credentials: AssumeRoleWithWebIdentity at the endpoint's STS with a
  token shaped like GitHub's for the job (pull request, main, or the stack's environment), of
  the two roles the README describes: the previewer (previewer.json) and the deployer
  (caller.json), each trusted as its github-oidc-trust file says;
- actions/upload-artifact, dawidd6/action-download-artifact: a folder per artifact name;
- marocchino/sticky-pull-request-comment: the comment, kept per header;
- peter-evans/create-issue-from-file: the issue, kept.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from omics_stack.actions import Event, JobContext, JobResult, WorkflowRunner
from tests.support.aws import LocalAws, github_token, granted
from tests.support.fasta import generate_fasta
from tests.support.polling import wait_until
from tests.support.projects import PULUMI, REPO, StackProject

WORKFLOW = REPO / ".github" / "workflows" / "pulumi-gitops.yml"
STACK = "refs"
REPOSITORY = "octo-org/stacks"
OMICS_WRITES = ["StartReferenceImportJob", "CreateReferenceStore", "DeleteReferenceStore", "DeleteReference",
                "TagResource", "UntagResource"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


class GitHub:
    """The origin repository, the state backend, and what the workflow's actions leave behind."""

    def __init__(self, root: Path, aws: LocalAws) -> None:
        self.root, self.aws = root, aws
        self.origin, self.backend = root / "origin", root / "backend"
        self.workspace = root / "runner" / "work" / "omics-references"  # the same path every run
        git(REPO, "clone", "--quiet", str(REPO), str(self.origin))
        git(self.origin, "config", "user.email", "ci@example.com")
        git(self.origin, "config", "user.name", "ci")
        self.backend.mkdir()
        self.artifacts, self.caches = root / "artifacts", root / "caches"
        self.caches.mkdir()
        self.comments: dict[str, str] = {}
        self.issues: list[tuple[str, str]] = []
        self.roles: list[str] = []
        self.secrets = {"PULUMI_BACKEND_URL": f"file://{self.backend}",
                        "PULUMI_CONFIG_PASSPHRASE": "gitops-test-passphrase"}
        self.variables = {"PULUMI_STACKS": STACK, "AWS_REGION": aws.region}
        self.runner = WorkflowRunner(WORKFLOW, self.workspace, actions={
            "actions/checkout": self.checkout, "actions/setup-python": lambda w, j: {},
            "actions/setup-go": lambda w, j: {}, "actions/cache": self.cache,
            "aws-actions/configure-aws-credentials": self.credentials,
            "actions/upload-artifact": self.upload, "dawidd6/action-download-artifact": self.download,
            "marocchino/sticky-pull-request-comment": self.comment,
            "peter-evans/create-issue-from-file": self.issue,
        })

    # Local equivalents of the actions.
    def checkout(self, _with: dict, job: JobContext) -> dict:
        shutil.rmtree(job.workspace, ignore_errors=True)
        git(REPO, "clone", "--quiet", str(self.origin), str(job.workspace))
        git(job.workspace, "checkout", "--quiet", job.event.sha)
        return {}

    def cache(self, given: dict, job: JobContext) -> dict:
        stored, target = self.caches / given["key"], job.workspace / given["path"]
        seed = REPO / ".tools" if given["path"] == ".tools" else None  # the runner's warm tool cache
        source = stored if stored.exists() else seed
        if source is not None:
            subprocess.run(["cp", "-al", str(source), str(target)], check=True)
        if not stored.exists():
            job.posts.append(lambda ok: ok and target.exists() and subprocess.run(
                ["cp", "-al", str(target), str(stored)], check=True))
        return {"cache-hit": "true" if stored.exists() else "false"}

    def identities(self, service_role: str, bucket: str) -> None:
        """The previewer and deployer roles, as the README's policy files describe them, for
        this service role and source bucket."""
        more = {"GITHUB_REPOSITORY": REPOSITORY, "STACK": STACK}
        self.aws.github_oidc()
        for variable, role, permissions in (("AWS_PREVIEW_ROLE_ARN", "previewer", "previewer"),
                                            ("AWS_DEPLOY_ROLE_ARN", "deployer", "caller")):
            name = f"gitops-{role}-{self.aws.region}"
            trust = granted(f"github-oidc-trust-{role}", service_role, bucket, **more)
            self.variables[variable] = self.aws.iam.create_role(
                RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
            self.aws.iam.put_role_policy(RoleName=name, PolicyName=permissions, PolicyDocument=json.dumps(
                granted(permissions, service_role, bucket, **more)))

    def session(self, role: str, event: str) -> dict[str, str]:
        """The keys GitHub's OIDC token for this job gets for `role` (the deployer's job runs in
        the stack's environment)."""
        if role == self.variables["AWS_DEPLOY_ROLE_ARN"]:
            subject = f"repo:{REPOSITORY}:environment:{STACK}"
        else:
            subject = f"repo:{REPOSITORY}:pull_request" if event == "pull_request" else \
                f"repo:{REPOSITORY}:ref:refs/heads/main"
        return self.aws.web_identity(role, github_token(subject=subject))

    def credentials(self, given: dict, job: JobContext) -> dict:
        role = given["role-to-assume"]
        self.roles.append(role)
        job.env.update(self.session(role, job.event.name), AWS_REGION=given["aws-region"])
        return {}

    def upload(self, given: dict, job: JobContext) -> dict:
        folder = self.artifacts / given["name"]
        folder.mkdir(parents=True)
        shutil.copy(job.workspace / given["path"], folder)
        return {}

    def download(self, given: dict, job: JobContext) -> dict:
        folder = self.artifacts / given["name"]
        if not folder.exists():
            if given.get("if_no_artifact_found") != "warn":
                raise FileNotFoundError(f"no artifact {given['name']}")
            return {"found_artifact": "false"}
        shutil.copytree(folder, job.workspace / given["path"])
        return {"found_artifact": "true"}

    def comment(self, given: dict, job: JobContext) -> dict:
        self.comments[given["header"]] = (job.workspace / given["path"]).read_text()
        return {}

    def issue(self, given: dict, job: JobContext) -> dict:
        self.issues.append((given["title"], (job.workspace / given["content-filepath"]).read_text()))
        return {}

    # Events.
    def pull_request(self, branch: str, number: int, fork: bool = False,
                     jobs: list[str] | None = None) -> dict[str, JobResult]:
        head, base = git(self.origin, "rev-parse", branch), git(self.origin, "rev-parse", "main")
        payload = {"pull_request": {"number": number, "base": {"sha": base},
                                    "head": {"sha": head, "repo": {"fork": fork}}}}
        return self._run(Event("pull_request", head, f"refs/pull/{number}/merge", payload), jobs)

    def merge(self, branch: str) -> dict[str, JobResult]:
        before = git(self.origin, "rev-parse", "main")
        git(self.origin, "checkout", "--quiet", "main")
        git(self.origin, "merge", "--quiet", "--no-ff", "-m", f"Merge {branch}", branch)
        return self._run(Event("push", git(self.origin, "rev-parse", "main"), payload={"before": before}))

    def schedule(self) -> dict[str, JobResult]:
        return self._run(Event("schedule", git(self.origin, "rev-parse", "main")))

    def _run(self, event: Event, jobs: list[str] | None = None) -> dict[str, JobResult]:
        results = self.runner.run(event, self.secrets, self.variables, jobs)
        return {r.job: r for r in results}

    def branch(self, name: str, files: dict[str, str], message: str) -> None:
        """A branch off main that writes `files` (text) in one commit."""
        git(self.origin, "checkout", "--quiet", "-b", name, "main")
        for path, text in files.items():
            (self.origin / path).write_text(text)
        git(self.origin, "add", "-A")
        git(self.origin, "commit", "--quiet", "-m", message)
        git(self.origin, "checkout", "--quiet", "main")

    def start_apply_by_hand(self) -> subprocess.Popen:
        """`pulumi up` of the checked-out tree with the deploy role's keys, in its own session."""
        env = {**self.runner.base_env, **self.secrets, "AWS_REGION": self.aws.region,
               **self.session(self.variables["AWS_DEPLOY_ROLE_ARN"], "push")}
        return subprocess.Popen([str(self.workspace / "scripts" / "pulumi"), "up", "--yes", "--stack", STACK,
                                 "--non-interactive"], cwd=self.workspace, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def backend_digest(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(p for p in self.backend.rglob("*") if p.is_file()):
            digest.update(str(path).encode() + path.read_bytes())
        return digest.hexdigest()


def stack_file(salt: str, aws: LocalAws, bucket: str, role: str, key: str,
               extra_imports: list[dict] | None = None) -> str:
    """The stack file: its salt, and config for a store and the grch38 import (plus any others)."""
    endpoint = aws.url
    imports = [{"name": "grch38", "sources": [{"name": "GRCh38", "source_file": f"s3://{bucket}/{key}",
                                               "tags": {"team": "genomics"}}]}, *(extra_imports or [])]
    config = {"aws:region": aws.region,
              "aws:endpoints": [{"omics": endpoint, "s3": endpoint, "iam": endpoint, "sts": endpoint}],
              "omics-references:store": {"name": "gitops-genomes"},
              "omics-references:role_arn": role, "omics-references:imports": imports}
    return f"{salt}\nconfig: {json.dumps(config)}\n"


def calls(aws: LocalAws, operation: str) -> int:
    return aws.calls()["calls"].get(operation, 0)


@pytest.mark.engine
def test_the_workflow_reviews_applies_what_was_reviewed_and_reports_drift(tmp_path: Path, aws: LocalAws) -> None:
    hub = GitHub(tmp_path, aws)
    bucket, role = aws.bucket(), aws.role()
    hub.identities(role, bucket)
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(4001))
    # The platform team creates the stack once (README): its salt is committed with its config.
    env = {"PULUMI_BACKEND_URL": hub.secrets["PULUMI_BACKEND_URL"],
           "PULUMI_CONFIG_PASSPHRASE": hub.secrets["PULUMI_CONFIG_PASSPHRASE"],
           "OMICS_STATE_DIR": str(tmp_path / "admin"), "PATH": "/usr/bin:/bin"}
    subprocess.run([str(PULUMI), "stack", "init", STACK, "--non-interactive"], cwd=hub.origin, env=env,
                   check=True, capture_output=True)
    stack_path = f"stacks/Pulumi.{STACK}.yaml"
    salt = (hub.origin / stack_path).read_text().strip()
    (hub.origin / stack_path).unlink()

    # 1. A pull request: the summary is posted, with nothing written anywhere.
    hub.branch("add-refs", {stack_path: stack_file(salt, aws, bucket, role, "grch38.fa")}, "The refs stack")
    aws.reset_calls()
    backend_before = hub.backend_digest()
    run = hub.pull_request("add-refs", 1)
    assert run["stacks"].outputs["stacks"] == f'["{STACK}"]', run["stacks"]
    assert run["preview"].result == "success", run["preview"].steps
    assert run["apply"].result == "skipped" and run["drift"].result == "skipped"
    comment = hub.comments[STACK]
    head = git(hub.origin, "rev-parse", "add-refs")
    assert comment.startswith(f"### HealthOmics references: preview of stack `{STACK}` at `{head[:12]}`"), comment
    assert "**1 import job(s) to run**" in comment and "| `grch38` | `GRCh38` |" in comment, comment
    assert "<details>" in comment and "+ sources[0].source_file:" in comment
    tree = git(hub.origin, "rev-parse", "add-refs^{tree}")
    assert (hub.artifacts / f"reviewed-{STACK}-{tree}" / "preview.json").exists()
    assert hub.roles == [hub.variables["AWS_PREVIEW_ROLE_ARN"]]
    assert sum(calls(aws, op) for op in OMICS_WRITES) == 0
    assert hub.backend_digest() == backend_before  # a preview needs only read access to the state

    # 2. The merge: exactly what was reviewed is applied, with the deploy role.
    aws.reset_calls()
    run = hub.merge("add-refs")
    assert run["apply"].result == "success", run["apply"].steps
    guard_step = run["apply"].step("Guard, then apply").output
    assert "every deletion and import job of this apply was in the reviewed preview" in guard_step, guard_step
    assert calls(aws, "StartReferenceImportJob") == 1
    assert hub.roles[-1] == hub.variables["AWS_DEPLOY_ROLE_ARN"]
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    [reference] = aws.omics.list_references(referenceStoreId=store["id"])["references"]
    assert reference["name"] == "GRCh38" and reference["status"] == "ACTIVE"

    # 3. A failing pull request: the comment says so, and the check fails.
    missing = [{"name": "typo", "sources": [{"name": "GRCh37", "source_file": f"s3://{bucket}/not-there.fa"}]}]
    hub.branch("typo", {stack_path: stack_file(salt, aws, bucket, role, "grch38.fa", missing)}, "A typo")
    run = hub.pull_request("typo", 2)
    assert run["preview"].result == "failure"
    assert run["preview"].step("Post the summary").outcome == "success"
    comment = hub.comments[STACK]
    assert "**✖ The preview failed.**" in comment and "| `typo` |" in comment and "not-there.fa' does not exist in S3" in comment
    assert not (hub.artifacts / f"reviewed-{STACK}-{git(hub.origin, 'rev-parse', 'typo^{tree}')}").exists()

    # 4. The drift check: a reference deleted outside Pulumi is reported, and the check fails.
    aws.omics.delete_reference(referenceStoreId=store["id"], id=reference["id"])
    aws.references_settled(store["id"])
    aws.reset_calls()
    run = hub.schedule()
    assert run["drift"].result == "failure", run["drift"].steps
    [(title, body)] = hub.issues
    assert title == f"Drift in stack {STACK}"
    assert "| `grch38` | all its references were deleted outside Pulumi (found by refresh) |" in body, body
    assert sum(calls(aws, op) for op in OMICS_WRITES) == 0

    # 5. What merges is what was reviewed: an object overwritten after the review is refused.
    aws.s3.put_object(Bucket=bucket, Key="grch38-v2.fa", Body=generate_fasta(4002))
    hub.branch("v2", {stack_path: stack_file(salt, aws, bucket, role, "grch38-v2.fa")}, "GRCh38 v2")
    run = hub.pull_request("v2", 3)
    assert run["preview"].result == "success" and "Re-imports" in hub.comments[STACK]
    aws.s3.put_object(Bucket=bucket, Key="grch38-v2.fa", Body=generate_fasta(4003))  # after the review
    aws.reset_calls()
    run = hub.merge("v2")
    assert run["apply"].result == "failure"
    refused = run["apply"].step("Guard, then apply").output
    assert "refusing to apply" in refused and "import `grch38` would start an import job" in refused, refused
    assert calls(aws, "StartReferenceImportJob") == 0 and calls(aws, "DeleteReference") == 0

    # 6. An apply killed mid-import (its runner lost): the next apply recovers, and imports once.
    aws.s3.put_object(Bucket=bucket, Key="chm13.fa", Body=generate_fasta(4004))
    t2t = [{"name": "t2t", "sources": [{"name": "CHM13", "source_file": f"s3://{bucket}/chm13.fa"}]}]
    hub.branch("t2t", {stack_path: stack_file(salt, aws, bucket, role, "grch38-v2.fa", t2t)}, "T2T")
    assert hub.pull_request("t2t", 4)["preview"].result == "success"
    jobs_before = len(aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"])
    aws.controls(import_seconds=30)
    killed = hub.start_apply_by_hand()  # in the reviewed tree, as the apply job would
    wait_until(lambda: any(j["status"] == "IN_PROGRESS" for j in aws.omics.list_reference_import_jobs(
        referenceStoreId=store["id"])["importJobs"]), 120, "the import job running")
    StackProject.kill(killed)
    assert list((hub.backend / ".pulumi" / "locks").rglob("*.json")), "the killed apply left its lock"
    aws.controls(import_seconds=0)
    run = hub.merge("t2t")
    assert run["apply"].result == "success", run["apply"].steps
    assert "refreshing" in run["apply"].step("Recover from an apply that was killed").output.lower()
    jobs = aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"]
    assert len(jobs) == jobs_before + 2  # grch38 (v2) and t2t, each started once
    names = sorted(r["name"] for r in aws.omics.list_references(referenceStoreId=store["id"])["references"]
                   if r["status"] == "ACTIVE")
    assert names == ["CHM13", "GRCh38"]


PICKS = [
    pytest.param({"stacks/Pulumi.b.yaml": "config: {}\n"}, '["b"]', id="one-stack-file"),
    pytest.param({"stacks/Pulumi.b.yaml": "config: {}\n", "stacks/Pulumi.c.yaml": "config: {}\n"}, '["b", "c"]',
                 id="two-stack-files"),
    pytest.param({"stacks/Pulumi.unmanaged.yaml": "config: {}\n"}, "[]", id="an-unmanaged-stack"),
    pytest.param({"omics_rules/NOTE.md": "a change to what every stack runs\n"}, '["a", "b", "c"]', id="shared-code"),
]


@pytest.mark.parametrize(("files", "picked"), PICKS)
def test_a_pull_request_previews_each_stack_whose_file_changed(tmp_path: Path, aws: LocalAws,
                                                               files: dict, picked: str) -> None:
    hub = GitHub(tmp_path, aws)
    hub.variables["PULUMI_STACKS"] = "a b c"
    hub.branch("change", files, "A change")
    run = hub.pull_request("change", 7, jobs=["stacks"])
    assert run["stacks"].outputs["stacks"] == picked, run["stacks"].steps


def test_a_pull_request_from_a_fork_is_refused_saying_why(tmp_path: Path, aws: LocalAws) -> None:
    hub = GitHub(tmp_path, aws)
    hub.branch("forked", {f"stacks/Pulumi.{STACK}.yaml": "config: {}\n"}, "From a fork")
    run = hub.pull_request("forked", 8, fork=True, jobs=["stacks", "preview"])
    assert run["preview"].result == "failure"
    assert "Pull requests from forks get no AWS credentials" in run["preview"].summary
    assert hub.roles == [] and hub.comments == {}  # no credentials asked for, nothing posted
