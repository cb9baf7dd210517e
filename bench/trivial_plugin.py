"""A trivial native provider plugin (package `trivial`, resource `trivial:index:Thing`) on the
same experimental SDK as `healthomics`: the baseline of the native preview benchmark. Started by
an executable `pulumi-resource-trivial` that bench.preview_cost writes."""

from __future__ import annotations

import json
import sys

from pulumi.provider.experimental import provider as p
from pulumi.provider.experimental.server import main as serve

SCHEMA = {"name": "trivial", "resources": {"trivial:index:Thing": {
    "properties": {"n": {"type": "string"}}, "inputProperties": {"n": {"type": "string"}}}}}


class Trivial(p.Provider):
    """Creates nothing anywhere: the id is the input."""

    async def get_schema(self, request: p.GetSchemaRequest) -> p.GetSchemaResponse:
        return p.GetSchemaResponse(json.dumps(SCHEMA))

    async def check(self, request: p.CheckRequest) -> p.CheckResponse:
        return p.CheckResponse(request.new_inputs)

    async def diff(self, request: p.DiffRequest) -> p.DiffResponse:
        return p.DiffResponse(changes=dict(request.old_state) != dict(request.new_inputs))

    async def create(self, request: p.CreateRequest) -> p.CreateResponse:
        return p.CreateResponse(str(request.properties["n"].value), request.properties)


if __name__ == "__main__":
    serve(sys.argv[1:], "0.0.1", Trivial())
