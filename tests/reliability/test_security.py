"""No credential in state or logs; the endpoint listens on loopback only. (The pickled provider
holds none either: tests/unit/test_diff_and_check.py.)"""

from __future__ import annotations

import base64
from pathlib import Path

from omics_emulator.launcher import EmulatorProcess
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.projects import StackProject

KEY_ID = "AKIAIOSFODNN7EXAMPLE"  # AWS's documented example key id
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"  # AWS's documented example secret
SESSION = "FwoGZXIvYXdzEXAMPLESESSIONTOKENvalue0123456789"


def test_no_credential_in_state_logs_or_output(tmp_path: Path, aws: LocalAws, endpoint: EmulatorProcess) -> None:
    project = StackProject(tmp_path / "project", aws)
    project.cli.env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                            "AWS_SESSION_TOKEN": SESSION})
    uri = project.upload("g.fa", generate_fasta(1))
    project.configure([{"name": "import-one", "sources": [{"name": "genome", "source_file": uri}]}])
    outputs = [project.up("--skip-preview=false"), project.cli.run("refresh", "--yes", "--stack", "test")]
    assert "Previewing update" in outputs[0].stdout  # the up's own preview is in what is checked
    exported = project.cli.run("stack", "export", "--show-secrets", "--stack", "test").stdout
    seen = {
        "exported state": exported,
        "CLI output": "".join(p.stdout + p.stderr for p in outputs),
        "endpoint log": endpoint.log_path.read_text(),
        "S3 server log": (endpoint.data_dir / "s3" / "versitygw.log").read_text(),
        "pulumi home logs": "".join(p.read_text(errors="replace") for p in
                                    (project.cli.state_dir / "home").rglob("*") if p.is_file() and p.stat().st_size < 5e6),
    }
    for where, text in seen.items():
        for secret in (KEY_ID, SECRET, SESSION):
            assert secret not in text, f"{secret[:6]}… found in {where}"
            assert base64.b64encode(secret.encode()).decode() not in text, where
    assert '"__provider"' in exported  # the state was really read


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a TCP socket LISTENing on `port`, from /proc (no traffic sent)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                if width == 8:
                    found.add(".".join(str(int(address[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                else:
                    found.add(address)
    return found


def _s3_server_port(endpoint: EmulatorProcess) -> int:
    [line] = [line for line in endpoint.banner if line.startswith("S3 objects: versitygw at ")]
    return int(line.split()[4].rsplit(":", 1)[1])


def test_endpoint_listens_on_loopback_only_unless_told(tmp_path: Path) -> None:
    with EmulatorProcess(tmp_path / "default") as default:
        assert listening_addresses(default.port) == {"127.0.0.1"}
        assert listening_addresses(_s3_server_port(default)) == {"127.0.0.1"}
    with EmulatorProcess(tmp_path / "told", "--host", "0.0.0.0") as told:
        assert listening_addresses(told.port) == {"0.0.0.0"}
        assert listening_addresses(_s3_server_port(told)) == {"127.0.0.1"}  # reached through the endpoint
