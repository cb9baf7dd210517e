"""The native plugin's wire form: the protocol's Structs read and written directly, checked
against the SDK's own reading and writing of the same values."""

from __future__ import annotations

from google.protobuf import struct_pb2
from pulumi.provider.experimental.property_value import PropertyValue

from omics_provider import schema, wire
from omics_provider.values import UNKNOWN

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
