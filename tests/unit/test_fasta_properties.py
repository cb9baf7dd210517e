"""Property-based tests (hypothesis) of the FASTA checker and indexer, and of the token, each
against an independent reference implementation written here."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omics_emulator.fasta import FastaError, FastaIndexer, render_fai
from omics_provider.core.tokens import derive_token, restore_token
from tests.support.fasta import bgzip_like, simple_fai

LETTERS = "ACGTNacgtnRYKMSWBDHV"
NAME_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.|:-"


@st.composite
def fasta_files(draw) -> bytes:
    """Valid FASTA: unique names, 1+ bases per record, equal line widths but a shorter last."""
    names = draw(st.lists(st.text(NAME_LETTERS, min_size=1, max_size=12), min_size=1, max_size=6, unique=True))
    out = []
    for name in names:
        description = draw(st.sampled_from(["", " a description", "\tx=1"]))
        width = draw(st.integers(1, 80))
        sequence = draw(st.text(alphabet=LETTERS, min_size=1, max_size=400))
        out.append(f">{name}{description}\n")
        out += [sequence[i:i + width] + "\n" for i in range(0, len(sequence), width)]
    trailing = draw(st.sampled_from(["", "\n", "\n\n"]))
    return ("".join(out) + trailing).encode()


def index(data: bytes, chunk: int) -> bytes:
    indexer = FastaIndexer()
    for i in range(0, len(data), chunk):
        indexer.feed(data[i:i + chunk])
    return render_fai(indexer.finish())


@settings(max_examples=300, deadline=None)
@given(fasta_files(), st.integers(1, 300), st.sampled_from(["plain", "gzip", "bgzip"]))
def test_index_matches_the_reference_whatever_the_chunking(data: bytes, chunk: int, encoding: str) -> None:
    encoded = {"plain": data, "gzip": gzip.compress(data), "bgzip": bgzip_like(data, 53)}[encoding]
    assert index(encoded, chunk) == simple_fai(data)


@settings(max_examples=300, deadline=None)
@given(fasta_files(), st.integers(0, 10_000), st.sampled_from(list(b"XZ*-.0 @\r")), st.integers(1, 300))
def test_an_illegal_byte_inside_a_sequence_is_refused(data: bytes, where: int, byte: int, chunk: int) -> None:
    lines = data.split(b"\n")
    sequence_lines = [i for i, line in enumerate(lines) if line and not line.startswith(b">")]
    target = sequence_lines[where % len(sequence_lines)]
    line = lines[target]
    lines[target] = line[: where % len(line)] + bytes([byte]) + line[where % len(line):]
    with pytest.raises(FastaError, match=rf"line {target + 1}\b"):
        index(b"\n".join(lines), chunk)


def reference_token(store: str, role: str, sources: list[dict], versions: list) -> str:
    """The token rule, stated again plainly: equal identity -> equal token."""
    return repr((store, role, [(s["name"], s["source_file"], s.get("description"), v)
                               for s, v in zip(sources, versions, strict=True)]))


DIGITS, LOWER = "0123456789", "abcdefghijklmnopqrstuvwxyz"
identity = st.fixed_dictionaries({
    "store": st.text(DIGITS, min_size=10, max_size=10),
    "role": st.builds("arn:aws:iam::{}:role/{}".format, st.text(DIGITS, min_size=12, max_size=12),
                      st.text(LOWER, min_size=1, max_size=10)),
    "sources": st.lists(st.fixed_dictionaries({
        "name": st.text(min_size=3, max_size=20),
        "source_file": st.builds("s3://{}/{}.fa".format, st.text(LOWER, min_size=3, max_size=8),
                                 st.text(LOWER, min_size=1, max_size=8)),
        "description": st.none() | st.text(min_size=1, max_size=10)}), min_size=1, max_size=4),
    "version": st.none() | st.text(min_size=1, max_size=12),
})


@settings(max_examples=300)
@given(identity, identity)
def test_token_is_equal_exactly_when_the_identity_is(a: dict, b: dict) -> None:
    def token(x: dict) -> str:
        return derive_token(x["store"], x["role"], x["sources"], [x["version"]] * len(x["sources"]))

    def plain(x: dict) -> str:
        return reference_token(x["store"], x["role"], x["sources"], [x["version"]] * len(x["sources"]))

    assert token(a) == token(dict(a))  # deterministic
    assert (token(a) == token(b)) == (plain(a) == plain(b))
    assert len(token(a)) <= 127 and len(restore_token(token(a) + "x" * 120, 3)) <= 127
