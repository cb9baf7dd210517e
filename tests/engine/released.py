"""A user's machine for the released artifacts: dist/ (as `make dist` leaves it), a user's
environment that holds nothing of this checkout but the Pulumi CLI (a PULUMI_HOME and state of its
own, the plugin installed there from its tarball), and dist/ served on 127.0.0.1 as a team's
artifact server serves it: its files as they are, its npm package by a registry for its scope."""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import stat
import subprocess
import tarfile
import threading
import urllib.parse
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "dist"
EXAMPLES = REPO / "examples"
PULUMI = REPO / ".tools" / "bin" / "pulumi"  # the user's Pulumi CLI, its language hosts beside it
VERSION = json.loads((REPO / "schema.json").read_text())["version"]
PLUGIN_TARBALL = f"pulumi-resource-healthomics-v{VERSION}-linux-amd64.tar.gz"
GO_MODULE = json.loads((REPO / "schema.json").read_text())["language"]["go"]["importBasePath"].rsplit("/", 1)[0]


def run(*cmd: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    """Run a command; its stdout, or an AssertionError with all it printed."""
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dist/, as `make dist` leaves it (it rebuilds only what changed since; one build at a time
    among the run's workers, by a lock beside their temporary folders)."""
    with (tmp_path_factory.getbasetemp().parent / "dist.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        run("make", "dist", cwd=REPO, timeout=1800)
    return DIST


def user_env(home: Path, state: Path, **more: str) -> dict[str, str]:
    """The environment of a user's shell for the pinned CLI: PATH without any folder of this
    checkout, no Python, Pulumi or virtualenv variables of this one, the user's own PULUMI_HOME and
    file state, and the local endpoint's credentials."""
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not p.startswith(str(REPO)))
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("VIRTUAL_ENV", "PYTHON", "PULUMI", "OMICS", "AWS_"))}
    state.mkdir(parents=True, exist_ok=True)
    env.update(PATH=path, PULUMI_HOME=str(home), PULUMI_BACKEND_URL=f"file://{state}",
               PULUMI_CONFIG_PASSPHRASE="user-pass", PULUMI_SKIP_UPDATE_CHECK="true",
               PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true", AWS_ACCESS_KEY_ID="local",
               AWS_SECRET_ACCESS_KEY="local-secret", AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null", **more)
    return env


@dataclass
class UserProject:
    """A Pulumi project in a folder of the user's, with one stack, driven by the pinned CLI."""

    root: Path
    env: dict[str, str]
    stack: str = "dev"

    def pulumi(self, *args: str, timeout: float = 900) -> str:
        """`pulumi ARGS --stack STACK`; its stdout."""
        return run(PULUMI, *args, "--non-interactive", "--stack", self.stack, cwd=self.root, env=self.env,
                   timeout=timeout)

    def init(self, config: dict[str, object]) -> UserProject:
        """Create the stack with this config (JSON is YAML); the project."""
        run(PULUMI, "stack", "init", self.stack, "--non-interactive", cwd=self.root, env=self.env)
        (self.root / f"Pulumi.{self.stack}.yaml").write_text(json.dumps({"config": config}, indent=2))
        return self

    def outputs(self) -> dict:
        return json.loads(self.pulumi("stack", "output", "--json", "--show-secrets"))

    def provider_versions(self) -> set[str]:
        """The versions of the healthomics providers in the stack's state."""
        resources = json.loads(self.pulumi("stack", "export"))["deployment"]["resources"]
        return {r.get("inputs", {}).get("version", "") for r in resources
                if r["type"] == "pulumi:providers:healthomics"}


def install_plugin(home: Path) -> Path:
    """The plugin tarball of dist/ installed into PULUMI_HOME `home`, as a user installs it; the
    folder it went to."""
    home.mkdir(parents=True, exist_ok=True)
    run(PULUMI, "plugin", "install", "resource", "healthomics", VERSION, "--file", DIST / PLUGIN_TARBALL,
        env=user_env(home, home / "state"))
    installed = home / "plugins" / f"resource-healthomics-v{VERSION}"
    assert (installed / "pulumi-resource-healthomics").is_file(), sorted(home.rglob("*"))
    return installed


def go_module_hash(version: str) -> str:
    """The go.sum hash (h1:, golang.org/x/mod's dirhash) of GO_MODULE@version in dist/'s module proxy."""
    module = zipfile.ZipFile(DIST / "goproxy" / go_escaped(GO_MODULE) / "@v" / f"{version}.zip")
    summary = hashlib.sha256()
    for name in sorted(n for n in module.namelist() if not n.endswith("/")):
        summary.update(f"{hashlib.sha256(module.read(name)).hexdigest()}  {name}\n".encode())
    return "h1:" + base64.b64encode(summary.digest()).decode()


def go_escaped(path: str) -> str:
    """A module path as the module cache and proxies spell it (an upper-case letter as !lower)."""
    return "".join(f"!{c.lower()}" if c.isupper() else c for c in path)


def forget_go_module(version: str) -> None:
    """Drop GO_MODULE@version from the machine's Go module cache (read-only files), so that the next
    build downloads it again."""
    cache = Path(run("go", "env", "GOMODCACHE").strip())
    escaped = go_escaped(GO_MODULE)
    for path in (cache / "cache" / "download" / escaped / "@v", cache / f"{escaped}@{version}"):
        if path.is_dir():
            for folder, dirs, _ in os.walk(path):
                for entry in dirs:
                    os.chmod(os.path.join(folder, entry), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            shutil.rmtree(path)


def npm_document(tarballs: dict[str, Path], url: str) -> dict[str, dict]:
    """The npm registry's package documents for these tarballs (file name -> path), by package name."""
    documents: dict[str, dict] = {}
    for file, path in tarballs.items():
        data = path.read_bytes()
        with tarfile.open(path) as tar:
            manifest = json.load(tar.extractfile("package/package.json"))
        manifest["dist"] = {"tarball": f"{url}/-/{file}", "shasum": hashlib.sha1(data).hexdigest(),
                            "integrity": "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()}
        document = documents.setdefault(manifest["name"], {"name": manifest["name"], "versions": {}})
        document["versions"][manifest["version"]] = manifest
        document["dist-tags"] = {"latest": manifest["version"]}
    return documents


@contextlib.contextmanager
def serving(handler: Callable[..., BaseHTTPRequestHandler]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering with `handler`, in a thread until the block ends; its URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def file_server(folder: Path, requested: list[str]) -> Iterator[str]:
    """An artifact server of folder's files (each path asked for goes to `requested`); its URL."""

    class Files(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            requested.append(self.path)

    with serving(functools.partial(Files, directory=str(folder))) as url:
        yield url


@contextlib.contextmanager
def npm_registry(tarballs: list[Path]) -> Iterator[str]:
    """A read-only npm registry for these package tarballs; its URL."""
    files = {path.name: path for path in tarballs}
    documents: dict[str, dict] = {}  # filled once the URL is known, before any request

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urllib.parse.unquote(self.path.split("?", 1)[0]).lstrip("/")
            if path.startswith("-/") and path[2:] in files:
                body, kind = files[path[2:]].read_bytes(), "application/octet-stream"
            elif path in documents:
                body, kind = json.dumps(documents[path]).encode(), "application/json"
            else:
                self.send_error(404, f"{path} is not in this registry")
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with serving(Handler) as url:
        documents.update(npm_document(files, url))
        yield url
