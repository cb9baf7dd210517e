"""Taken from a release as a user outside this repository takes it: each project is one of
examples/ copied into a fresh folder, its packages installed only from dist/ (third-party ones from
their registries: PyPI, npm, the Go module proxy), the plugin installed from its tarball into a
PULUMI_HOME of the user's own by `pulumi plugin install`, the pinned CLI with nothing else of this
checkout on PATH, at the local endpoint: `up` (one import job), a no-op preview, `destroy`; and
`pulumi import` of a store and an import made outside Pulumi, the TypeScript SDK's input types, the
installed endpoint without Go or versitygw, and the installed review tools.

One virtualenv, one npm install and one plugin installation serve the file's tests (they keep to
one worker: tests/conftest.py); npm and Go read the machine's caches (Go's module cache as a proxy)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from omics_emulator.launcher import EmulatorProcess
from omics_provider.core.ownership import user_tags
from tests.engine import released
from tests.engine.released import EXAMPLES, GO_MODULE, REPO, VERSION, UserProject, run, user_env
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import copy_example

pytestmark = pytest.mark.engine
PROGRAM_FILES = {"python": "__main__.py", "typescript": "index.ts", "go": "main.go"}
IMPORTED = REPO / "tests" / "fixtures" / "imported"  # what a user writes for what `pulumi import` took over
MUTATING = ("Start", "Create", "Delete", "Tag", "Untag")


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return released.built_dist(tmp_path_factory)


@pytest.fixture(scope="module")
def home(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user's PULUMI_HOME, with the plugin installed from dist/'s tarball."""
    home = tmp_path_factory.mktemp("user") / "pulumi-home"
    released.install_plugin(home)
    return home


