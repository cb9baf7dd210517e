"""How the provider builds its AWS clients: a named profile's Region and keys, a clear error for
a profile that does not exist, and one parse of each service model per process."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore.exceptions import ProfileNotFound

from omics_provider.aws.settings import ConnectionSettings
from omics_rules import service_model
from tests.support.aws import LocalAws


def test_a_profile_gives_its_region_and_keys(aws: LocalAws, tmp_path: Path, monkeypatch) -> None:
    config = tmp_path / "config"
    config.write_text(f"[profile genomics]\nregion = {aws.region}\n"
                      "aws_access_key_id = from-profile\naws_secret_access_key = secret\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    settings = ConnectionSettings(profile="genomics", endpoints={"s3": aws.url})
    s3 = settings.client("s3")
    assert s3.meta.region_name == aws.region
    sent: list[str] = []
    s3.meta.events.register("before-send.s3", lambda request, **_: sent.append(request.headers["Authorization"]))
    s3.list_buckets()  # a real request to the local endpoint, signed with the profile's keys
    assert b"Credential=from-profile/" in sent[0], sent


def test_an_unknown_profile_is_named(aws: LocalAws) -> None:
    with pytest.raises(ProfileNotFound, match="no-such-profile"):
        ConnectionSettings(profile="no-such-profile", endpoints={"s3": aws.url}).client("s3")


def test_sessions_share_one_model_loader() -> None:
    first, second = service_model.botocore_session(), service_model.botocore_session()
    assert first is not second  # a session per client: credentials are resolved per client
    assert first.get_component("data_loader") is second.get_component("data_loader")
