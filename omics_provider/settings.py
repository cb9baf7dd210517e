"""Where the provider connects: region, profile and endpoints from the stack config keys
pulumi-aws uses, then the standard AWS environment variables. Plain strings only: clients,
sessions and credentials are built per call and never kept on the provider or in state."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

RETRIES = {"mode": "standard", "max_attempts": 20}  # botocore backs off on throttling and 5xx


@dataclass(frozen=True)
class ConnectionSettings:
    """Region, profile and per-service endpoint URLs (None: boto3's own resolution)."""

    region: str | None = None
    profile: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_stack_config(cls, config: Any) -> ConnectionSettings:
        """Read `aws:region`, `aws:profile` and `aws:endpoints` from a pulumi Config-like object."""
        get = (lambda key: config.get(key)) if config is not None else (lambda key: None)
        endpoints: dict[str, str] = {}
        raw = get("aws:endpoints")
        if raw:
            entries = json.loads(raw) if isinstance(raw, str) else raw
            for entry in entries if isinstance(entries, list) else [entries]:
                endpoints.update({k: v for k, v in entry.items() if v})
        return cls(region=get("aws:region"), profile=get("aws:profile"), endpoints=endpoints)

    def endpoint_for(self, service: str) -> str | None:
        """The configured endpoint, else AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL."""
        return (self.endpoints.get(service)
                or os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}")
                or os.environ.get("AWS_ENDPOINT_URL"))

    def client(self, service: str):
        """A new boto3 client. With a custom endpoint, host prefixes are not injected."""
        session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
        endpoint = self.endpoint_for(service)
        config = Config(retries=RETRIES, inject_host_prefix=endpoint is None)
        return session.client(service, endpoint_url=endpoint, config=config)
