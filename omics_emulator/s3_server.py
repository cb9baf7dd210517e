"""The local S3 server: versitygw with its posix backend, objects and versions kept under the
endpoint's data dir, started and stopped with the endpoint. It listens on a free 127.0.0.1 port
and accepts only its own root keys, made afresh at each start and never written anywhere; the
endpoint re-signs clients' requests with them (`s3_proxy`).

Where no versitygw is found (a `pip install` on a machine without Go), `start_s3_server` falls
back to moto's S3 in the endpoint's own process, in memory: objects do not survive a restart."""

from __future__ import annotations

import atexit
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import boto3
from botocore.client import BaseClient
from botocore.config import Config

VERSION = "v1.8.0"  # the pin in tools/s3/go.mod
ENV_VAR = "OMICS_LOCAL_S3_SERVER"
REGION = "us-east-1"  # what versitygw signs for; clients' own Regions are re-signed to it
STARTUP_SECONDS = 20.0
_CHECKOUT = Path(__file__).resolve().parent.parent  # the repository, when not installed as a wheel
_REPO_BUILD = _CHECKOUT / ".tools" / "bin" / "versitygw" if (_CHECKOUT / "Makefile").is_file() else None


class S3ServerMissing(RuntimeError):
    """No versitygw binary was found."""


@dataclass(frozen=True)
class RootKeys:
    """The S3 server's only credentials (in memory only)."""

    access_key: str
    secret_key: str

    def __repr__(self) -> str:  # never print the secret
        return f"RootKeys(access_key={self.access_key!r}, secret_key=***)"


def find_binary(explicit: str | None = None) -> Path:
    """The versitygw to run: `explicit`, else $OMICS_LOCAL_S3_SERVER, else `versitygw` on PATH,
    else this repository's build (`make setup`). Raises S3ServerMissing saying how to get one."""
    for candidate in (explicit, os.environ.get(ENV_VAR), shutil.which("versitygw")):
        if candidate:
            path = Path(candidate)
            if not (path.is_file() and os.access(path, os.X_OK)):
                raise S3ServerMissing(f"the S3 server {path} is not an executable file")
            return path
    if _REPO_BUILD is not None and _REPO_BUILD.is_file():
        return _REPO_BUILD
    raise S3ServerMissing(
        "the local endpoint stores S3 objects in versitygw, which was not found: run `make setup` "
        "in the omics-references repository, or `go install "
        f"github.com/versity/versitygw/cmd/versitygw@{VERSION}`, then pass --s3-server PATH or set {ENV_VAR}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, SIGKILL it when the endpoint dies however it dies."""
    if sys.platform == "linux":
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class S3Server:
    """versitygw serving DATA_DIR/s3/objects (buckets as directories, metadata in xattrs) and
    DATA_DIR/s3/versions (older versions of objects in versioned buckets)."""

    persistent = True

    def __init__(self, data_dir: Path, binary: str | None = None) -> None:
        self.binary = find_binary(binary)
        root = Path(data_dir).resolve() / "s3"
        self.objects, self.versions = root / "objects", root / "versions"
        self.log_path = root / "versitygw.log"
        self.keys = RootKeys("local-s3-" + secrets.token_hex(6), secrets.token_urlsafe(30))
        self.host, self.port = "127.0.0.1", 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT of the running server."""
        return _url(self)

    def describe(self) -> str:
        """One line for the endpoint's banner: what holds the objects, and where."""
        return f"S3 objects: versitygw at {self.url} (loopback only), kept in {self.objects}"

    def client(self) -> BaseClient:
        """A boto3 S3 client of this server itself, signing with its root keys."""
        return _client(self)

    def start(self) -> S3Server:
        """Start and wait until it accepts connections; raises with its log's tail if it does not."""
        self.objects.mkdir(parents=True, exist_ok=True)
        self.versions.mkdir(parents=True, exist_ok=True)
        self.port = _free_port()
        env = {**os.environ, "ROOT_ACCESS_KEY_ID": self.keys.access_key,
               "ROOT_SECRET_ACCESS_KEY": self.keys.secret_key}  # not on the command line: `ps` shows that
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [str(self.binary), "--port", f"{self.host}:{self.port}", "--region", REGION,
                 "--keep-alive", "--quiet", "posix", "--versioning-dir", str(self.versions),
                 str(self.objects)],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env,
                preexec_fn=_die_with_parent)  # the endpoint starts it from its main thread
        atexit.register(self.stop)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                socket.create_connection((self.host, self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"the local S3 server ({self.binary}) did not start; see {self.log_path}:\n"
                           + self.log_path.read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        """SIGTERM it and reap it (idempotent)."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class MemoryS3Server:
    """moto's S3 on a free 127.0.0.1 port, in this process, objects in memory: the endpoint's S3
    where no versitygw is found. It takes any keys; the endpoint signs with `keys` all the same."""

    persistent = False

    def __init__(self, why: str) -> None:
        self.why = why  # why versitygw is not used
        self.keys = RootKeys("local-s3-" + secrets.token_hex(6), secrets.token_urlsafe(30))
        self.host, self.port = "127.0.0.1", 0
        self._server = None

    @property
    def url(self) -> str:
        """http://127.0.0.1:PORT of the running server."""
        return _url(self)

    def describe(self) -> str:
        """One line for the endpoint's banner: objects are lost at a restart, and how to keep them."""
        return (f"S3 objects: in memory (moto's S3 at {self.url}, loopback only); they are lost when the "
                f"endpoint stops. To keep them across restarts, install versitygw ({self.why})")

    def client(self) -> BaseClient:
        """A boto3 S3 client of this server itself."""
        return _client(self)

    def start(self) -> MemoryS3Server:
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        self.port = _free_port()
        self._server = ThreadedMotoServer(self.host, self.port, verbose=False)
        self._server.start()
        return self

    def stop(self) -> None:
        """Stop serving (idempotent)."""
        if self._server is not None:
            self._server.stop()
            self._server = None


S3Storage = S3Server | MemoryS3Server  # what the endpoint keeps objects in


def start_s3_server(data_dir: Path, binary: str | None = None) -> S3Storage:
    """versitygw (the one named, else the one found), started; moto's S3 in memory when none is
    named or found."""
    try:
        server = S3Server(data_dir, binary)
    except S3ServerMissing as exc:
        if binary:
            raise
        return MemoryS3Server(str(exc).split(": ", 1)[-1]).start()
    return server.start()


def _url(server: S3Storage) -> str:
    return f"http://{server.host}:{server.port}"


def _client(server: S3Storage) -> BaseClient:
    return boto3.client(
        "s3", endpoint_url=server.url, region_name=REGION, aws_access_key_id=server.keys.access_key,
        aws_secret_access_key=server.keys.secret_key,
        config=Config(retries={"mode": "standard", "max_attempts": 5}))
