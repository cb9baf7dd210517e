"""Independent helpers for tests: generate FASTA, and index it the simple way (line by line)."""

from __future__ import annotations

import gzip
import random


def generate_fasta(seed: int, contigs: int = 4, width: int = 60) -> bytes:
    """Contigs of random bases with lowercase runs and N runs, wrapped at `width`."""
    rng = random.Random(seed)
    out = []
    for n in range(contigs):
        length = rng.randint(1, 5 * width)
        bases = [rng.choice("ACGT") for _ in range(length)]
        for run in range(rng.randint(0, 3)):
            start = rng.randrange(length)
            for i in range(start, min(length, start + rng.randint(1, 40))):
                bases[i] = "N" if run % 2 else bases[i].lower()
        seq = "".join(bases)
        out.append(f">contig{n} generated {seed}\n")
        out.extend(seq[i:i + width] + "\n" for i in range(0, length, width))
    return "".join(out).encode()


def simple_fai(data: bytes) -> bytes:
    """The samtools .fai of plain FASTA bytes, computed line by line."""
    rows, offset, name = [], 0, None
    for line in data.splitlines(keepends=True):
        if line.startswith(b">"):
            name = line[1:].split()[0].decode()
            rows.append([name, 0, offset + len(line), 0, 0])
        elif line.strip():
            row = rows[-1]
            if row[3] == 0:
                row[3], row[4] = len(line.rstrip(b"\n")), len(line)
            row[1] += len(line.rstrip(b"\n"))
        offset += len(line)
    return "".join("\t".join(map(str, r)) + "\n" for r in rows).encode()


def bgzip_like(data: bytes, block: int = 1000) -> bytes:
    """A multi-member gzip stream, as bgzip writes (members of at most `block` bytes)."""
    return b"".join(gzip.compress(data[i:i + block]) for i in range(0, len(data), block))
