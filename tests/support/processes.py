"""Processes as /proc shows them: the tree below a process and its memory (omics_emulator.launcher's,
which the benchmarks use too), and whether one is gone."""

from __future__ import annotations

from pathlib import Path

from omics_emulator.launcher import descendants, rss_bytes

__all__ = ["descendants", "process_gone", "rss_bytes"]


def process_gone(pid: int) -> bool:
    """No such process, or a zombie left for its parent to reap: either way, dead."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True
