"""Derived clientTokens are a contract with existing stacks: the same inputs give the same token
in every version of this package (recorded from 0.1.0). A new token would replace every import."""

from __future__ import annotations

import pytest

from omics_provider.tokens import derive_token, restore_token, store_token

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


@pytest.mark.parametrize("token, recorded", RECORDED)
def test_derived_tokens_are_those_recorded_by_0_1_0(token, recorded: str) -> None:
    assert token() == recorded

