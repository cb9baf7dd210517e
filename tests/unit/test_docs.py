"""The documentation cannot rot: links and anchors resolve; every code block in docs/ is taken
from a tested file or run by a test; the flags, make targets, modules and config keys a page
names exist in the code; generated reference pages are fresh; no words of the project's own
workflow. Starts nothing."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from tests.support.docs import MARKED

REPO = Path(__file__).resolve().parents[2]
PAGES = sorted([REPO / "README.md", REPO / "CONTRIBUTING.md", REPO / "SECURITY.md",
                *(REPO / "docs").rglob("*.md")])
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```\n", re.MULTILINE | re.DOTALL)
LINK = re.compile(r"\]\(([^)\s]+)\)")
WORKFLOW_WORDS = re.compile(
    r"\bissues? #?\d+|\b(?:first|second|third|fourth|fifth|sixth|this|last|next|previous|earlier|"
    r"later) session\b|\bour machines?\b|\bthese machines\b|\bhere\b|\b\d+ tests\b", re.IGNORECASE)


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


def prose(text: str) -> str:
    """The page without its code blocks."""
    return FENCE.sub("", text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[`*]|\[([^]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    for line in prose(path.read_text()).splitlines():
        if line.startswith("#"):
            base, n = slug(line.lstrip("#")), 0
            while (candidate := base if n == 0 else f"{base}-{n}") in found:
                n += 1
            found.add(candidate)
    return found


@pytest.mark.parametrize("page", [*PAGES, REPO / "bench" / "RESULTS.md"], ids=rel)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(prose(page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists() or (anchor and file.suffix == ".md" and anchor not in anchors(file)):
            broken.append(target)
    assert not broken, f"{rel(page)}: broken links {broken}"


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_code_block_is_taken_from_a_tested_file_or_run_by_a_test(page: Path) -> None:
    text = page.read_text()
    if "docs" in page.parts:
        assert len(FENCE.findall(text)) == len(MARKED.findall(text)), (
            f"{rel(page)}: a code block without <!-- from: FILE -->, <!-- run: TEST --> or <!-- stack-config: -->")
    for kind, source, _, block in MARKED.findall(text):
        if kind == "from":
            lines, whole = block.splitlines(), (REPO / source).read_text().splitlines()
            assert any(whole[i:i + len(lines)] == lines for i in range(len(whole))), (
                f"{rel(page)}: a block marked from {source} is not a part of it:\n{block}")
        elif kind == "run":
            assert rel(page) in (REPO / source).read_text(), f"{source} does not run {rel(page)}"
        else:
            from omics_stack.config import NAMESPACE, parse

            config = yaml.safe_load(block)["config"]
            prefix = f"{NAMESPACE}:"
            parse({k.removeprefix(prefix): v for k, v in config.items() if k.startswith(prefix)})


def make_targets() -> set[str]:
    return set(re.findall(r"^([\w-]+):", (REPO / "Makefile").read_text(), re.MULTILINE))


def module_source(module: str) -> str:
    """The text of `python -m MODULE`'s files (its __main__ and the module itself)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, f"no module {module}"
    origin = Path(spec.origin)
    files = [origin, origin.parent / "__main__.py"] if origin.name == "__init__.py" else [origin]
    return "".join(f.read_text() for f in files if f.exists())


@cache
def pulumi_help(command: str) -> str:
    """`pulumi COMMAND --help` of the pinned CLI (the words after `pulumi` in a page, up to the
    first that is not a word: the CLI resolves the deepest command they name)."""
    env = {**os.environ, "PULUMI_SKIP_UPDATE_CHECK": "true", "PULUMI_HOME": str(REPO / ".pulumi-state" / "home")}
    return subprocess.run([str(REPO / ".tools" / "bin" / "pulumi"), *command.split(), "--help"],
                          capture_output=True, text=True, env=env, timeout=60).stdout


def endpoint_flags() -> set[str]:
    return set(re.findall(r'"(--[a-z-]+)"', (REPO / "omics_emulator" / "__main__.py").read_text()))


