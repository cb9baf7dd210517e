# Two commands for users: `make local` (the main job on the embedded default) and
# `make test` (every test). Both start with the same idempotent set-up.
.PHONY: setup local test lint sdks dist

setup:
	@scripts/setup

local: setup
	@scripts/local

test: setup
	@.venv/bin/python -m pytest $(PYTEST_ARGS)

# ruff over the Python; actionlint over every workflow and action (tools/go-tools/lint_workflows.py).
lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/python tools/go-tools/lint_workflows.py

# Regenerate sdk/ (the Python, Node.js and Go SDKs) from schema.json; commit the result.
sdks:
	@scripts/gen-sdks

# The release's artifacts (wheels, sdists, npm package, Go module proxy folder, plugin tarball,
# SHA256SUMS) in dist/: docs/installation.md says how each is installed.
dist: setup
	@scripts/dist
