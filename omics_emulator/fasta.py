"""Streaming FASTA checker and `.fai` indexer, fed in chunks; plain, gzip or bgzip input.

The index is samtools-compatible: one line per sequence with NAME, LENGTH, OFFSET (of the first
base, in the uncompressed stream), LINEBASES and LINEWIDTH. Memory is bounded by the chunk size
and the number of records, never by the file.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

# IUPAC nucleotide codes, either case.
SEQUENCE_LETTERS = b"ACGTUNRYKMSWBDHVacgtunrykmswbdhv"
# IUPAC amino-acid codes (with B, Z, J, U, O, X), either case, stop `*` and gap `-`: protein FASTA
# (.faa, .mpfa), which HealthOmics lists among the reference formats it accepts.
PROTEIN_LETTERS = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz*-"
PROTEIN_EXTENSIONS = (".faa", ".mpfa")
GZIP_MAGIC = b"\x1f\x8b"


class FastaError(ValueError):
    """The source is not valid FASTA; the message says what and where (record or line)."""


@dataclass(frozen=True)
class FaiEntry:
    """One line of a `.fai` index. The name is the header's bytes up to the first whitespace,
    as samtools keeps them: whatever their encoding, two names are the same only byte for byte."""

    name: bytes
    length: int
    offset: int
    line_bases: int
    line_width: int

    def line(self) -> bytes:
        """The tab-separated `.fai` line, newline included."""
        numbers = (self.length, self.offset, self.line_bases, self.line_width)
        return self.name + b"".join(b"\t%d" % n for n in numbers) + b"\n"


def render_fai(entries: list[FaiEntry]) -> bytes:
    """The whole `.fai` file."""
    return b"".join(entry.line() for entry in entries)


def shown(name: bytes) -> str:
    """A sequence name for a message: quoted, UTF-8 as text, any other byte (or unprintable
    character) as a \\xNN escape."""
    text = name.decode("utf-8", "backslashreplace")
    return "'" + "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text) + "'"


CR_ENDINGS = "ends in a bare CR (CR line endings); convert the file to LF line endings"


class _Decoder:
    """Turns the raw source stream into FASTA text: passes plain bytes, inflates (b)gzip."""

    def __init__(self) -> None:
        self._gzip: bool | None = None
        self._inflater = None
        self._head = b""

    def feed(self, raw: bytes) -> bytes:
        if self._gzip is None:
            self._head += raw
            if len(self._head) < 2:
                return b""
            self._gzip = self._head.startswith(GZIP_MAGIC)
            raw, self._head = self._head, b""
        if not self._gzip:
            return raw
        out = []
        while raw:
            if self._inflater is None:
                self._inflater = zlib.decompressobj(wbits=31)
            try:
                out.append(self._inflater.decompress(raw))
            except zlib.error as exc:
                raise FastaError(f"the gzip stream is corrupt ({exc})") from None
            if self._inflater.eof:  # bgzip is a series of gzip members
                raw = self._inflater.unused_data
                self._inflater = None
            else:
                raw = b""
        return b"".join(out)

    def finish(self) -> bytes:
        if self._gzip is None:
            return self._head
        if self._gzip and self._inflater is not None:
            raise FastaError("the gzip stream is truncated (it ends inside a compressed block)")
        return b""


class FastaIndexer:
    """Checks FASTA text as it streams past and builds its `.fai` entries.

    Rules: the first line is a `>` header with a name; names are unique; every record has
    at least one base; bases are IUPAC letters (either case; amino acids for `protein`); lines
    end in LF (not CRLF, nor a bare CR); names are bytes (any encoding, compared byte for byte);
    within a record every line but the last has the same length, and no line is longer than
    the first; blank lines only at the end of the file. Memory stays bounded whatever the line
    lengths: a sequence line is checked as it arrives, only a header line is held (<= 1 MiB).
    """

    MAX_HEADER = 1024 * 1024

    def __init__(self, protein: bool = False) -> None:
        self._allowed = (PROTEIN_LETTERS if protein else SEQUENCE_LETTERS) + b"\n"
        self._kind = "IUPAC amino-acid codes, * and -" if protein else "IUPAC nucleotide codes"
        self._decoder = _Decoder()
        self._header_part = b""  # an unfinished header line
        self._open = 0  # bases of the current, unfinished sequence line already checked
        self._pos = 0  # offset in the uncompressed stream of the next unconsumed byte
        self._line_no = 0  # lines completed so far
        self.entries: list[FaiEntry] = []
        self._names: set[bytes] = set()
        self._name: bytes | None = None
        self._header_line = 0
        self._length = 0
        self._offset = 0
        self._line_bases = 0
        self._short_seen = False  # a line shorter than line_bases: it must be the last
        self._blank_line = 0  # line number of the first blank line seen, 0 if none

    def feed(self, raw: bytes) -> None:
        """Take the next raw chunk of the source file."""
        data = self._decoder.feed(raw)
        if data:
            self._text(data)

    def finish(self) -> list[FaiEntry]:
        """End of input: check what is left and return the index entries."""
        tail = self._decoder.finish()
        if tail:
            self._text(tail)
        if self._header_part or self._open:
            self._text(b"\n")  # the last line had no LF
        if self._line_no == 0:
            raise FastaError("the file is empty")
        self._close_record()
        return self.entries

    def _text(self, data: bytes) -> None:
        """Consume decoded text, finishing the line left open by the previous chunk first."""
        start = 0
        if self._header_part:
            end = data.find(b"\n")
            if end < 0:
                self._header_part += data
                if len(self._header_part) > self.MAX_HEADER:
                    if b"\r" in self._header_part:
                        raise FastaError(f"line {self._line_no + 1} {CR_ENDINGS}")
                    raise FastaError(f"line {self._line_no + 1}: header longer than {self.MAX_HEADER} bytes")
                return
            line, self._header_part = self._header_part + data[:end], b""
            self._header(line)  # counts the whole line into _pos
            start = end + 1
        elif self._open:
            end = data.find(b"\n")
            piece = data if end < 0 else data[:end]
            self._check_letters(piece, self._line_no + 1)
            self._open += len(piece)
            self._pos += len(piece)
            if end < 0:
                return
            width, self._open = self._open, 0
            self._line_no += 1
            self._pos += 1
            self._add_line(width, self._line_no)
            start = end + 1
        cut = data.rfind(b"\n") + 1
        if cut > start:
            self._lines(data, start, cut)
        else:
            cut = start
        if cut < len(data):
            self._open_line(data[cut:])

    def _open_line(self, fragment: bytes) -> None:
        """The start of a line whose LF is in a later chunk."""
        if fragment[0] == 0x3E:  # '>'
            self._header_part = fragment  # _pos moves when the header is complete
            return
        line_no = self._line_no + 1
        if self._name is None:
            raise FastaError(f"line {line_no}: expected a '>' header before any sequence")
        self._check_after_blank()
        self._check_letters(fragment, line_no)
        self._open = len(fragment)
        self._pos += len(fragment)

    def _lines(self, data: bytes, start: int, end: int) -> None:
        """Handle the complete lines in data[start:end] (data[end - 1] is LF)."""
        while start < end:
            if data[start] == 0x3E:  # '>'
                stop = data.index(b"\n", start) + 1
                self._header(data[start:stop - 1])
                start = stop
                continue
            nxt = data.find(b">", start, end)  # memchr speed; a '>' mid-line is an illegal letter
            stop = nxt if nxt > 0 and data[nxt - 1] == 0x0A else end
            self._sequence(data[start:stop])
            start = stop

    def _header(self, line: bytes) -> None:
        self._line_no += 1
        self._check_after_blank()
        self._close_record()
        if b"\r" in line[:-1]:
            raise FastaError(f"line {self._line_no} {CR_ENDINGS}")
        if line.endswith(b"\r"):
            raise FastaError(f"line {self._line_no} ends in CRLF; use LF line endings")
        name = line[1:].split(None, 1)[0] if line[1:].strip() else b""
        if not name:
            raise FastaError(f"line {self._line_no}: header has no sequence name")
        if name in self._names:
            raise FastaError(f"duplicate sequence name {shown(name)} at line {self._line_no}")
        self._names.add(name)
        self._name, self._header_line = name, self._line_no
        self._pos += len(line) + 1
        self._offset, self._length, self._line_bases, self._short_seen = self._pos, 0, 0, False

    def _check_letters(self, block: bytes, first_line: int) -> None:
        bad = block.translate(None, self._allowed)
        if not bad:
            return
        at = block.index(bad[:1])
        line_no = first_line + block.count(b"\n", 0, at)
        if bad[:1] == b"\r":
            if block[at + 1:at + 2] not in (b"\n", b""):
                raise FastaError(f"line {line_no} {CR_ENDINGS}")
            raise FastaError(f"line {line_no} ends in CRLF; use LF line endings")
        raise FastaError(
            f"record {shown(self._name or b'')}, line {line_no}: {bad[:1].decode('latin-1')!r} is not "
            f"a sequence letter ({self._kind} only)"
        )

    def _sequence(self, block: bytes) -> None:
        """Complete lines of bases (no headers); `block` ends with LF."""
        first_line = self._line_no + 1
        if self._name is None:
            if block.strip(b"\n"):
                raise FastaError(f"line {first_line}: expected a '>' header before any sequence")
            self._blank_line = self._blank_line or first_line
            self._line_no += block.count(b"\n")
            self._pos += len(block)
            return
        self._check_letters(block, first_line)
        if self._line_bases and not (self._short_seen or self._blank_line):
            width = self._line_bases + 1
            count = len(block) // width
            # Fast path, most of a genome: every line exactly line_bases long, checked in C.
            if (count * width == len(block) and block.count(b"\n") == count
                    and block[width - 1::width].count(b"\n") == count):
                self._length += count * self._line_bases
                self._line_no += count
                self._pos += len(block)
                return
        lines = block.split(b"\n")
        lines.pop()  # the empty string after the final LF
        for i, line in enumerate(lines):
            self._add_line(len(line), first_line + i)
        self._line_no += len(lines)
        self._pos += len(block)

    def _add_line(self, width: int, line_no: int) -> None:
        """The line-length rules for one complete sequence line of `width` bases."""
        if width == 0:
            self._blank_line = self._blank_line or line_no
            return
        self._check_after_blank()
        if self._line_bases == 0:
            self._line_bases = width
        elif width > self._line_bases or self._short_seen:
            raise FastaError(
                f"record {shown(self._name or b'')}, line {line_no}: lines differ in length "
                f"({width} after {self._line_bases}); all but the last must be equal"
            )
        elif width < self._line_bases:
            self._short_seen = True
        self._length += width

    def _check_after_blank(self) -> None:
        if self._blank_line:
            raise FastaError(f"line {self._blank_line} is blank; blank lines may only end the file")

    def _close_record(self) -> None:
        if self._name is None:
            return
        if self._length == 0:
            raise FastaError(f"record {shown(self._name or b'')} (line {self._header_line}) has no sequence")
        self.entries.append(FaiEntry(
            self._name, self._length, self._offset, self._line_bases, self._line_bases + 1,
        ))
        self._name = None


def is_plain_gzip(head: bytes) -> bool:
    """True when a stream's first bytes are gzip without bgzip's `BC` extra field."""
    if not head.startswith(GZIP_MAGIC) or len(head) < 14:
        return head.startswith(GZIP_MAGIC)
    return not (head[3] & 0x04 and head[12:14] == b"BC")


def is_protein_file(key: str) -> bool:
    """True for an S3 key that names protein FASTA (.faa, .mpfa, or either gzipped)."""
    return key.lower().removesuffix(".gz").endswith(PROTEIN_EXTENSIONS)


def generate_fasta(seed: int, contigs: int = 4, width: int = 60) -> bytes:
    """Sample FASTA, the same for the same arguments: `contigs` contigs of random bases with
    lowercase (soft-masked) and N runs, wrapped at `width`."""
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
