"""The base of both dynamic providers: connection settings read from the stack config."""

from __future__ import annotations

from pulumi.dynamic import ConfigureRequest, ResourceProvider

from ..aws.settings import ConnectionSettings


class ConfiguredProvider(ResourceProvider):
    """A provider whose only state is its connection settings, set by `configure` in the
    provider process (never pickled: the program pickles a fresh instance)."""

    settings = ConnectionSettings()

    def configure(self, req: ConfigureRequest) -> None:
        """Read region, profile and endpoints from the stack config (the keys pulumi-aws uses)."""
        self.settings = ConnectionSettings.from_stack_config(req.config)

    def region_changed(self, olds: dict, news: dict) -> bool:
        """True when the resource moves to another Region."""
        return self.settings.region_changed(olds, news)