@pytest.fixture(scope="module")
def venv(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the Python examples' requirements (and the `local` extra), this project's
    packages from dist/ only, the rest from PyPI at the versions requirements*.txt pin."""
    root = tmp_path_factory.mktemp("python")
    run(sys.executable, "-m", "venv", root / "venv")
    pip = [root / "venv" / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check",
           "--no-compile"]
    ours = [f"omics-references=={VERSION}", f"pulumi-healthomics=={VERSION}"]
    run(*pip, "--no-index", "--no-deps", "--find-links", dist, *ours)
    requirements = [arg for name in ("python", "python-dynamic") for arg in ("-r", EXAMPLES / name / "requirements.txt")]
    run(*pip, "-c", pinned_constraints(root / "constraints.txt"), *requirements, f"omics-references[local]=={VERSION}")
    return root / "venv"


def pinned_constraints(path: Path) -> Path:
    """requirements*.txt as a constraints file, so the install uses the versions CI caches."""
    lines = [re.sub(r"\[.*?\]", "", line) for name in ("requirements.txt", "requirements-dev.txt")
             for line in (REPO / name).read_text().splitlines() if line and not line.startswith(("#", "-"))]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def node_modules(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`npm install` of examples/typescript/package.json as written, the SDK's scope served from
    dist/ by a registry of its own (as a team's artifact server does), the rest from npm."""
    if shutil.which("npm") is None:
        pytest.skip("no Node.js on PATH")
    project = copy_example("typescript", tmp_path_factory.mktemp("npm") / "project")
    with released.npm_registry(sorted(dist.glob("*.tgz"))) as url:
        (project / ".npmrc").write_text(f"@omics-references:registry={url}/\n")
        run("npm", "install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", cwd=project,
            env=user_env(project / "home", project / "state"))
    installed = json.loads((project / "node_modules/@omics-references/healthomics/package.json").read_text())
    assert installed["version"] == VERSION, installed
    return project / "node_modules"


@pytest.fixture(scope="module")
def go_env(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """GOPROXY and GONOSUMDB as examples/go/README.md has a user set them, for dist/'s module proxy;
    a module cache of the file's own (the other modules from the machine's download cache, a module
    proxy too; -trimpath keeps the machine's build cache valid for it), so that no other test's use
    of the machine's cache meets this one."""
    if shutil.which("go") is None:
        pytest.skip("no Go on PATH")
    checksum = f"{GO_MODULE} v{VERSION} {released.go_module_hash(f'v{VERSION}')}\n"
    assert checksum in (EXAMPLES / "go" / "go.sum").read_text(), (
        f"examples/go/go.sum lacks {checksum}: sdk/go changed since the release's checksum was written there")
    cache = tmp_path_factory.mktemp("go") / "modcache"
    machine = run("go", "env", "GOMODCACHE").strip()
    yield {"GOPROXY": f"file://{dist / 'goproxy'},file://{machine}/cache/download,https://proxy.golang.org",
           "GONOSUMDB": GO_MODULE.rsplit("/sdk/", 1)[0], "GOMODCACHE": str(cache),
           "GOFLAGS": f"{os.environ.get('GOFLAGS', '')} -trimpath -modcacherw".strip()}
    shutil.rmtree(cache, ignore_errors=True)


@pytest.fixture
def user(home: Path, tmp_path: Path) -> dict[str, str]:
    """The user's environment for this test: its own state, the shared PULUMI_HOME, and no plugin
    of this project on PATH or beside the CLI (where the engine looks for bundled plugins)."""
    env = user_env(home, tmp_path / "state")
    assert shutil.which("pulumi-resource-healthomics", path=env["PATH"]) is None
    assert not (released.PULUMI.parent / "pulumi-resource-healthomics").exists()
    return env


def project_of(example: str, tmp_path: Path, env: dict[str, str], fixtures: dict[str, Path]) -> UserProject:
    """examples/EXAMPLE in a folder of the user's, its dependencies installed (the shared virtualenv,
    node_modules), no path in it into this checkout."""
    root = copy_example(example, tmp_path / example)
    for name, target in fixtures.items():
        (root / name).symlink_to(target)
    for file in root.iterdir():
        if file.is_file():
            assert str(REPO) not in file.read_text() and "../" not in file.read_text(), file
    return UserProject(root, env)


def native_config(aws: LocalAws, **more: str) -> dict[str, object]:
    return {"healthomics:region": aws.region, "healthomics:endpoints": aws.endpoints, **more}


def sources(aws: LocalAws, seed: int) -> tuple[str, str]:
    """A role and an uploaded FASTA's S3 URI."""
    bucket = aws.bucket()
    aws.s3.put_object(Bucket=bucket, Key="grch38.fa", Body=generate_fasta(seed))
    return aws.role(), f"s3://{bucket}/grch38.fa"


def lives_through_up_noop_and_destroy(project: UserProject, aws: LocalAws) -> dict[str, int]:
    """`up` makes the store and imports the reference by one job; a no-op preview; `destroy`
    leaves no store. The omics calls of the preview."""
    assert "3 created" in project.pulumi("up", "--yes")
    outputs = project.outputs()
    store_id = outputs["storeId"]
    [job] = aws.omics.list_reference_import_jobs(referenceStoreId=store_id)["importJobs"]
    assert job["status"] == "COMPLETED", job
    reference = aws.omics.get_reference_metadata(referenceStoreId=store_id, id=outputs["grch38"])
    assert reference["status"] == "ACTIVE", reference
    tags = aws.omics.list_tags_for_resource(resourceArn=reference["arn"])["tags"]
    assert user_tags(tags) == {"assembly": "GRCh38"}
    aws.reset_calls()
    project.pulumi("preview", "--expect-no-changes")
    calls = aws.calls()["calls"]
    assert "3 deleted" in project.pulumi("destroy", "--yes")
    assert aws.omics.list_reference_stores()["referenceStores"] == []
    return calls


def test_the_examples_name_released_artifacts_only() -> None:
    """No path into a checkout, no `replace`, no plugin folder; the versions are this release's."""
    for file in EXAMPLES.glob("*/*"):
        if file.is_file() and file.parent.name != "gitops-repo":
            text = file.read_text()
            assert "../" not in text and "replace " not in text and "path:" not in text, file
    for name in ("python", "python-dynamic"):
        pins = [line for line in (EXAMPLES / name / "requirements.txt").read_text().splitlines()
                if line and not line.startswith("#")]
        assert pins and all(line.endswith(f"=={VERSION}") for line in pins), pins
    package = json.loads((EXAMPLES / "typescript" / "package.json").read_text())
    assert package["dependencies"]["@omics-references/healthomics"] == VERSION
    assert f"\t{GO_MODULE} v{VERSION}\n" in (EXAMPLES / "go" / "go.mod").read_text()


def test_a_python_project_on_the_dynamic_provider(venv: Path, user: dict[str, str], aws: LocalAws,
                                                   tmp_path: Path) -> None:
    project = project_of("python-dynamic", tmp_path, user, {"venv": venv})
    role, source = sources(aws, 501)
    project.init({"aws:region": aws.region, "aws:endpoints": aws.endpoints,
                  "genomes-dynamic:roleArn": role, "genomes-dynamic:grch38File": source})
    lives_through_up_noop_and_destroy(project, aws)


def sdk_project(language: str, request: pytest.FixtureRequest, env: dict[str, str],
                tmp_path: Path) -> UserProject:
    """examples/LANGUAGE with its dependencies: the virtualenv, node_modules, or Go's settings."""
    env, fixtures = dict(env), {}
    if language == "python":
        fixtures["venv"] = request.getfixturevalue("venv")
    elif language == "typescript":
        fixtures["node_modules"] = request.getfixturevalue("node_modules")
    else:
        env.update(request.getfixturevalue("go_env"))
    return project_of(language, tmp_path, env, fixtures)


@pytest.mark.parametrize("language", ["python", "typescript", "go"])
def test_a_project_on_the_sdk(language: str, request: pytest.FixtureRequest, user: dict[str, str],
                              aws: LocalAws, tmp_path: Path) -> None:
    project = sdk_project(language, request, user, tmp_path)
    role, source = sources(aws, 502)
    name = f"genomes-{language}"
    project.init(native_config(aws, **{f"{name}:roleArn": role, f"{name}:grch38File": source}))
    calls = lives_through_up_noop_and_destroy(project, aws)
    assert calls == {}, calls  # the plugin's previews read S3, never HealthOmics


def test_a_yaml_project(user: dict[str, str], aws: LocalAws, tmp_path: Path) -> None:
    """The example, on the pinned YAML host (which `pulumi about` names with its version)."""
    project = project_of("yaml", tmp_path, user, {})
    role, source = sources(aws, 503)
    project.init(native_config(aws, **{"genomes-yaml:roleArn": role, "genomes-yaml:grch38File": source}))
    calls = lives_through_up_noop_and_destroy(project, aws)
    assert calls == {}, calls
    about = project.pulumi("about")
    assert any(line.split() == ["language", "yaml", "1.25.0"] for line in about.splitlines()), about
    plugins = run(released.PULUMI, "plugin", "ls", env=user)
    assert re.search(rf"healthomics\s+resource\s+{re.escape(VERSION)}", plugins), plugins


@pytest.mark.parametrize("language", ["python", "typescript", "go"])
def test_pulumi_import_takes_over_a_store_and_an_import_made_outside_pulumi(
        language: str, request: pytest.FixtureRequest, user: dict[str, str], aws: LocalAws,
        tmp_path: Path) -> None:
    project = sdk_project(language, request, user, tmp_path)
    role, source = sources(aws, 504)
    store = aws.omics.create_reference_store(name="made-by-a-script", description="by boto3")["id"]
    job = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=role, sources=[
        {"name": "GRCh38", "sourceFile": source, "description": "primary assembly",
         "tags": {"assembly": "GRCh38"}}])["id"]
    aws.job(store, job)
    program = (IMPORTED / PROGRAM_FILES[language]).read_text().replace("ROLE", role).replace("FILE", source)
    (project.root / PROGRAM_FILES[language]).write_text(program)
    project.init(native_config(aws))
    aws.reset_calls()
    for args in (("healthomics:index:ReferenceStore", "store", store),
                 ("healthomics:index:ReferenceImportJob", "grch38", f"{store}/{job}")):
        # The pinned hosts cannot write the program (GenerateProgram): the user writes it.
        project.pulumi("import", *args, "--yes", "--protect=false", "--generate-code=false")
    project.pulumi("up", "--yes", "--expect-no-changes")
    assert project.provider_versions() == {VERSION}
    calls = aws.calls()["calls"]
    assert not any(op.startswith(MUTATING) for op in calls), calls


def test_a_typescript_source_input_offers_no_output(node_modules: Path, tmp_path: Path) -> None:
    """The SDK's input type for a source holds its inputs only: setting `arn`, an output, in one
    does not compile, while the example as written does."""
    project = copy_example("typescript", tmp_path / "typescript")
    (project / "node_modules").symlink_to(node_modules)

    def typecheck() -> subprocess.CompletedProcess:
        return subprocess.run([str(node_modules / ".bin" / "tsc"), "--noEmit", "-p", "."], cwd=project,
                              capture_output=True, text=True, timeout=300)

    assert typecheck().returncode == 0
    program = project / "index.ts"
    program.write_text(program.read_text().replace('name: "GRCh38",', 'name: "GRCh38", arn: "arn:x",', 1))
    checked = typecheck()
    assert checked.returncode != 0 and "'arn' does not exist in type" in checked.stdout, checked.stdout


def test_the_installed_endpoint_starts_without_go_or_versitygw_and_an_import_works(
        venv: Path, tmp_path: Path) -> None:
    path = os.pathsep.join([str(venv / "bin"), "/usr/bin", "/bin"])
    assert shutil.which("versitygw", path=path) is None and shutil.which("go", path=path) is None
    command = [str(venv / "bin" / "omics-local-endpoint")]
    bare = {"PATH": path, "OMICS_LOCAL_S3_SERVER": ""}
    with EmulatorProcess(tmp_path / "data", command=command, env=bare) as endpoint:
        [said] = [line for line in endpoint.banner if line.startswith("S3 objects:")]
        assert "in memory" in said and "lost when the endpoint stops" in said, said
        assert "install versitygw" in said, said
        aws = LocalAws(endpoint.url, "us-east-1")
        bucket, fasta = aws.bucket(), generate_fasta(505)
        aws.s3.put_object(Bucket=bucket, Key="demo.fa", Body=fasta)
        store = aws.omics.create_reference_store(name="no-go")["id"]
        started = aws.omics.start_reference_import_job(referenceStoreId=store, roleArn=aws.role(), sources=[
            {"name": "demo-genome", "sourceFile": f"s3://{bucket}/demo.fa"}])
        job = aws.job(store, started["id"])
        assert job["status"] == "COMPLETED", job
        assert aws.read_file(store, job["sources"][0]["referenceId"], "SOURCE") == fasta


def test_the_installed_review_tools_run_outside_the_repository(venv: Path, tmp_path: Path) -> None:
    """The wheel holds `omics_review`: the commands users' workflows call run from any folder."""
    python, preview = venv / "bin" / "python", REPO / "tests" / "fixtures" / "previews" / "tag-change.json"
    for module in ("omics_provider.review", "omics_review.review"):
        summary = run(python, "-m", module, preview, "--stack", "test", cwd=tmp_path)
        assert summary == preview.with_suffix(".md").read_text(), module
    guarded = run(python, "-m", "omics_provider.guard", preview, preview, cwd=tmp_path)
    assert guarded.startswith("guard: every"), guarded
    assert "--import-file" in run(python, "-m", "omics_provider.migrate", "--help", cwd=tmp_path)
