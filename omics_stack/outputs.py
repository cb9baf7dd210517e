"""Stack output names, shared by the program, `make local` and the tests."""

STORE_ID = "store_id"
REFERENCES = "references"  # {reference name, or "REGION/name" in `regions`: {"id", "arn", "md5"}}
STORES = "stores"  # {region: store id}, exported when the config has `regions`
ROLE_ARN = "role_arn"
