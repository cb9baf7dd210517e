"""The declared shape of both resources, once: every input (its type, its description, and what
a change of it does) and every output. The dynamic face's field lists, its output builders,
the Pulumi package schema (`schema.json`, `python -m omics_provider.schema`), and the renaming of
values between the provider's names and the package schema's and API's (`wire_names`,
`provider_names`; `wire_path`, `provider_path` for a path) come from here.

A property is one of three kinds:
- an input, whose change REPLACEs the resource, UPDATEs it in place, or is a SETTING (how the
  provider waits or adopts: nothing in AWS changes);
- a PLAN property, derived by `check` from the inputs and recorded with them (the clientToken
  used for the job, the S3 object versions and sizes);
- an OUTPUT, what the service reports.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from . import __version__

REPLACE, UPDATE, SETTING, PLAN, OUTPUT = "replace", "update", "setting", "plan", "output"
INPUT_KINDS = (REPLACE, UPDATE, SETTING)
PACKAGE = "healthomics"  # the native plugin's package: pulumi-resource-healthomics, healthomics:index:*
DYNAMIC_MODULE = "omics"  # the dynamic resources' module: pulumi-python:dynamic/omics:*
# The Go SDK's module path: the folder sdk/go of the repository git.example.com/platform/omics-references,
# as `go` resolves a path to a repository and a folder in it (a release's tag for it: sdk/go/vVERSION).
GO_MODULE = "git.example.com/platform/omics-references/sdk/go"


@dataclass(frozen=True)
class Property:
    """One property: its provider (snake_case) name, its type, what it is, and its kind. `type`
    is a JSON-schema type (string, number, boolean), `tags` (a string map), or the name of a
    declared shape, optionally as an array (`ReferenceSource[]`). `required`: an input the program
    must give, or an output every state of the resource holds (the generated SDKs type it so)."""

    name: str
    type: str
    kind: str
    description: str
    required: bool = False

    @cached_property
    def wire_name(self) -> str:
        """The camelCase name of the package schema (and of a Pulumi YAML program)."""
        head, *rest = self.name.split("_")
        return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Shape:
    """A resource, or an object type inside one. An object type that holds both inputs and
    outputs is two types in the package schema (`split`): `name`, its inputs only, described by
    `input_description`, for resource inputs; and `name` + `Response`, every property, for
    resource outputs (as azure-native names them), so that an SDK's input type offers no output."""

    name: str
    description: str
    properties: tuple[Property, ...]
    input_description: str = ""

    @cached_property
    def to_wire(self) -> dict[str, tuple[str, Shape | None]]:
        """Each property's provider (snake_case) name -> its package-schema (camelCase) name and
        the object type it holds."""
        return {p.name: (p.wire_name, nested(p.type)) for p in self.properties}

    @cached_property
    def to_provider(self) -> dict[str, tuple[str, Shape | None]]:
        """Each property's package-schema name -> its provider name and the object type it holds."""
        return {p.wire_name: (p.name, nested(p.type)) for p in self.properties}

    def names(self, *kinds: str) -> tuple[str, ...]:
        """The names of the properties of these kinds, in declared order."""
        return tuple(p.name for p in self.properties if p.kind in kinds)

    @property
    def inputs(self) -> tuple[str, ...]:
        return self.names(*INPUT_KINDS)

    @property
    def split(self) -> bool:
        """Inputs and outputs both: an input type and an output type in the package schema."""
        return bool(self.inputs) and bool(self.names(OUTPUT))


REFERENCE_SOURCE = Shape("ReferenceSource", "One FASTA file imported, and the reference it became.", (
    Property("name", "string", REPLACE, "The reference's name (3-255 characters).", required=True),
    Property("source_file", "string", REPLACE, "The FASTA's S3 URI, s3://bucket/key.", required=True),
    Property("description", "string", REPLACE, "The reference's description (1-255 characters)."),
    Property("tags", "tags", UPDATE, "Tags of the reference (at most 50); a change retags it in place."),
    Property("reference_id", "string", OUTPUT, "The id of the reference the job created."),
    Property("arn", "string", OUTPUT, "The reference's ARN."),
    Property("md5", "string", OUTPUT, "The MD5 of the imported file."),
    Property("status", "string", OUTPUT, "The reference's status (ACTIVE, DELETING, DELETED)."),
    Property("import_status", "string", OUTPUT, "The job's status for this source."),
), input_description="One FASTA file to import.")