def controls() -> set[str]:
    tree = ast.parse((REPO / "omics_emulator" / "controls.py").read_text())
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Controls"]
    return {n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
            and not n.target.id.startswith("_")}


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_flag_target_module_and_key_named_exists(page: Path) -> None:
    from omics_stack.config import IMPORT_KEYS, KEYS, STORE_KEYS

    sys.path.insert(0, str(REPO))
    text, wrong = page.read_text(), []
    wrong += [f"make {t}" for t in re.findall(r"(?:`|^)make ([a-z][\w-]*)", text, re.MULTILINE) if t not in make_targets()]
    for module, rest in re.findall(r"python -m ([\w.]+)([^`\n]*)", text):
        source = module_source(module)
        wrong += [f"{module} {flag}" for flag in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", rest)
                  if f'"{flag}"' not in source]
    for command, rest in re.findall(r"(?:`|^|\$\(|&& )pulumi((?: [a-z]+)+)([^`\n]*)", text, re.MULTILINE):
        wrong += [f"pulumi{command} {flag}" for flag in re.findall(r"(?<![\w-])(--[a-z][\w-]*)", rest)
                  if flag not in pulumi_help(command.strip())]
    for rest in re.findall(r"omics-local-endpoint([^`\n]*)", text):
        wrong += [flag for flag in re.findall(r"(--[a-z][\w-]*)", rest) if flag not in endpoint_flags()]
    wrong += [f"omics-references:{k}" for k in re.findall(r"omics-references:(\w+)", text)
              if k not in (*KEYS, "owner")]
    schema_keys = yaml.safe_load((REPO / "schema.json").read_text())["config"]["variables"]
    wrong += [f"healthomics:{k}" for k in re.findall(r"healthomics:(\w+)\b(?!:)", text)
              if k not in schema_keys and k != "index"]
    code = "".join(p.read_text() for p in [*REPO.glob("omics_*/**/*.py"), *REPO.glob("scripts/*")] if p.is_file())
    wrong += [v for v in set(re.findall(r"\bOMICS_[A-Z_]+\b", text)) if v not in code]
    if page.name == "stack-config.md":
        keys = STORE_KEYS | IMPORT_KEYS | {"source_file", "region", "store", "imports", "sources"}
        table = re.findall(r"^\| `(\w+)` \|", text, re.MULTILINE)
        wrong += [k for k in table if k not in keys and k not in KEYS]
    assert not wrong, f"{rel(page)} names what the code does not have: {wrong}"


@pytest.mark.parametrize("page", PAGES, ids=rel)
def test_every_path_into_the_repository_named_exists(page: Path) -> None:
    tops = {p.name for p in REPO.iterdir() if p.is_dir() and not p.name.startswith(".")}
    missing = [span for span in re.findall(r"`([^`\s]+)`", prose(page.read_text()))
               if "/" in span and span.split("/")[0] in tops and not re.search(r"NAME|STACK|[<*]", span)
               and not (REPO / span).exists()]
    assert not missing, f"{rel(page)} names paths that are not in the repository: {missing}"


def test_the_local_endpoint_page_documents_every_flag_and_control_and_nothing_else() -> None:
    text = (REPO / "docs" / "local-endpoint.md").read_text()
    named = set(re.findall(r"^\| `(--[a-z-]+)`", text, re.MULTILINE))
    assert named == endpoint_flags(), named ^ endpoint_flags()
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", text, re.MULTILINE))
    assert documented == controls(), documented ^ controls()


@pytest.mark.parametrize("page", [*PAGES, REPO / "bench" / "RESULTS.md", REPO / "CHANGELOG.md"], ids=rel)
def test_no_words_of_the_project_workflow(page: Path) -> None:
    found = WORKFLOW_WORDS.findall(prose(page.read_text()))
    assert not found, f"{rel(page)}: {found}"


def test_the_reference_pages_are_generated_from_the_schema() -> None:
    spec = importlib.util.spec_from_file_location("gen_docs", REPO / "scripts" / "gen_docs.py")
    gen_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen_docs)
    stale = [rel(path) for path, text in gen_docs.pages().items()
             if not path.exists() or path.read_text() != text]
    assert not stale, f"stale: {stale}; run .venv/bin/python scripts/gen_docs.py"


def test_the_readme_is_short() -> None:
    assert len((REPO / "README.md").read_text().splitlines()) <= 150


def test_the_reviews_page_shows_every_recorded_summary() -> None:
    shown = set(re.findall(r"<!-- from: (tests/fixtures/previews/[\w-]+\.md) -->", (REPO / "docs" / "reviews.md").read_text()))
    recorded = {rel(p) for p in (REPO / "tests" / "fixtures" / "previews").glob("*.md")}
    assert shown == recorded, shown ^ recorded
