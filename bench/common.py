"""Helpers shared by the benchmarks: a large generated FASTA file on disk, a results table."""

from __future__ import annotations

import random
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


def table(rows: list[tuple[str, ...]]) -> str:
    """A Markdown table; the first row is the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    lines.insert(1, "| " + " | ".join("-" * w for w in widths) + " |")
    return "\n".join(lines)

