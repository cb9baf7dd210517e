"""The stack program's parts: stack config parsing, output names, and the service role."""
