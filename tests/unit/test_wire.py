"""The native plugin's wire form: the protocol's Structs read and written directly, checked
against the SDK's own reading and writing of the same values; and the API request, named by the
same walk through the schema's shapes."""

from __future__ import annotations

from google.protobuf import struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue

from omics_provider import schema
from omics_provider.core import hidden, validation
from omics_provider.core.values import UNKNOWN
from omics_provider.native import wire

IMPORT = schema.REFERENCE_IMPORT_JOB

PLAIN = {
    "reference_store_id": "1234567890",
    "role_arn": "arn:aws:iam::123456789012:role/omics",
    "sources": [{"name": "hg38", "source_file": "s3://bucket/hg38.fa", "tags": {"team": "genomics",
                                                                                "snake_key": "kept"}},
                {"name": "chm13", "source_file": UNKNOWN}],
    "source_objects": [{"version": "etag:abc", "bytes": 3_100_000_000}, None],
    "wait_timeout_seconds": 90.5,
    "adopt_existing": False,
    "client_token": None,
}


def test_plain_dicts_go_over_the_wire_and_back_unchanged():
    assert wire.to_plain(wire.to_wire(PLAIN, IMPORT), IMPORT) == PLAIN


def test_the_wire_form_is_what_the_sdk_reads_camel_case_names_and_float_numbers():
    read = {k: v for k, v in PropertyValue.unmarshal_map(wire.to_wire(PLAIN, IMPORT)).items()}
    assert set(read) == {"referenceStoreId", "roleArn", "sources", "sourceObjects", "waitTimeoutSeconds",
                         "adoptExisting", "clientToken"}
    first = read["sources"].value[0].value
    assert first["sourceFile"].value == "s3://bucket/hg38.fa"
    assert first["tags"].value["snake_key"].value == "kept"  # a map's keys are data, not names
    assert read["sourceObjects"].value[0].value["bytes"].value == 3_100_000_000.0
    assert read["adoptExisting"].value is False


def test_what_the_sdk_writes_reads_as_the_core_holds_it():
    written = PropertyValue.marshal_map({
        "referenceStoreId": PropertyValue("1234567890").with_secret(True),
        "waitTimeoutSeconds": PropertyValue(600.0),
        "sources": PropertyValue([PropertyValue({"name": PropertyValue("hg38"),
                                                 "sourceFile": PropertyValue(UNKNOWN)})]),
        "notInTheSchema": PropertyValue("dropped"),
    })
    assert wire.to_plain(written, IMPORT) == {
        "reference_store_id": "1234567890",  # a secret is unwrapped: nothing here is secret
        "wait_timeout_seconds": 600,  # a whole number reads as an int, as the dynamic face holds it
        "sources": [{"name": "hg38", "source_file": UNKNOWN}],
    }


def test_a_null_and_an_empty_struct_read_as_nothing():
    struct = struct_pb2.Struct()
    struct.update({"clientToken": None})
    assert wire.to_plain(struct, IMPORT) == {"client_token": None}
    assert wire.to_plain(struct_pb2.Struct(), IMPORT) == {}


def _secret(value: PropertyValue) -> PropertyValue:
    return value.with_secret(True)


SECRET_TAG = PropertyValue.marshal_map({
    "roleArn": _secret(PropertyValue("arn:aws:iam::123456789012:role/omics")),
    "sources": PropertyValue([
        PropertyValue({"name": PropertyValue("hg38"), "sourceFile": PropertyValue("s3://b/hg38.fa"),
                       "tags": PropertyValue({"team": PropertyValue("genomics"),
                                              "billing": _secret(PropertyValue("CC-4711"))})}),
        PropertyValue({"name": PropertyValue("chm13"), "sourceFile": PropertyValue("s3://b/chm13.fa")}),
    ]),
})


def _read(struct) -> dict:
    return PropertyValue.unmarshal_map(struct)


def test_secrets_are_marked_again_at_their_own_paths_and_nowhere_else():
    secrets = wire.read(SECRET_TAG, IMPORT)[1]
    outputs = {**wire.to_plain(SECRET_TAG, IMPORT), "status": "COMPLETED"}
    # The outputs list the sources in another order, each with what the service made.
    outputs["sources"] = [{**outputs["sources"][1], "reference_id": "222"},
                          {**outputs["sources"][0], "reference_id": "111"}]
    read = _read(wire.to_wire(outputs, IMPORT, secrets))
    assert read["roleArn"].is_secret and read["roleArn"].value == "arn:aws:iam::123456789012:role/omics"
    assert not read["sources"].is_secret and not read["status"].is_secret
    chm13, hg38 = (s.value for s in read["sources"].value)
    assert hg38["tags"].value["billing"].is_secret and hg38["tags"].value["billing"].value == "CC-4711"
    assert not hg38["tags"].value["team"].is_secret and not hg38["referenceId"].is_secret
    assert not any(v.is_secret for v in chm13.values())


def test_a_whole_secret_map_or_list_is_marked_whole():
    struct = PropertyValue.marshal_map({"sources": _secret(PropertyValue([
        PropertyValue({"name": PropertyValue("hg38"), "sourceFile": PropertyValue("s3://b/hg38.fa")})]))})
    secrets = wire.read(struct, IMPORT)[1]
    read = _read(wire.to_wire(wire.to_plain(struct, IMPORT), IMPORT, secrets))
    assert read["sources"].is_secret
    assert secrets.redact("source hg38 reads s3://b/hg38.fa") == "source [secret] reads [secret]"


def test_messages_show_secret_values_as_secret():
    secrets = wire.read(SECRET_TAG, IMPORT)[1]
    assert secrets.redact("service role arn:aws:iam::123456789012:role/omics → x; tag CC-4711") == (
        "service role [secret] → x; tag [secret]")
    short = hidden.Secrets(["1"])
    assert short.redact("job 1234 of store 1") == "job 1234 of store [secret]"  # a short value alone


def test_a_request_without_secrets_reads_with_none():
    assert wire.read(wire.to_wire(PLAIN, IMPORT), IMPORT) == (PLAIN, hidden.NO_SECRETS)


def test_the_request_is_named_as_the_wire_form_without_none_and_unknowns():
    assert validation.to_api(PLAIN["sources"], schema.REFERENCE_SOURCE) == [
        {"name": "hg38", "sourceFile": "s3://bucket/hg38.fa", "tags": {"team": "genomics", "snake_key": "kept"}},
        {"name": "chm13"}]
    given = {**PLAIN, "undeclared_key": "kept"}  # kept, for the model to refuse it by its name
    request = validation.to_api(given, IMPORT)  # `sources` holds an unknown: left out whole
    assert set(request) == set(_read(wire.to_wire(PLAIN, IMPORT))) - {"clientToken", "sources"} | {"undeclared_key"}
    assert schema.provider_names(request, IMPORT) == {
        k: v for k, v in given.items() if v is not None and k != "sources"}
