"""Where the provider connects: region, profile and endpoints from the stack config keys
pulumi-aws uses, then the standard AWS environment variables. The settings are plain strings;
clients are cached per process (a module-level cache, never on the provider object, which is
pickled, nor in state): building a botocore client costs ~70 ms of CPU, too much per `check`."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from dataclasses import dataclass, field
from typing import Any

RETRIES = {"mode": "standard", "max_attempts": 20}  # botocore backs off on throttling and 5xx


@dataclass(frozen=True)
class ConnectionSettings:
    """Region, profile and per-service endpoint URLs (None: botocore's own resolution)."""

    region: str | None = None
    profile: str | None = None
    endpoints: dict[str, str] = field(default_factory=dict)
    attempts: int = RETRIES["max_attempts"]  # botocore's attempts per call (retries included)

    def with_attempts(self, attempts: int) -> ConnectionSettings:
        """The same settings, for clients that give up after `attempts` attempts."""
        return dataclasses.replace(self, attempts=attempts)

    @classmethod
    def from_stack_config(cls, config: Any, namespace: str = "aws") -> ConnectionSettings:
        """Read `NAMESPACE:region`, `:profile` and `:endpoints` (the keys pulumi-aws uses, in its
        namespace or the native plugin's) from a pulumi Config-like object or a dict."""
        def get(key: str) -> Any:
            return config.get(f"{namespace}:{key}") if config is not None else None
        endpoints: dict[str, str] = {}
        raw = get("endpoints")
        if raw:
            entries = json.loads(raw) if isinstance(raw, str) else raw
            for entry in entries if isinstance(entries, list) else [entries]:
                endpoints.update({k: v for k, v in entry.items() if v})
        return cls(region=get("region"), profile=get("profile"), endpoints=endpoints)

    def endpoint_for(self, service: str) -> str | None:
        """The configured endpoint, else AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL."""
        return (self.endpoints.get(service)
                or os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}")
                or os.environ.get("AWS_ENDPOINT_URL"))

    def default_region(self) -> str | None:
        """`aws:region`, else AWS_REGION, else AWS_DEFAULT_REGION."""
        return self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")

    def region_of(self, props: dict) -> str | None:
        """The Region a resource lives in: its own `region`, else the default."""
        return props.get("region") or self.default_region()

    def region_changed(self, olds: dict, news: dict) -> bool:
        """True when the resource moves to another Region (an explicit `region` equal to the
        default is no change, so stacks that never set one see no diff)."""
        return self.region_of(olds) != self.region_of(news)

    def omics(self, props: dict):
        """The (paced) omics client for a resource's Region (its own `region`, else the default)."""
        return self.client("omics", props.get("region"))

    def client(self, service: str, region: str | None = None):
        """A botocore client for `service` in `region` (default: the stack's), made once per
        process and setting, and again when the environment's access key changes (a client keeps
        the keys it was made with; clients are thread-safe). With a custom endpoint, host prefixes
        are not injected. omics clients are paced under the service's request quotas."""
        endpoint = self.endpoint_for(service)
        key = (service, self.profile, region or self.default_region(), endpoint, self.attempts,
               os.environ.get("AWS_ACCESS_KEY_ID"))
        with _LOCK:  # botocore sessions are not thread-safe; building clients happens here only
            if key not in _CLIENTS:
                from botocore.config import Config  # only the provider process needs botocore

                from omics_rules.service_model import botocore_session

                from .pacing import PROCESS_PACER

                config = Config(retries={**RETRIES, "max_attempts": self.attempts},
                                inject_host_prefix=endpoint is None)
                client = botocore_session(self.profile).create_client(
                    service, region_name=key[2], endpoint_url=endpoint, config=config)
                if service == "omics":
                    PROCESS_PACER.install(client)
                _CLIENTS[key] = client
            return _CLIENTS[key]


_LOCK = threading.Lock()
_CLIENTS: dict[tuple, object] = {}
