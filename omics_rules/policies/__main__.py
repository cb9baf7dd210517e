"""`python -m omics_rules.policies NAME [KEY=VALUE ...]`: print the policy NAME (caller,
previewer, service-role-trust, ...), its placeholders filled where a value is given."""

from __future__ import annotations

import argparse
import json
import sys

from . import NAMES, placeholders, render


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m omics_rules.policies", description=__doc__)
    parser.add_argument("name", choices=NAMES)
    parser.add_argument("values", nargs="*", metavar="KEY=VALUE", help="e.g. ACCOUNT_ID=111122223333")
    args = parser.parse_args(argv)
    given = dict(value.split("=", 1) for value in args.values if "=" in value)
    left = {key: f"<{key}>" for key in placeholders(args.name)}  # shown as placeholders
    json.dump(render(args.name, **{**left, **given}), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
