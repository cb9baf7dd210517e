"""Malformed requests get AWS-shaped 4xx JSON answers, never a crash, an HTML page or a memory
spike: a seeded fuzz of a few hundred requests at one endpoint process, over raw sockets."""

from __future__ import annotations

import json
import random
import socket
from pathlib import Path

import pytest

from omics_emulator.launcher import EmulatorProcess
from tests.support.processes import rss_bytes

SEED = 20261129
SIGNED = "AWS4-HMAC-SHA256 Credential=AKIDLOCAL/20261129/us-east-1/omics/aws4_request, SignedHeaders=host, Signature=00"
PATHS = ["/referencestore", "/referencestores", "/referencestore/1234567890", "/referencestore/1234567890/importjob",
         "/referencestore/1234567890/importjobs", "/referencestore/1234567890/references",
         "/referencestore/1234567890/reference/1234567890/metadata", "/tags/arn:aws:omics:us-east-1:1:referenceStore/1",
         "/referencestore/%zz", "/referencestore/" + "9" * 5000, "/nothing/here", "/referencestore/../etc/passwd",
         "/referencestore/1234567890/importjob/%00", "/tags/"]
METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
BODIES = [b"", b"{", b"[]", b"null", b'"text"', b"{}", b'{"name": 5}', b'{"name": ["x"], "tags": "no"}',
          b'{"sources": "all", "roleArn": {"a": 1}}', b'{"unknownField": true}', b"\xff\xfe\x00garbage",
          json.dumps({"name": "x" * 300, "maxResults": "many"}).encode(), b'{"filter": {"createdAfter": "yesterday"}}']
AUTHS = [SIGNED] * 6 + [None, "garbage", "AWS4-HMAC-SHA256 Credential=broken", "Bearer token"]


def exchange(port: int, head: str, body: bytes, announce: str | None = None, close_early: bool = False) -> tuple[int, dict, bytes]:
    """Send one raw HTTP request; (status, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        length = announce if announce is not None else str(len(body))
        sock.sendall(f"{head}\r\nHost: 127.0.0.1\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n".encode() + body)
        if close_early:
            sock.shutdown(socket.SHUT_WR)  # the body announced is never sent
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    header, _, payload = data.partition(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, payload


def requests(rng: random.Random) -> list[dict]:
    cases = []
    for _ in range(300):
        auth = rng.choice(AUTHS)
        case = {"method": rng.choice(METHODS), "path": rng.choice(PATHS), "body": rng.choice(BODIES),
                "auth": auth, "announce": None, "close_early": False}
        roll = rng.random()
        if roll < 0.15:
            case["announce"] = rng.choice(["99999999999", "-5", "abc", "1e9"])
        elif roll < 0.2:
            case.update(announce=str(len(case["body"]) + rng.randint(1, 5000)), close_early=True)
        cases.append(case)
    return cases


@pytest.fixture
def endpoint(tmp_path: Path):
    with EmulatorProcess(tmp_path / "data", "--no-request-quotas") as process:
        yield process


def test_a_few_hundred_malformed_requests_get_4xx_json_and_the_endpoint_stays_well(endpoint: EmulatorProcess) -> None:
    port = int(endpoint.url.rsplit(":", 1)[1])
    before = rss_bytes(endpoint.proc.pid)[0]
    answered: dict[int, int] = {}
    for case in requests(random.Random(SEED)):
        auth = f"\r\nAuthorization: {case['auth']}" if case["auth"] else ""
        head = f"{case['method']} {case['path']} HTTP/1.1{auth}\r\nContent-Type: application/json"
        status, headers, payload = exchange(port, head, case["body"], case["announce"], case["close_early"])
        what = f"{case} -> {status} {payload[:200]!r}"
        assert 400 <= status < 500, what
        assert headers.get("content-type", "").startswith("application/json"), what
        answer = json.loads(payload)
        assert answer.get("message") and answer.get("__type"), what
        answered[status] = answered.get(status, 0) + 1
    assert endpoint.healthy()
    grown_mib = (rss_bytes(endpoint.proc.pid)[0] - before) / 2**20
    assert grown_mib <= 20, f"RSS grew by {grown_mib:.1f} MiB"
    assert {400, 403, 413} <= set(answered), answered  # invalid input, unsigned or garbled, too large
    print(f"answers by status: {dict(sorted(answered.items()))}; RSS grew {grown_mib:.1f} MiB")
