"""Helpers shared by the benchmarks: generated FASTA (small, or large on disk), the memory of a
process tree, a results table."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

MiB = 1024 * 1024


def write_fasta(path: Path, size: int, width: int = 60, seed: int = 1) -> int:
    """Write a FASTA file of about `size` bytes (several contigs, lowercase and N runs)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(4096):
        line = "".join(rng.choice("ACGT") for _ in range(width))
        if rng.random() < 0.1:
            line = line.lower()
        elif rng.random() < 0.05:
            line = "N" * width
        lines.append(line + "\n")
    block = "".join(lines).encode()  # ~250 KB of sequence lines
    contig_size = 256 * MiB
    written = 0
    with open(path, "wb") as out:
        contig = 0
        while written < size:
            header = f">chr{contig} generated contig {contig}\n".encode()
            out.write(header)
            written += len(header)
            in_contig = 0
            while in_contig < contig_size and written < size:
                out.write(block)
                in_contig += len(block)
                written += len(block)
            out.write(b"ACGT\n")  # a short last line
            written += 5
            contig += 1
    return written


def small_fasta(seed: int, contigs: int = 4) -> bytes:
    """A few kilobytes of FASTA, different for each seed: `contigs` contigs of 60-column lines."""
    rng = random.Random(seed)
    out = []
    for n in range(contigs):
        out.append(f">contig{n} seed {seed}\n")
        out += ["".join(rng.choices("ACGT", k=60)) + "\n" for _ in range(rng.randint(1, 20))]
    return "".join(out).encode()


def tree(pid: int) -> list[int]:
    """`pid` and every process below it."""
    found = [pid]
    for at in found:
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(at)], capture_output=True, text=True).stdout
        found += [int(child) for child in children.split()]
    return found


def rss(pid: int) -> tuple[int, int]:
    """A process's current RSS and its lifetime peak RSS (VmHWM), in bytes (0, 0 once it is gone)."""
    try:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    except FileNotFoundError:
        return 0, 0
    return tuple(int(status.get(key, "0 kB").split()[0]) * 1024 for key in ("VmRSS", "VmHWM"))


def table(rows: list[tuple[str, ...]]) -> str:
    """A Markdown table; the first row is the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)