SOURCE_OBJECT = Shape("SourceObject", "What `check` recorded of a source's S3 object.", (
    Property("version", "string", OUTPUT, "Its VersionId (`version:...`) or ETag (`etag:...`)."),
    Property("bytes", "number", OUTPUT, "Its size in bytes."),
))

REFERENCE_IMPORT_JOB = Shape(
    "ReferenceImportJob",
    "A HealthOmics reference import job (StartReferenceImportJob): started once, waited for, "
    "never repeated; its clientToken makes every rerun find the job it already started.", (
        Property("reference_store_id", "string", REPLACE, "The store to import into.", required=True),
        Property("role_arn", "string", REPLACE, "The service role HealthOmics assumes to read the "
                 "sources.", required=True),
        Property("sources", "ReferenceSource[]", REPLACE, "The FASTA files to import (1-100). A change "
                 "of a name, file or description replaces the import; tags update in place.",
                 required=True),
        Property("client_token", "string", REPLACE, "The job's clientToken; derived from the inputs "
                 "and the S3 object versions when not given."),
        Property("region", "string", REPLACE, "The Region, overriding the provider's; its store must "
                 "be there."),
        Property("wait_timeout_seconds", "number", SETTING, "How long `create` waits for the job "
                 "(default 6 h)."),
        Property("poll_initial_seconds", "number", SETTING, "The first poll delay (default 1 s)."),
        Property("poll_max_seconds", "number", SETTING, "The longest poll delay (default 15 s)."),
        Property("adopt_existing", "boolean", SETTING, "Take over ACTIVE references of the same "
                 "names (and md5) instead of importing. References another Pulumi resource owns "
                 "are refused unless takeOver is set. Adopted references are left in place on "
                 "delete unless deleteAdopted is set."),
        Property("take_over", "boolean", SETTING, "With adoptExisting: also take references that "
                 "another Pulumi resource owns (their owner mark moves to this resource)."),
        Property("delete_adopted", "boolean", SETTING, "Delete adopted references when this "
                 "resource is deleted (by default they are left in place)."),
        Property("resolved_client_token", "string", PLAN, "The clientToken the job is started with."),
        Property("source_objects", "SourceObject[]", PLAN, "Each source's S3 version and size."),
        Property("owner", "string", PLAN, "The resource's URN: part of a new import's clientToken "
                 "and of the owner mark on the references it imports."),
        Property("job_id", "string", OUTPUT, "The import job's id.", required=True),
        Property("status", "string", OUTPUT, "The job's status.", required=True),
        Property("status_message", "string", OUTPUT, "The job's status message."),
        Property("creation_time", "string", OUTPUT, "When the job was created (ISO 8601)."),
        Property("completion_time", "string", OUTPUT, "When the job ended (ISO 8601)."),
        Property("used_client_token", "string", OUTPUT, "The token the job was started with (given, "
                 "derived, or a -rN re-import token)."),
        Property("owner_mark", "string", OUTPUT, "The owner mark (the tag omics-references:owner) "
                 "this import put on its references; none when it adopted them without takeOver, or "
                 "was made before owner marks."),
    ))

SSE_CONFIG = Shape("SseConfig", "Server-side encryption of a store.", (
    Property("type", "string", REPLACE, "KMS.", required=True),
    Property("key_arn", "string", REPLACE, "The KMS key's ARN."),
))

REFERENCE_STORE = Shape(
    "ReferenceStore",
    "The Region's HealthOmics reference store (one per account and Region).", (
        Property("name", "string", REPLACE, "The store's name (1-127 characters).", required=True),
        Property("description", "string", REPLACE, "The store's description."),
        Property("sse_config", "SseConfig", REPLACE, "Server-side encryption."),
        Property("region", "string", REPLACE, "The Region, overriding the provider's."),
        Property("tags", "tags", UPDATE, "Tags of the store; a change retags it in place."),
        Property("adopt_existing", "boolean", SETTING, "Take over the Region's existing store "
                 "instead of creating one; its name, description and SSE are then kept as they are. "
                 "An adopted store is left in place on delete unless deleteAdopted is set."),
        Property("delete_adopted", "boolean", SETTING, "Delete the store on delete even when it was "
                 "adopted (by default an adopted store is left in place)."),
        Property("store_id", "string", OUTPUT, "The store's id (what imports need).", required=True),
        Property("arn", "string", OUTPUT, "The store's ARN.", required=True),
        Property("store_name", "string", OUTPUT, "The store's name as the service reports it."),
        Property("sse", "SseConfig", OUTPUT, "The store's encryption as the service reports it."),
        Property("creation_time", "string", OUTPUT, "When the store was created (ISO 8601)."),
        Property("adopted", "boolean", OUTPUT,
                 "True when the store was adopted, not created by this resource."),
    ))

