"""The GitOps review tools: plain readers of Pulumi's JSON that load no pulumi and call no AWS.

- `previews`: what a `pulumi preview --json` plans, read into plain records;
- `review`: the reviewer's summary of a preview, Markdown for a pull-request comment;
- `guard`: refuses an apply that would delete or import what no reviewed preview showed;
- `migrate`: moves a stack's state from the dynamic resources to the native plugin.

Each tool runs as `python -m omics_provider.review`, `.guard` or `.migrate` (the commands users'
workflows call), or by its own name here. They read the resources' declaration, the values a
preview may hide and the provider's reasons for a replacement from `omics_provider`'s modules
that load no pulumi either (`schema`, `values`, `replacement`).
"""
