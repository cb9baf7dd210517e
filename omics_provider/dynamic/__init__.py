"""What the dynamic resources (`import_job`, `reference_store`, at the package's top, where
states pickle them) stand on: their base provider and the failures that keep a resource in the
state."""
