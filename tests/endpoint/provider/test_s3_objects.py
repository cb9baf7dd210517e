"""What S3 says of source objects, over real HTTP to the local S3 server: a folder's listing and
HeadObject give the same answer for every kind of object, a preview's lookups in one folder cost
one listing, and whatever the listing cannot say is asked with HeadObject."""

from __future__ import annotations

from omics_provider.aws import s3_objects
from omics_provider.aws.settings import ConnectionSettings
from tests.support.aws import Sandbox
from tests.support.fasta import generate_fasta


def reads(world: Sandbox) -> dict[str, int]:
    return world.aws.calls()["s3_reads"]


def kinds_of_object(world: Sandbox) -> list[str]:
    """Objects of each kind in one folder of a versioned bucket, and of an unversioned one."""
    s3, versioned = world.aws.s3, world.aws.bucket()
    s3.put_bucket_versioning(Bucket=versioned, VersioningConfiguration={"Status": "Enabled"})
    for body in (generate_fasta(1), generate_fasta(2)):  # overwritten: two versions
        s3.put_object(Bucket=versioned, Key="refs/twice.fa", Body=body)
    s3.put_object(Bucket=versioned, Key="refs/gone.fa", Body=generate_fasta(3))
    s3.delete_object(Bucket=versioned, Key="refs/gone.fa")  # a delete marker is its latest version
    s3.put_object(Bucket=versioned, Key="refs/deeper/inner.fa", Body=generate_fasta(4))
    upload = s3.create_multipart_upload(Bucket=versioned, Key="refs/parts.fa")
    part = s3.upload_part(Bucket=versioned, Key="refs/parts.fa", UploadId=upload["UploadId"], PartNumber=1,
                          Body=generate_fasta(5))
    s3.complete_multipart_upload(Bucket=versioned, Key="refs/parts.fa", UploadId=upload["UploadId"],
                                 MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]})
    plain = [world.upload(f"refs/g {n}+.fa", generate_fasta(10 + n)) for n in range(2)]  # names to encode
    return [*(f"s3://{versioned}/refs/{k}" for k in ("twice.fa", "gone.fa", "deeper/inner.fa", "parts.fa",
                                                      "never.fa")), *plain, f"s3://{world.bucket}/top.fa"]


def test_a_listing_and_head_object_say_the_same_of_every_kind_of_object(world: Sandbox) -> None:
    uris = kinds_of_object(world)
    world.upload("top.fa", generate_fasta(20))
    settings = ConnectionSettings()
    listed = [s3_objects.lookup(settings, uri) for uri in uris]
    headed = [s3_objects.head_object(settings, uri) for uri in uris]
    assert listed == headed
    assert [o.state for o in listed] == ["found", "missing", "found", "found", "missing", "found", "found", "found"]
    assert listed[0].version.startswith("version:") and listed[5].version.startswith("etag:")


def test_the_sources_of_one_folder_cost_one_listing_and_no_head_object(world: Sandbox) -> None:
    uris = [world.upload(f"genomes/g{n}.fa", generate_fasta(30 + n)) for n in range(6)]
    settings = ConnectionSettings()
    world.aws.reset_calls()
    assert all(s3_objects.lookup(settings, uri).state == "found" for uri in uris)
    assert reads(world) == {"ListObjectVersions": 1}


def test_a_source_asked_about_again_sees_what_s3_says_now(world: Sandbox) -> None:
    uri = world.upload("again/g.fa", generate_fasta(40))
    settings = ConnectionSettings()
    before = s3_objects.lookup(settings, uri)
    world.upload("again/g.fa", generate_fasta(41))
    assert s3_objects.lookup(settings, uri).version != before.version
    world.aws.s3.delete_object(Bucket=world.bucket, Key="again/g.fa")
    assert s3_objects.lookup(settings, uri).state == "missing"


def test_a_bucket_that_cannot_be_listed_is_asked_with_head_object(world: Sandbox) -> None:
    uris = [world.upload(f"shut/g{n}.fa", generate_fasta(50 + n)) for n in range(3)]
    settings = ConnectionSettings()
    expected = [s3_objects.head_object(settings, uri) for uri in uris]
    world.aws.controls(unlistable_buckets=[world.bucket])
    world.aws.reset_calls()
    assert [s3_objects.lookup(settings, uri) for uri in uris] == expected
    assert reads(world) == {"ListObjectVersions": 1, "HeadObject": 3}  # refused once, then never asked


def test_keys_past_the_pages_listed_are_asked_with_head_object(world: Sandbox) -> None:
    uris = [world.upload(f"many/g{n}.fa", generate_fasta(60 + n)) for n in range(7)]
    settings = ConnectionSettings()
    expected = [s3_objects.head_object(settings, uri) for uri in uris]
    world.aws.reset_calls()
    assert s3_objects.lookup_now(settings, uris, page_keys=2, max_pages=2) == expected
    counted = reads(world)
    # S3 starts a page after its key marker; the local S3 server repeats it (4 keys listed, or 3)
    assert counted["ListObjectVersions"] == 2 and counted["HeadObject"] in (3, 4), counted


def test_a_listing_reports_the_endpoints_stand_in_size(world: Sandbox) -> None:
    uri = world.upload("huge/g.fa", generate_fasta(70))
    world.aws.controls(object_sizes={uri: 200 * 1000**3})
    assert s3_objects.lookup(ConnectionSettings(), uri).size == 200 * 1000**3


def test_a_version_that_head_object_may_not_read_is_read_from_the_listing(world: Sandbox) -> None:
    uri = world.upload("private/g.fa", generate_fasta(80))
    settings = ConnectionSettings()
    readable = s3_objects.head_object(settings, uri)
    world.aws.controls(unreadable_objects=[uri])
    assert s3_objects.head_object(settings, uri).state == "unreadable"
    assert s3_objects.lookup(settings, uri) == readable
