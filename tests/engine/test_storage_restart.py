"""Everything the local stack stands on survives a crash of the endpoint: S3 objects (same
bytes, ETag and VersionId, single-part and multipart), the service role and the references, so
`pulumi preview` after a SIGKILL and a restart shows no changes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from boto3.s3.transfer import TransferConfig

from omics_emulator.launcher import EmulatorProcess
from tests.support.aws import LocalAws
from tests.support.fasta import generate_fasta
from tests.support.polling import wait_until
from tests.support.processes import descendants, process_gone
from tests.support.projects import StackProject

MIB = 1024 * 1024


def _object(aws: LocalAws, uri: str) -> tuple[str, str, int, str]:
    bucket, _, key = uri[len("s3://"):].partition("/")
    head = aws.s3.head_object(Bucket=bucket, Key=key)
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in aws.s3.get_object(Bucket=bucket, Key=key)["Body"].iter_chunks(MIB):
        digest.update(chunk)
    return head["ETag"], head["VersionId"], head["ContentLength"], digest.hexdigest()


def test_objects_role_and_references_survive_a_sigkill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    endpoint = EmulatorProcess(data).start()
    try:
        aws = LocalAws(endpoint.url, "us-east-1")
        project = StackProject(tmp_path / "project", aws)
        aws.s3.put_bucket_versioning(Bucket=project.bucket, VersioningConfiguration={"Status": "Enabled"})
        small = project.upload("small.fa", generate_fasta(seed=81))
        large = generate_fasta(seed=82, contigs=2) + b">long\n" + b"ACGTACGTAC" * MIB + b"\n"  # ~10 MiB
        aws.s3.upload_fileobj(io.BytesIO(large), project.bucket, "large.fa", Config=TransferConfig(
            multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB))
        sources = {"small": small, "large": f"s3://{project.bucket}/large.fa"}
        project.configure([{"name": "kept", "sources": [
            {"name": name, "source_file": uri} for name, uri in sources.items()]}])
        project.up()
        objects = {name: _object(aws, uri) for name, uri in sources.items()}
        assert objects["large"][0].endswith('-3"')  # really a multipart upload, of three parts
        role = aws.iam.get_role(RoleName=project.role.rsplit("/", 1)[1])["Role"]
        references = {r["name"]: r for r in project.references()}
        s3_servers = descendants(endpoint.proc.pid)
        assert s3_servers, "the endpoint runs its S3 server as a child"
    finally:
        endpoint.stop(kill=True)
    for pid in s3_servers:  # the S3 server died with the endpoint: no orphan holds the files
        wait_until(lambda pid=pid: process_gone(pid), 10, f"the S3 server (pid {pid}) dying with the endpoint")

    restarted = EmulatorProcess(data, port=endpoint.port).start()
    try:
        aws = LocalAws(restarted.url, "us-east-1")
        project.aws = aws
        assert {name: _object(aws, uri) for name, uri in sources.items()} == objects
        again = aws.iam.get_role(RoleName=role["RoleName"])["Role"]
        assert (again["Arn"], again["AssumeRolePolicyDocument"]) == (role["Arn"], role["AssumeRolePolicyDocument"])
        assert {r["name"]: r for r in project.references()} == references
        assert all(r["status"] == "ACTIVE" for r in references.values())
        aws.reset_calls()
        preview = project.cli.run("preview", "--stack", "test", "--expect-no-changes")
        assert "3 unchanged" in preview.stdout, preview.stdout
        assert "warning" not in preview.stdout.lower(), preview.stdout  # no object "does not exist"
    finally:
        restarted.stop()
