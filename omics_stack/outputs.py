"""Stack output names, shared by the program, `make local` and the tests."""

STORE_ID = "store_id"
REFERENCES = "references"  # {reference name: {"id": ..., "arn": ..., "md5": ...}}
ROLE_ARN = "role_arn"
