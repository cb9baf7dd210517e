"""Start and stop the local endpoint as a child process (for tests, benchmarks and `make local`), and
see the processes below one (the endpoint's S3 server) and their memory."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

STARTUP_SECONDS = 30.0


class EmulatorProcess:
    """The local endpoint in a child process (`command`, by default `python -m omics_emulator`,
    or e.g. the `omics-local-endpoint` script of an installed package); `url` is set once it
    answers /health."""

    def __init__(self, data_dir: Path, *flags: str, port: int = 0, log: Path | None = None,
                 command: Sequence[str] | None = None, env: dict[str, str] | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.env = env or {}  # over the environment
        self.flags = flags
        self.command = list(command or (sys.executable, "-m", "omics_emulator"))
        self.port = port
        self.log_path = log or self.data_dir.with_name(self.data_dir.name + ".log")
        self.url = ""
        self.banner: list[str] = []  # what it printed before `listening on`
        self.proc: subprocess.Popen | None = None

    def start(self) -> EmulatorProcess:
        """Start and wait until healthy; raises with the log's tail if it does not come up."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "a")  # noqa: SIM115 (kept open for the child's lifetime)
        self.proc = subprocess.Popen(
            [*self.command, "--port", str(self.port), "--data-dir", str(self.data_dir), *self.flags],
            stdout=subprocess.PIPE, stderr=log, text=True,
            cwd=Path(__file__).resolve().parent.parent,
            env={**os.environ, **self.env, "PYTHONUNBUFFERED": "1"},
        )
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            self.banner.append(line.rstrip("\n"))
            if line.startswith("listening on "):
                self.url = line.split()[-1]
                self.port = int(self.url.rsplit(":", 1)[1])  # a restart keeps the same port
                break
            if not line and self.proc.poll() is not None:
                break
        if not self.url or not self.healthy():
            self.stop(kill=True)
            raise RuntimeError(f"the local endpoint did not start; see {self.log_path}:\n"
                               + self.log_path.read_text()[-2000:])
        return self

    def healthy(self) -> bool:
        """True when GET /_emulator/health answers 200."""
        try:
            with urllib.request.urlopen(f"{self.url}/_emulator/health", timeout=5) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self, kill: bool = False) -> None:
        """SIGKILL (a crash) or SIGTERM (a clean stop), then reap the child."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            self.proc.wait(timeout=30)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> EmulatorProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def rss_bytes(pid: int) -> tuple[int, int]:
    """(current RSS, lifetime peak RSS) of a live process, from /proc; FileNotFoundError once it is gone."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0]) * 1024
    return values["VmRSS"], values["VmHWM"]