RESOURCES = (REFERENCE_STORE, REFERENCE_IMPORT_JOB)
TYPES = (REFERENCE_SOURCE, SOURCE_OBJECT, SSE_CONFIG)


def nested(type_: str) -> Shape | None:
    """The object type a property of type `type_` (`ReferenceSource[]`, `tags`...) holds, if any."""
    return OBJECT_TYPES.get(type_.removesuffix("[]"))


# Every declared property's snake_case provider name and camelCase name (the package schema's, and
# the API member's in botocore's model), for the path form, whose names carry no shape.
_WIRE_NAMES = {p.name: p.wire_name for shape in (*RESOURCES, *TYPES) for p in shape.properties}
_PROVIDER_NAMES = {wire: name for name, wire in _WIRE_NAMES.items()}


def wire_path(path: str) -> str:
    """`sources[2].source_file` -> `sources[2].sourceFile` (a map key after ` key ` is kept)."""
    head, sep, tail = path.partition(" key ")
    return re.sub(r"[a-z_]+", lambda m: _WIRE_NAMES.get(m[0], m[0]), head) + sep + tail


def provider_path(path: str) -> str:
    """`sources[2].sourceFile` -> `sources[2].source_file` (a map key after ` key ` is kept)."""
    head, sep, tail = path.partition(" key ")
    return re.sub(r"[A-Za-z]+", lambda m: _PROVIDER_NAMES.get(m[0], m[0]), head) + sep + tail


CONFIG = (
    Property("region", "string", SETTING, "The AWS Region (else AWS_REGION / AWS_DEFAULT_REGION)."),
    Property("profile", "string", SETTING, "The AWS profile (else the standard AWS chain)."),
    Property("endpoints", "Endpoints[]", SETTING, "Endpoint URLs per service ({omics, s3, iam, sts}), "
             "as pulumi-aws names them; host prefixes are then not injected."),
)
ENDPOINTS = Shape("Endpoints", "Custom endpoint URLs.", tuple(
    Property(service, "string", SETTING, f"The {service} endpoint URL.")
    for service in ("omics", "s3", "iam", "sts")))
OBJECT_TYPES = {shape.name: shape for shape in (*TYPES, ENDPOINTS)}  # every type of the package schema


def _as_is(value: Any) -> Any:
    return value


def wire_names(plain: Any, shape: Shape | None, convert: Callable[[Any], Any] = _as_is,
               keep: Callable[[Any], bool] | None = None, drop_undeclared: bool = False) -> Any:
    """A value named as the provider names it (snake_case) -> named as the package schema and
    the API name it (camelCase), through the declared nested types: an object of `shape` by its
    properties, a list item by item, a map (tags, or an object of no declared type) with its keys
    kept (they are data), and every other value `convert`ed. An object's undeclared keys are kept
    as they are, or dropped (`drop_undeclared`); `keep` leaves out the object entries whose value
    it refuses."""
    return _renamed(plain, shape, True, convert, keep, drop_undeclared)


def provider_names(wired: Any, shape: Shape | None) -> Any:
    """The reverse of `wire_names`: camelCase names -> the provider's (snake_case), through the
    declared nested types; undeclared keys and map keys are kept as they are."""
    return _renamed(wired, shape, False, _as_is, None, False)


def _renamed(value: Any, shape: Shape | None, to_wire: bool, convert: Callable[[Any], Any],
             keep: Callable[[Any], bool] | None, drop_undeclared: bool) -> Any:
    """The one walk of both directions (`to_wire`: provider names -> wire names, else back)."""
    if isinstance(value, str) or value is None:  # the most of a value: before the slower checks
        return convert(value)
    if isinstance(value, list | tuple):
        return [_renamed(v, shape, to_wire, convert, keep, drop_undeclared) for v in value]
    if not isinstance(value, Mapping):
        return convert(value)
    if shape is None:  # a map: its keys are data
        return {k: _renamed(v, None, to_wire, convert, keep, drop_undeclared) for k, v in value.items()}
    renames = shape.to_wire if to_wire else shape.to_provider
    named = {}
    for key, item in value.items():
        declared = renames.get(key)
        if (declared or not drop_undeclared) and (keep is None or keep(item)):
            name, inner = declared or (key, None)
            named[name] = _renamed(item, inner, to_wire, convert, keep, drop_undeclared)
    return named


