"""The example stacks repository's GitOps workflow (examples/gitops-repo), run by nektos/act on
this machine (`-P ubuntu-latest=-self-hosted`, no Docker) against the local endpoint, through the
pinned CLI and a file backend standing in for the state bucket.

The workflow uses this checkout's action (.github/actions/gitops, given to act as
`platform/omics-references@v0.3.0`), which installs the omics-references wheel of dist/ (`make dist`
builds it from this checkout), found through PIP_FIND_LINKS as `omics-references==0.3.0`. Every
third-party action is replaced by its stand-in in tests/engine/gitops_actions (see its README): the credentials
stand-in exchanges, at the endpoint's STS, a token shaped like GitHub's for the job (pull request,
main, or the stack's environment) for one of the two roles docs/gitops.md describes, the
previewer (previewer.json) and the deployer (caller.json), each trusted as its github-oidc-trust
file says.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.engine import released
from tests.support.aws import LocalAws, github_token, granted
from tests.support.fasta import generate_fasta
from tests.support.polling import wait_until
from tests.support.projects import PULUMI, REPO, StackProject

EXAMPLE = REPO / "examples" / "gitops-repo"
WORKFLOW = ".github/workflows/gitops.yml"
ACTION = REPO / ".github" / "actions" / "gitops"
ACT = REPO / ".tools" / "bin" / "act"
STANDINS = Path(__file__).parent / "gitops_actions"
# Each remote action the workflow and the action use, by repository: its stand-in folder.
STANDIN_FOR = {
    "actions/checkout": "checkout", "actions/setup-python": "setup-python", "pulumi/actions": "pulumi",
    "actions/cache": "cache", "aws-actions/configure-aws-credentials": "configure-aws-credentials",
    "actions/upload-artifact": "upload-artifact", "dawidd6/action-download-artifact": "download-artifact",
    "marocchino/sticky-pull-request-comment": "sticky-pull-request-comment",
    "peter-evans/create-issue-from-file": "create-issue-from-file",
}
THIS_ACTION = "platform/omics-references"
STACK = "genomics"
STACK_PATH = f"stacks/Pulumi.{STACK}.yaml"
REPOSITORY = "octo-org/stacks"
OMICS_WRITES = ["StartReferenceImportJob", "CreateReferenceStore", "DeleteReferenceStore", "DeleteReference",
                "TagResource", "UntagResource"]
# The example's stack program, except that every run after a workspace's first tags the store: a program
# whose result changed between the guarded preview and the apply.
UNSTEADY_PROGRAM = """import dataclasses
from pathlib import Path

from omics_stack import config, program

ran = Path(__file__).with_name(".program-runs")
loaded = config.load()
if ran.exists():
    loaded = dataclasses.replace(loaded, store=dataclasses.replace(loaded.store, tags={"changed": "after-the-guard"}))
