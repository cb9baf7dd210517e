"""What tests share, in modules named for what they hold: `aws` (clients of a local endpoint's
Region, a sandbox, IAM identities), `docs` (the command blocks a page marks as run by a test),
`fasta`, `polling`, `processes` (/proc) and `projects` (Pulumi projects under test). Nothing outside tests/ imports it."""