def token(shape: Shape) -> str:
    """The type token of a shape in the package, e.g. `healthomics:index:ReferenceStore`."""
    return f"{PACKAGE}:index:{shape.name}"


# A native import's id, as `pulumi import` takes it: its store's id and its job's.
IMPORT_ID_FORMAT, IMPORT_ID_EXAMPLE = "STORE_ID/JOB_ID", "1234567890/9876543210"


def import_id(store_id: str, job_id: str) -> str:
    """A native import's resource id (IMPORT_ID_FORMAT)."""
    return f"{store_id}/{job_id}"


def dynamic_token(shape: Shape) -> str:
    """The type token of the dynamic face's resource of a shape, as states and previews record
    it, e.g. `pulumi-python:dynamic/omics:ReferenceStore` (pulumi makes it of the resource
    class's module, DYNAMIC_MODULE, and name)."""
    return f"pulumi-python:dynamic/{DYNAMIC_MODULE}:{shape.name}"


RESPONSE = "Response"  # the suffix of a split type's output form: ReferenceSource -> ReferenceSourceResponse


def output_token(shape: Shape) -> str:
    """The type token of a shape where a resource's outputs hold it."""
    return token(shape) + (RESPONSE if shape.split else "")


def _type(type_: str, output: bool) -> dict:
    if type_.endswith("[]"):
        return {"type": "array", "items": _type(type_[:-2], output)}
    if type_ == "tags":
        return {"type": "object", "additionalProperties": {"type": "string"}}
    if re.fullmatch(r"[A-Z]\w*", type_):
        shape = OBJECT_TYPES[type_]
        return {"$ref": f"#/types/{output_token(shape) if output else token(shape)}"}
    return {"type": type_}


def _properties(props: tuple[Property, ...], output: bool, replace_marks: bool = True) -> dict:
    return {p.wire_name: {**_type(p.type, output), "description": p.description,
                          **({"willReplaceOnChanges": True} if replace_marks and p.kind == REPLACE else {})}
            for p in props}


def _object(description: str, props: tuple[Property, ...], output: bool) -> dict:
    return {"type": "object", "description": description, "properties": _properties(props, output),
            "required": [p.wire_name for p in props if p.required]}


def _types() -> dict:
    """Each object type by its token; a split one as its input type and its output type."""
    types = {}
    for shape in OBJECT_TYPES.values():
        if shape.split:
            inputs = tuple(p for p in shape.properties if p.kind in INPUT_KINDS)
            types[token(shape)] = _object(shape.input_description, inputs, output=False)
        types[output_token(shape)] = _object(shape.description, shape.properties, output=True)
    return types


def package_schema() -> dict:
    """The Pulumi package schema of both resources (what the native plugin's GetSchema serves)."""
    resources = {}
    for shape in RESOURCES:
        inputs = tuple(p for p in shape.properties if p.kind in INPUT_KINDS)
        resources[token(shape)] = {
            "description": shape.description,
            "properties": _properties(shape.properties, output=True),
            "required": [p.wire_name for p in shape.properties if p.required],
            "inputProperties": _properties(inputs, output=False),
            "requiredInputs": [p.wire_name for p in inputs if p.required],
        }
    return {
        "name": PACKAGE,
        "displayName": "AWS HealthOmics references",
        "description": "AWS HealthOmics reference stores and reference import jobs.",
        "license": "Apache-2.0",
        "config": {"variables": _properties(CONFIG, output=False, replace_marks=False)},
        "provider": {"description": "The provider's connection settings.",
                     "inputProperties": _properties(CONFIG, output=False, replace_marks=False)},
        "types": _types(),
        "resources": resources,
        "version": __version__,
        # The generated SDKs (sdk/) carry this version and ask the engine for this plugin version.
        "language": {"python": {"packageName": "pulumi_healthomics", "respectSchemaVersion": True,
                                "pyproject": {"enabled": True}},
                     "nodejs": {"packageName": "@omics-references/healthomics",
                                "respectSchemaVersion": True},
                     "go": {"importBasePath": GO_MODULE + "/healthomics", "respectSchemaVersion": True}},
    }


def main() -> None:
    """Print schema.json."""
    sys.stdout.write(json.dumps(package_schema(), indent=2) + "\n")


if __name__ == "__main__":
    main()
