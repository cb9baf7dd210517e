"""Fixtures: a real local endpoint process, and clients that talk to it over HTTP; and the
markers each folder's tests carry, by what they start. Helpers live in tests/support."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

from omics_emulator.launcher import EmulatorProcess
from tests.support.aws import LocalAws, Sandbox

_regions = itertools.count(1)
TESTS = Path(__file__).parent
# Folders by what their tests start: tests/unit nothing, tests/endpoint one endpoint process (the
# fast tier, unmarked); tests/engine the pulumi CLI; tests/reliability faults, restarts and kills.
FOLDER_MARKERS = {"engine": ("engine",), "reliability": ("reliability",)}
# The slowest folders run first, so the xdist workers start the long tests early and finish together.
SLOWEST_FIRST = ("reliability", "engine")
# Files whose tests share a module-scoped fixture too costly to build on several workers (a
# virtualenv, from a wheel built in the working tree): their tests keep to one worker.
ONE_WORKER = ("tests/engine/test_installed_package.py",)


@pytest.hookimpl(tryfirst=True)  # before -m selects by them
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Each test carries the markers of its folder under tests/; slowest folders first."""
    for item in items:
        for marker in FOLDER_MARKERS.get(item.path.relative_to(TESTS).parts[0], ()):
            item.add_marker(marker)
    rank = {folder: n for n, folder in enumerate(SLOWEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.relative_to(TESTS).parts[0], len(rank)))


class _OneByOne(LoadScopeScheduling):
    """xdist's `load`, in collection order, except that each file of ONE_WORKER goes to one worker.
    (xdist_group markers do nothing under pytest 9: xdist renames the items' _nodeid, no longer read.)"""

    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return path if path in ONE_WORKER else nodeid


def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> LoadScopeScheduling | None:
    """With --dist load: _OneByOne."""
    return _OneByOne(config, log) if config.getvalue("dist") == "load" else None


@pytest.fixture(autouse=True)
def _isolated_aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's AWS profile, keys or endpoints."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")


@pytest.fixture(scope="session")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    """One endpoint process for the session (tests keep apart by region and bucket names)."""
    with EmulatorProcess(tmp_path_factory.mktemp("endpoint") / "data") as process:
        yield process


@pytest.fixture
def aws(endpoint: EmulatorProcess) -> Iterator[LocalAws]:
    """Clients for a fresh region of the session endpoint; controls reset afterwards."""
    clients = LocalAws(endpoint.url, f"test-{next(_regions)}")
    yield clients
    clients.reset_controls()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def world(aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Sandbox:
    """The provider reaches the endpoint through the standard AWS environment variables."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", aws.url)
    monkeypatch.setenv("AWS_DEFAULT_REGION", aws.region)
    return Sandbox(aws, store_name="provider-tests")
