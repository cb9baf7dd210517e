"""The stack program: reference stores and imports, driven only by stack config."""

import pulumi

config = pulumi.Config()
pulumi.export("stack", pulumi.get_stack())
