"""docs/installation.md, followed as written: each command block it marks as run by this test runs
in a user's folder that holds the release's files (dist/, as `make dist` leaves it), in a user's
environment (tests/engine/released.py: nothing of this checkout but the Pulumi CLI, a PULUMI_HOME
of the block's own), with the page's artifact server URL pointing at a local HTTP server of those
files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.engine import released
from tests.support.docs import marked_blocks, run_block

PAGE = released.REPO / "docs" / "installation.md"
SERVER = f"https://artifacts.example.com/omics-references/v{released.VERSION}"  # as the page names it


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The release's files as a user downloaded them: a copy of dist/."""
    dist = released.built_dist(tmp_path_factory)
    folder = tmp_path_factory.mktemp("user") / "downloads"
    shutil.copytree(dist, folder)
    return folder


def test_every_block_of_the_installation_page_runs_as_written(downloads: Path, tmp_path: Path) -> None:
    steps = marked_blocks(PAGE, __file__)
    assert len(steps) == 8, steps
    released.forget_go_module(f"v{released.VERSION}")  # so that `go get` reads the server's copy
    requested: list[str] = []
    with released.file_server(downloads, requested) as url:
        for n, step in enumerate(steps):
            home = tmp_path / f"home-{n}"
            env = released.user_env(home, tmp_path / f"state-{n}", AWS_REGION="us-east-1")
            env.pop("PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION")
            env["PATH"] = f"{released.PULUMI.parent}:{env['PATH']}"  # the user's Pulumi CLI and its hosts
            cwd = tmp_path / f"step-{n}"
            shutil.copytree(downloads, cwd)
            printed = run_block(step.replace(SERVER, url), cwd, env)
            if "pulumi plugin install" in step or "pulumi preview" in step:
                plugin = home / "plugins" / f"resource-healthomics-v{released.VERSION}" / "pulumi-resource-healthomics"
                assert plugin.is_file(), f"{step}\ninstalled no plugin into {home}"
            if "import omics_provider" in step:
                assert printed.strip().endswith(released.VERSION), printed
    tarball = f"/{released.PLUGIN_TARBALL}"
    assert requested.count(tarball) == 2, requested  # `--server`, and the engine's own download
    for path in ("/omics_references-", "/pulumi_healthomics-", "/omics-references-healthomics-",
                 f"/goproxy/{released.GO_MODULE}/@v/v{released.VERSION}.zip"):
        assert any(p.startswith(path) for p in requested), (path, requested)
