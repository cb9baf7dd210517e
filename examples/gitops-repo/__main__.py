"""The stack program of omics-references, driven only by each stack's config (stacks/)."""

from omics_stack import config, program

program.run(config.load())
