"""FASTA for tests: random contigs with soft-masked and N runs (omics_emulator.fasta's, which the
benchmarks use too), their samtools .fai computed independently of the endpoint's indexer, and BGZF
compression as bgzip writes it."""

from __future__ import annotations

import struct
import zlib

from omics_emulator.fasta import generate_fasta

__all__ = ["bgzip_like", "generate_fasta", "simple_fai"]


def simple_fai(data: bytes) -> bytes:
    """The samtools .fai of plain FASTA bytes, computed line by line (independent of the
    endpoint's streaming indexer)."""
    rows, offset = [], 0
    for line in data.splitlines(keepends=True):
        if line.startswith(b">"):
            rows.append([line[1:].split()[0], 0, offset + len(line), 0, 0])
        elif line.strip():
            row = rows[-1]
            if row[3] == 0:
                row[3], row[4] = len(line.rstrip(b"\n")), len(line)
            row[1] += len(line.rstrip(b"\n"))
        offset += len(line)
    return b"".join(r[0] + b"".join(b"\t%d" % n for n in r[1:]) + b"\n" for r in rows)


def bgzip_like(data: bytes, block: int = 1000) -> bytes:
    """BGZF, as bgzip writes it: gzip members of at most `block` bytes, each with the `BC` extra
    field giving its size, then the empty end-of-file block."""
    def member(chunk: bytes) -> bytes:
        squeezer = zlib.compressobj(6, zlib.DEFLATED, -15)
        deflated = squeezer.compress(chunk) + squeezer.flush()
        size = 18 + len(deflated) + 8  # header with its extra field, data, CRC32 and length
        header = b"\x1f\x8b\x08\x04\x00\x00\x00\x00\x00\xff" + struct.pack("<H2sHH", 6, b"BC", 2, size - 1)
        return header + deflated + struct.pack("<II", zlib.crc32(chunk), len(chunk))
    return b"".join(member(data[i:i + block]) for i in range(0, len(data), block)) + member(b"")