ran.touch()
program.run(loaded)
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def remote_actions() -> set[str]:
    """Every `OWNER/REPO@REF` the example workflow and the action use."""
    text = (EXAMPLE / WORKFLOW).read_text() + (ACTION / "action.yml").read_text()
    return {f"{m[1]}@{m[2]}" for m in re.finditer(r"uses:\s*([\w.-]+/[\w.-]+)[^@\s]*@([\w.-]+)", text)}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the omics-references wheel of dist/ (as `make dist` leaves it), for
    PIP_FIND_LINKS, and the pins of this checkout's virtualenv (constraints.txt), so pip finds what
    its cache holds."""
    dist = released.built_dist(tmp_path_factory)
    folder = tmp_path_factory.mktemp("package")
    [wheel] = dist.glob(f"omics_references-{released.VERSION}-*.whl")
    shutil.copy(wheel, folder)
    frozen = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"], check=True,
                            capture_output=True, text=True).stdout
    (folder / "constraints.txt").write_text(frozen)
    return folder


@dataclass
class Job:
    """What act printed of one job (a matrix job's runs together)."""

    result: str = "skipped"
    outputs: dict[str, str] = field(default_factory=dict)
    lines: list[tuple[str, str]] = field(default_factory=list)  # (step, line)

    def step(self, name: str) -> str:
        """All that the step `name` (of the job, or of the action it uses) printed."""
        return "\n".join(line for step, line in self.lines if step == name)

    @property
    def log(self) -> str:
        """The job's last 80 lines (for a failed assertion)."""
        return "\n".join(f"{step}: {line}" for step, line in self.lines[-80:])


class GitHub:
    """The stacks repository (a copy of examples/gitops-repo), the state backend, and what the
    stand-ins leave behind, with events run by act."""

    def __init__(self, root: Path, aws: LocalAws, package: Path) -> None:
        self.root, self.aws = root, aws
        self.origin, self.backend, self.state = root / "origin", root / "backend", root / "standins"
        shutil.copytree(EXAMPLE, self.origin, ignore=shutil.ignore_patterns(".venv", "gitops", "reviewed"))
        git(self.origin, "init", "--quiet", "--initial-branch=main")
        git(self.origin, "config", "user.email", "ci@example.com")
        git(self.origin, "config", "user.name", "ci")
        git(self.origin, "remote", "add", "origin", f"https://github.com/{REPOSITORY}.git")  # act's github.repository
        git(self.origin, "add", "-A")
        git(self.origin, "commit", "--quiet", "-m", "The stacks repository")
        self.backend.mkdir()
        self.state.mkdir()
        action_repo = root / "omics-references"  # the released repository, as far as the action goes
        shutil.copytree(ACTION, action_repo / ACTION.relative_to(REPO))
        self.standins = {THIS_ACTION: action_repo, **{r: STANDINS / f for r, f in STANDIN_FOR.items()}}
        self.secrets = {"PULUMI_BACKEND_URL": f"file://{self.backend}",
                        "PULUMI_CONFIG_PASSPHRASE": "gitops-test-passphrase"}
        self.variables = {"PULUMI_STACKS": STACK, "AWS_REGION": aws.region}
        self.env = {
            "HOME": str(root / "home"), "XDG_CACHE_HOME": str(root / "cache"), "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": os.environ.get("LANG", "C.UTF-8"), "PIP_CACHE_DIR": pip_cache(),
            "PIP_FIND_LINKS": str(package), "PIP_CONSTRAINT": str(package / "constraints.txt"),
            "PULUMI_HOME": str(root / "pulumi-home"), "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "STANDIN_STATE": str(self.state), "STANDIN_ORIGIN": str(self.origin), "STANDIN_STS": aws.url,
            "STANDIN_PYTHON_BIN": str(Path(sys.base_prefix) / "bin"), "STANDIN_PULUMI_BIN": str(REPO / ".tools" / "bin"),
        }

    def identities(self, service_role: str, bucket: str) -> None:
        """The previewer and deployer roles, as docs/gitops.md describes them, for this service
        role and source bucket."""
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

    def subject(self, role: str, event: str) -> str:
        """The `sub` of GitHub's OIDC token for the job that assumes `role` (the deployer's job
        runs in the stack's environment)."""
        if role == self.variables.get("AWS_DEPLOY_ROLE_ARN"):
            return f"repo:{REPOSITORY}:environment:{STACK}"
        return f"repo:{REPOSITORY}:pull_request" if event == "pull_request" else f"repo:{REPOSITORY}:ref:refs/heads/main"

    @property
    def roles(self) -> list[str]:
        kept = self.state / "roles"
        return kept.read_text().split() if kept.exists() else []

    @property
    def comments(self) -> dict[str, str]:
        return {p.stem: p.read_text() for p in (self.state / "comments").glob("*.md")}

    @property
    def issues(self) -> list[tuple[str, str]]:
        found = [json.loads(p.read_text()) for p in sorted((self.state / "issues").glob("*.json"))]
        return [(i["title"], i["body"]) for i in found]

    def artifact(self, name: str) -> Path:
        return self.state / "artifacts" / name

    # Events.
    def pull_request(self, branch: str, number: int, fork: bool = False, job: str | None = None) -> dict[str, Job]:
        head, base = git(self.origin, "rev-parse", branch), git(self.origin, "rev-parse", "main")
        payload = {"number": number, "pull_request": {"number": number, "base": {"sha": base},
                                                      "head": {"sha": head, "repo": {"fork": fork}}}}
        return self._run("pull_request", branch, payload, job)

    def merge(self, branch: str) -> dict[str, Job]:
        before = git(self.origin, "rev-parse", "main")
        git(self.origin, "merge", "--quiet", "--no-ff", "-m", f"Merge {branch}", branch)
        after = git(self.origin, "rev-parse", "main")
        return self._run("push", "main", {"ref": "refs/heads/main", "before": before, "after": after})

    def schedule(self) -> dict[str, Job]:
        return self._run("schedule", "main", {"schedule": "17 5 * * *"})

    def _run(self, event: str, ref: str, payload: dict, job: str | None = None) -> dict[str, Job]:
        """act, in the repository at `ref` (github.sha), for this event."""
        tokens = {role: github_token(subject=self.subject(role, event))
                  for key, role in self.variables.items() if key.endswith("_ROLE_ARN")}
        (self.state / "oidc.json").write_text(json.dumps(tokens))
        (self.root / "event.json").write_text(json.dumps(payload))
        command = [str(ACT), event, "-W", WORKFLOW, "-e", str(self.root / "event.json"), "--json",
                   "-P", "ubuntu-latest=-self-hosted", "--action-offline-mode", "--no-skip-checkout"]
        for used in sorted(remote_actions()):
            command += ["--local-repository", f"{used}={self.standins[used.split('@')[0]]}"]
        for name, value in self.secrets.items():
            command += ["--secret", f"{name}={value}"]
        for name, value in self.variables.items():
            command += ["--var", f"{name}={value}"]
        if job:
            command += ["-j", job]
        git(self.origin, "checkout", "--quiet", ref)
        try:
            proc = subprocess.run(command, cwd=self.origin, env=self.env, capture_output=True, text=True,
                                  timeout=900)
        finally:
            git(self.origin, "checkout", "--quiet", "main")
        return jobs_of(proc.stdout + proc.stderr)

    def branch(self, name: str, files: dict[str, str], message: str) -> None:
        """A branch off main that writes `files` (text) in one commit."""
        git(self.origin, "checkout", "--quiet", "-b", name, "main")
        for path, text in files.items():
            (self.origin / path).parent.mkdir(parents=True, exist_ok=True)
            (self.origin / path).write_text(text)
        git(self.origin, "add", "-A")
        git(self.origin, "commit", "--quiet", "-m", message)
        git(self.origin, "checkout", "--quiet", "main")

    def start_apply_by_hand(self, branch: str) -> subprocess.Popen:
        """`pulumi up` of `branch` with the deploy role's keys, in its own session, with the
        virtualenv the workflow's runs made."""
        tree = self.root / "by-hand"
        git(self.origin, "worktree", "add", "--quiet", "--detach", str(tree), branch)
        [venv] = (self.state / "caches").iterdir()
        subprocess.run(["cp", "-al", str(venv), str(tree / ".venv")], check=True)
        keys = self.aws.web_identity(self.variables["AWS_DEPLOY_ROLE_ARN"],
                                     github_token(subject=self.subject(self.variables["AWS_DEPLOY_ROLE_ARN"], "push")))
        env = {**self.env, **self.secrets, **keys, "AWS_REGION": self.aws.region, "OMICS_STATE_DIR": str(self.root / "by-hand-state")}
        return subprocess.Popen([str(PULUMI), "up", "--yes", "--stack", STACK, "--non-interactive"], cwd=tree,
                                env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)

    def backend_digest(self) -> str:
        digest = hashlib.sha256()
        for path in sorted(p for p in self.backend.rglob("*") if p.is_file()):
            digest.update(str(path).encode() + path.read_bytes())
        return digest.hexdigest()


def pip_cache() -> str:
    """The developer's pip cache, so the runs' pip installs read the wheels it holds."""
    return subprocess.run([sys.executable, "-m", "pip", "cache", "dir"], check=True, capture_output=True,
                          text=True).stdout.strip()


def jobs_of(printed: str) -> dict[str, Job]:
    """Each job's result, outputs and lines, from act's --json log (a job act did not run: skipped)."""
    jobs: dict[str, Job] = {}
    current = ""
    for line in printed.splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "jobID" not in entry:
            continue
        job = jobs.setdefault(entry["jobID"], Job(result="running"))
        message = entry.get("msg", "").rstrip()
        if "jobResult" in entry:
            job.result = "failure" if "failure" in (job.result, entry["jobResult"]) else entry["jobResult"]
        elif message.lstrip().startswith("⚙  ::set-output:: "):
            name, _, value = message.split(":: ", 1)[1].partition("=")
            job.outputs[name] = value
        elif message.startswith("⭐ Run "):  # a step starts (also one inside the action)
            current = message.split(" ", 3)[-1]
        elif "step" in entry and not message.startswith("LocalRepositoryCache"):
            job.lines.append((current, message))
    return {name: jobs.get(name, Job()) for name in ("stacks", "preview", "apply", "drift", *jobs)}


def stack_file(salt: str, aws: LocalAws, bucket: str, role: str, key: str,
               extra_imports: list[dict] | None = None) -> str:
    """The stack file: its salt, and config for a store and the grch38 import (plus any others)."""
    imports = [{"name": "grch38", "sources": [{"name": "GRCh38", "source_file": f"s3://{bucket}/{key}",
                                               "tags": {"team": "genomics"}}]}, *(extra_imports or [])]
    config = {"aws:region": aws.region,
              "aws:endpoints": aws.endpoints,
              "omics-references:store": {"name": "gitops-genomes"},
              "omics-references:role_arn": role, "omics-references:imports": imports}
    return f"{salt}\nconfig: {json.dumps(config)}\n"


def calls(aws: LocalAws, operation: str) -> int:
    return aws.calls()["calls"].get(operation, 0)


@pytest.mark.engine
def test_the_workflow_reviews_applies_what_was_reviewed_and_reports_drift(tmp_path: Path, aws: LocalAws,
                                                                         package: Path) -> None:
    hub = GitHub(tmp_path, aws, package)
    bucket, role = aws.bucket(), aws.role()
    hub.identities(role, bucket)
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(4001))
    # The platform team creates the stack once (docs/gitops.md): its salt is committed with its config.
    env = {"PULUMI_BACKEND_URL": hub.secrets["PULUMI_BACKEND_URL"],
           "PULUMI_CONFIG_PASSPHRASE": hub.secrets["PULUMI_CONFIG_PASSPHRASE"],
           "OMICS_STATE_DIR": str(tmp_path / "admin"), "PATH": "/usr/bin:/bin"}
    subprocess.run([str(PULUMI), "stack", "init", STACK, "--non-interactive"], cwd=hub.origin, env=env,
                   check=True, capture_output=True)
    [salt] = [line for line in (hub.origin / STACK_PATH).read_text().splitlines() if line.startswith("encryptionsalt:")]
    git(hub.origin, "checkout", "--quiet", "--", STACK_PATH)

    # 1. A pull request: the summary is posted, with nothing written anywhere.
    hub.branch("add-refs", {STACK_PATH: stack_file(salt, aws, bucket, role, "grch38.fa")}, "The genomics stack")
    aws.reset_calls()
    backend_before = hub.backend_digest()
    run = hub.pull_request("add-refs", 1)
    assert run["stacks"].outputs["stacks"] == f'["{STACK}"]', run["stacks"].log
    assert run["preview"].result == "success", run["preview"].log
    assert run["apply"].result == "skipped" and run["drift"].result == "skipped"
    comment = hub.comments[STACK]
    head = git(hub.origin, "rev-parse", "add-refs")
    assert comment.startswith(f"### HealthOmics references: preview of stack `{STACK}` at `{head[:12]}`"), comment
    assert "**1 import job(s) to run**" in comment and "| `grch38` | `GRCh38` |" in comment, comment
    assert "<details>" in comment and "+ sources[0].source_file:" in comment
    tree = git(hub.origin, "rev-parse", "add-refs^{tree}")
    assert (hub.artifact(f"reviewed-{STACK}-{tree}") / "preview.json").exists()
    assert hub.roles == [hub.variables["AWS_PREVIEW_ROLE_ARN"]]
    assert sum(calls(aws, op) for op in OMICS_WRITES) == 0
    assert hub.backend_digest() == backend_before  # a preview needs only read access to the state

    # 2. The merge: exactly what was reviewed is applied, with the deploy role.
    aws.reset_calls()
    run = hub.merge("add-refs")
    assert run["apply"].result == "success", run["apply"].log
    guard_step = run["apply"].step("Guard, then apply")
    assert "every deletion and import job of this apply was in the reviewed preview" in guard_step, guard_step
    assert calls(aws, "StartReferenceImportJob") == 1
    assert hub.roles[-1] == hub.variables["AWS_DEPLOY_ROLE_ARN"]
    [store] = aws.omics.list_reference_stores()["referenceStores"]
    [reference] = aws.omics.list_references(referenceStoreId=store["id"])["references"]
    assert reference["name"] == "GRCh38" and reference["status"] == "ACTIVE"

    # 3. A failing pull request: the comment says so, and the check fails.
    missing = [{"name": "typo", "sources": [{"name": "GRCh37", "source_file": f"s3://{bucket}/not-there.fa"}]}]
    hub.branch("typo", {STACK_PATH: stack_file(salt, aws, bucket, role, "grch38.fa", missing)}, "A typo")
    run = hub.pull_request("typo", 2)
    assert run["preview"].result == "failure"
    # stderr, which act may attribute to the step after, when the step exits at once
    assert any("The preview of stack genomics failed" in line for _, line in run["preview"].lines), \
        run["preview"].log
    comment = hub.comments[STACK]
    assert "**✖ The preview failed.**" in comment and "| `typo` |" in comment and "not-there.fa' does not exist in S3" in comment
    assert not hub.artifact(f"reviewed-{STACK}-{git(hub.origin, 'rev-parse', 'typo^{tree}')}").exists()

    # 4. The drift check: a reference deleted outside Pulumi is reported, and the check fails.
    aws.omics.delete_reference(referenceStoreId=store["id"], id=reference["id"])
    aws.references_settled(store["id"])
    aws.reset_calls()
    run = hub.schedule()
    assert run["drift"].result == "failure", run["drift"].log
    [(title, body)] = hub.issues
    assert title == f"Drift in stack {STACK}"
    assert "| `grch38` | all its references were deleted outside Pulumi (found by refresh) |" in body, body
    assert sum(calls(aws, op) for op in OMICS_WRITES) == 0

    # 5. What merges is what was reviewed: an object overwritten after the review is refused.
    aws.s3.put_object(Bucket=bucket, Key="grch38-v2.fa", Body=generate_fasta(4002))
    hub.branch("v2", {STACK_PATH: stack_file(salt, aws, bucket, role, "grch38-v2.fa")}, "GRCh38 v2")
    run = hub.pull_request("v2", 3)
    assert run["preview"].result == "success" and "Re-imports" in hub.comments[STACK]
    aws.s3.put_object(Bucket=bucket, Key="grch38-v2.fa", Body=generate_fasta(4003))  # after the review
    aws.reset_calls()
    run = hub.merge("v2")
    assert run["apply"].result == "failure"
    refused = run["apply"].step("Guard, then apply")
    assert "refusing to apply" in refused and "import `grch38` would start an import job" in refused, refused
    assert calls(aws, "StartReferenceImportJob") == 0 and calls(aws, "DeleteReference") == 0

    # 6. An apply killed mid-import (its runner lost): the next apply recovers, and imports once.
    aws.s3.put_object(Bucket=bucket, Key="chm13.fa", Body=generate_fasta(4004))
    t2t = [{"name": "t2t", "sources": [{"name": "CHM13", "source_file": f"s3://{bucket}/chm13.fa"}]}]
    hub.branch("t2t", {STACK_PATH: stack_file(salt, aws, bucket, role, "grch38-v2.fa", t2t)}, "T2T")
    assert hub.pull_request("t2t", 4)["preview"].result == "success"
    jobs_before = len(aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"])
    aws.controls(import_seconds=30)
    killed = hub.start_apply_by_hand("t2t")  # in the reviewed tree, as the apply job would
    wait_until(lambda: any(j["status"] == "IN_PROGRESS" for j in aws.omics.list_reference_import_jobs(
        referenceStoreId=store["id"])["importJobs"]), 120, "the import job running")
    StackProject.kill(killed)
    assert list((hub.backend / ".pulumi" / "locks").rglob("*.json")), "the killed apply left its lock"
    aws.controls(import_seconds=0)
    run = hub.merge("t2t")
    assert run["apply"].result == "success", run["apply"].log
    assert "refreshing" in run["apply"].step("Recover from an apply that was killed").lower()
    jobs = aws.omics.list_reference_import_jobs(referenceStoreId=store["id"])["importJobs"]
    assert len(jobs) == jobs_before + 2  # grch38 (v2) and t2t, each started once
    names = sorted(r["name"] for r in aws.omics.list_references(referenceStoreId=store["id"])["references"]
                   if r["status"] == "ACTIVE")
    assert names == ["CHM13", "GRCh38"]

    # 7. The apply does what the guarded preview planned: when the program's result changes after that
    # preview, the apply fails naming the plan violation, and nothing is applied.
    hub.branch("unsteady", {"__main__.py": UNSTEADY_PROGRAM}, "A program whose result changes")
    assert hub.pull_request("unsteady", 5)["preview"].result == "success"
    aws.reset_calls()
    run = hub.merge("unsteady")
    assert run["apply"].result == "failure", run["apply"].log
    guarded = run["apply"].step("Guard, then apply")
    assert "every deletion and import job of this apply was in the reviewed preview" in guarded, guarded
    assert any("reference-store violates plan: properties changed" in line for _, line in run["apply"].lines), \
        run["apply"].log
    assert "Re-run the apply" in run["apply"].log, run["apply"].log
    assert sum(calls(aws, op) for op in OMICS_WRITES) == 0


PICKS = [
    pytest.param({"stacks/Pulumi.b.yaml": "config: {}\n"}, '["b"]', id="one-stack-file"),
    pytest.param({"stacks/Pulumi.b.yaml": "config: {}\n", "stacks/Pulumi.c.yaml": "config: {}\n"}, '["b","c"]',
                 id="two-stack-files"),
    pytest.param({"stacks/Pulumi.unmanaged.yaml": "config: {}\n"}, "[]", id="an-unmanaged-stack"),
    pytest.param({"requirements.txt": "omics-references==0.3.0\npulumi-aws==7.51.1\n"}, '["a","b","c"]',
                 id="what-every-stack-runs"),
]


@pytest.mark.parametrize(("files", "picked"), PICKS)
def test_a_pull_request_previews_each_stack_whose_file_changed(tmp_path: Path, aws: LocalAws, package: Path,
                                                               files: dict, picked: str) -> None:
    hub = GitHub(tmp_path, aws, package)
    hub.variables["PULUMI_STACKS"] = "a b c"
    hub.branch("change", files, "A change")
    run = hub.pull_request("change", 7, job="stacks")
    assert run["stacks"].outputs["stacks"].replace(" ", "") == picked, run["stacks"].log


def test_a_pull_request_from_a_fork_is_refused_saying_why(tmp_path: Path, aws: LocalAws, package: Path) -> None:
    hub = GitHub(tmp_path, aws, package)
    hub.branch("forked", {STACK_PATH: "config: {}\n"}, "From a fork")
    run = hub.pull_request("forked", 8, fork=True)
    assert run["preview"].result == "failure"
    assert "Pull requests from forks get no AWS credentials" in run["preview"].step("Refuse a pull request from a fork"), run["preview"].log
    assert hub.roles == [] and hub.comments == {}  # no credentials asked for, nothing posted
