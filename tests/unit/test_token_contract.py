"""Derived clientTokens and owner marks are a contract with existing stacks: the same inputs give
the same token in every version of this package (recorded from 0.1.0, and for tokens that name
their owner since owner marks were added), and the same import the same mark. A new token would
replace every import; a new mark would hide every import from its owner."""

from __future__ import annotations

import pytest

from omics_provider.core import ownership
from omics_provider.core.tokens import derive_token, owned_token, restore_token, store_token

ROLE = "arn:aws:iam::111122223333:role/omics-import"
SOURCES = [{"name": "GRCh38", "source_file": "s3://genomes/GRCh38.fa", "description": "primary assembly"},
           {"name": "CHM13", "source_file": "s3://genomes/chm13.fa.gz", "description": None}]
VERSIONS = ["version:3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY", "etag:7ff134953dcca8c8997453bbb80b6b5e"]

# Recorded with omics-references 0.1.0 (commit 0b7e56e).
RECORDED = [
    pytest.param(lambda: derive_token("1234567890", ROLE, SOURCES, VERSIONS),
                 "pulumi-0bad143d4049ede738dd3c1fc96aeffa245a258a", id="import-two-sources"),
    pytest.param(lambda: derive_token("1234567890", ROLE, SOURCES[:1], [None]),
                 "pulumi-86019874fd126285726c2ccbfb39e08dc1e8ca63", id="import-unreadable-version"),
    pytest.param(lambda: store_token({"name": "genomes", "description": "refs", "tags": {"team": "platform"}}),
                 "pulumi-319f86ef233e3815e91c07c7d84caaa12925b512", id="store"),
    pytest.param(lambda: restore_token("pulumi-0bad143d4049ede738dd3c1fc96aeffa245a258a", 2),
                 "pulumi-0bad143d4049ede738dd3c1fc96aeffa245a258a-r2", id="re-import"),
]
OWNER = "urn:pulumi:prod::genomes::healthomics:index:ReferenceImportJob::grch38"
SOURCE = [{"name": "GRCh38", "source_file": "s3://genomes/GRCh38.fa", "description": "primary assembly"}]
# Recorded when owner marks were added (Unreleased).
RECORDED += [
    pytest.param(lambda: owned_token(OWNER, None, "1234567890", ROLE, SOURCE, ["version:abc"]),
                 "pulumi-fbcc83d148629ff11bea311650fca5f58de235af", id="owned-new"),
    pytest.param(lambda: owned_token(OWNER, "pulumi-0bad143d4049ede738dd3c1fc96aeffa245a258a", "1234567890",
                                     ROLE, SOURCE, ["version:abc"]),
                 "pulumi-be8212570b143a2febe3cb4f42e45a99a21e0740", id="owned-replacing"),
    pytest.param(lambda: ownership.value(OWNER, "pulumi-x"), "cda61c29b512793ca8371006 genomes/prod/grch38", id="owner-mark"),
]


@pytest.mark.parametrize("token, recorded", RECORDED)
def test_derived_tokens_are_those_recorded_by_0_1_0(token, recorded: str) -> None:
    assert token() == recorded

