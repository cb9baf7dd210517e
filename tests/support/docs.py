"""The command blocks a page of docs/ marks as run by a test (`<!-- run: tests/PATH.py -->` before
a ```sh block), and running one as a user's shell would."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from .projects import REPO

# A code block's mark, and the block: (kind: from, run or stack-config; its file; the fence's
# language; the block's text).
MARKED = re.compile(r"<!-- (from|run|stack-config): ?([^ ]*) -->\n```([^\n]*)\n(.*?)^```\n",
                    re.MULTILINE | re.DOTALL)


def marked_blocks(page: Path, test_file: str) -> list[str]:
    """The page's command blocks marked as run by `test_file` (a test's __file__), in order; every
    such mark must stand right before a ```sh block."""
    target = str(Path(test_file).resolve().relative_to(REPO))
    text = page.read_text()
    blocks = [block for kind, marked, language, block in MARKED.findall(text)
              if kind == "run" and marked == target and language == "sh"]
    mark = f"<!-- run: {target} -->"
    assert len(blocks) == text.count(mark), f"{page}: a `{mark}` stands before no ```sh block"
    return blocks


def run_block(block: str, cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    """The block run by `bash -euo pipefail` in `cwd` with exactly `env`; its stdout, or an
    AssertionError with the block and all it printed."""
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert proc.returncode == 0, f"{block}\nexited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout
