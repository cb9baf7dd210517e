"""The stack program: reference stores and imports, driven only by stack config."""

from omics_stack import config, program

program.run(config.load())
