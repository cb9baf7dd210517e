"""The core both faces adapt: what happens to each resource at each step of its life, as plain
functions over property dicts (validation, planning, tokens, ownership, jobs, references). It
loads no pulumi and imports neither face."""
