"""`python -m bench`: every benchmark, one table each (ratios against baselines of the same run)."""

from __future__ import annotations

import subprocess
import sys

SUITES = ("bench.detection", "bench.stack_runs", "bench.preview_cost", "bench.import_throughput",
          "bench.request_quotas")


def main() -> None:
    for module in SUITES:
        print(f"\n## {module}\n", flush=True)
        subprocess.run([sys.executable, "-m", module], check=True)


if __name__ == "__main__":
    main()
