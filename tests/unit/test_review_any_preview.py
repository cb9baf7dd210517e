"""The reviewer's summary and the apply guard over previews with secret and unknown values and
awkward names: what GitHub shows (each table parsed as GFM parses it), and what the guard
lets through."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import re
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omics_provider.core.values import UNKNOWN
from omics_review import guard, previews, review
from omics_review.previews import SECRET

PREVIEWS = Path(__file__).resolve().parent.parent / "fixtures" / "previews"
NCBI = "gi|568815597|ref|NC_000001.11|"  # an NCBI-style name, allowed by the model's name pattern


def recorded(kind: str) -> dict:
    return json.loads((PREVIEWS / f"{kind}.json").read_text())


def gfm_cells(line: str) -> list[str]:
    """A table row's cells as GFM splits them: at each `|` that no backslash escapes (even in a
    code span), the outer pipes dropped, each cell trimmed and its `\\|` made `|`."""
    cells = [""]
    for i, char in enumerate(line.strip()):
        if char == "|" and not (i and line.strip()[i - 1] == "\\"):
            cells.append("")
        else:
            cells[-1] += char
    if line.strip().startswith("|"):
        cells = cells[1:]
    if line.strip().endswith("|") and not line.strip().endswith("\\|"):
        cells = cells[:-1]
    return [cell.strip().replace("\\|", "|") for cell in cells]


DELIMITER = re.compile(r"^\|?(\s*:?-+:?\s*\|)+\s*:?-*:?\s*$")


def gfm_tables(markdown: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table in the Markdown: its header's cells and each row's cells, as GFM reads them."""
    lines = markdown.splitlines()
    tables = []
    for i in range(len(lines) - 1):
        if lines[i].startswith("|") and DELIMITER.match(lines[i + 1]) and (i == 0 or not lines[i - 1].startswith("|")):
            rows = []
            for line in lines[i + 2:]:
                if not line.startswith("|"):
                    break
                rows.append(gfm_cells(line))
            tables.append((gfm_cells(lines[i]), rows))
    return tables


def table(markdown: str, first_column: str) -> list[dict[str, str]]:
    """The rows of the one table whose first column is named so, by column name."""
    [(header, rows)] = [(h, r) for h, r in gfm_tables(markdown) if h[0] == first_column]
    assert all(len(row) == len(header) for row in rows), (header, rows)
    return [dict(zip(header, row, strict=True)) for row in rows]


def deleted_rows(markdown: str) -> list[dict[str, str]]:
    return table(markdown, "reference")


def run_guard(reviewed: dict | None, planned: dict) -> tuple[int, str]:
    """`python -m omics_review.guard reviewed.json planned.json` (no reviewed.json for None): its
    exit code and what it printed."""
    out = io.StringIO()
    with tempfile.TemporaryDirectory() as folder, contextlib.redirect_stdout(out):
        paths = [Path(folder) / "reviewed.json", Path(folder) / "planned.json"]
        for path, preview in zip(paths, (reviewed, planned), strict=True):
            if preview is not None:
                path.write_text(json.dumps(preview))
        code = guard.main([str(path) for path in paths])
    return code, out.getvalue()


def shown(value: object) -> str:
    """The text a summary shows for a name or id: visible, or (known after apply)."""
    return review.KNOWN_AFTER_APPLY if value == UNKNOWN else previews.visible(value)


def code_span_text(cell: str) -> str:
    """What GFM shows of a cell that is one code span: its text (the fences dropped, and one space
    each side when it is padded on both); any other cell as it is."""
    opening, closing = re.match(r"`*", cell)[0], re.search(r"`*$", cell)[0]
    if not opening or opening != closing or len(cell) < 2 * len(opening):
        return cell
    text = cell[len(opening):-len(opening)]
    return text[1:-1] if len(text) > 2 and text[0] == text[-1] == " " and text.strip() else text


def import_step(preview: dict, op: str) -> dict:
    [step] = [s for s in preview["steps"] if s["op"] == op and "ReferenceImportJob" in s["urn"]]
    return step


def test_the_row_splitter_reads_gfm_as_github_does() -> None:
    assert gfm_cells("| `a\\|b` | c |") == ["`a|b`", "c"]
    assert gfm_cells("| a | b |") == ["a", "b"]
    assert gfm_cells("| `x\\\\|y` |") == ["`x\\|y`"]  # a backslash before `\|` stays
    assert gfm_cells("| a | `b|c` |") == ["a", "`b", "c`"]  # backticks do not protect a pipe


def test_an_ncbi_style_name_renders_in_its_own_cell() -> None:
    preview = recorded("import-removed")
    import_step(preview, "delete")["oldState"]["outputs"]["sources"][0]["name"] = NCBI
    [row] = deleted_rows(review.summarize(preview))
    assert row == {"reference": f"`{NCBI}`", "id": "`3376251665`", "import": "`t2t-chm13`",
                   "why": "the import is removed from the stack"}
    created = recorded("new-stack")
    for step in created["steps"]:
        for source in (step.get("newState") or {}).get("inputs", {}).get("sources") or []:
            source["name"] = NCBI
    rows = table(review.summarize(created), "import")
    assert [r["reference"] for r in rows] == [f"`{NCBI}`"] * 2
    assert rows[0]["source"] == "`s3://refs-eu-west-1-1/grch38-demo.fa`"


def test_backticks_newlines_and_edge_spaces_stay_in_the_cell_and_show() -> None:
    preview = recorded("import-removed")
    source = import_step(preview, "delete")["oldState"]["outputs"]["sources"][0]
    source["name"], source["reference_id"] = "a ``b`` |\nc", " 3376251665\t"
    [row] = deleted_rows(review.summarize(preview))
    assert row["reference"] == '```"a ``b`` |\\nc"```'  # quoted (a newline shows as \n), fenced by ```
    assert row["id"] == '`" 3376251665\\t"`'
    created = recorded("new-stack")
    created["steps"][2]["newState"]["inputs"]["sources"][0]["source_file"] = "s3://refs/ref.fa "
    assert '`"s3://refs/ref.fa "`' in review.summarize(created)


def test_a_secret_tag_change_says_the_tag_changed_and_no_value() -> None:
    preview = recorded("native-tag-change")  # the native plugin: only the secret tag is secret
    step = import_step(preview, "update")
    for state in (step["oldState"]["inputs"], step["oldState"]["outputs"], step["newState"]["inputs"]):
        state["sources"][0]["tags"] = {"assembly": "GRCh38", "billing": SECRET}
    rows = table(review.summarize(preview), "import")
    assert rows == [{"import": "`grch38`", "reference": "`GRCh38`", "tags": "tag `billing` changed"}]
    step["detailedDiff"] = {"sources[0].tags.billing": {"kind": "update"}, "sources[0].tags.team": {"kind": "add"}}
    step["newState"]["inputs"]["sources"][0]["tags"]["team"] = "genomics"
    [row] = table(review.summarize(preview), "import")
    assert row["tags"] == "tag `billing` changed, added `team`: `genomics`"  # tags in key order
    # the dynamic provider (`Output.secret`): all of `sources` is secret
    rows = table(review.summarize(recorded("secret-tag-change")), "import")
    assert [r["import"] for r in rows] == ["`grch38`", "`t2t-chm13`"]
    assert all("tags changed in place" in r["tags"] and "`sources` is secret" in r["tags"] for r in rows)


def test_a_secret_sources_removal_is_listed_as_deleting_every_reference() -> None:
    summary = review.summarize(recorded("secret-import-removed"))
    assert "**⚠ Every reference of 1 import(s) whose sources the preview hides will be deleted**" in summary
    assert deleted_rows(summary) == [{"reference": "every source (`sources` is secret in the preview)",
                                      "id": "`[secret]`", "import": "`t2t-chm13`",
                                      "why": "the import is removed from the stack"}]
    assert review.main([str(PREVIEWS / "secret-import-removed.json")]) == 0


def test_secret_sources_of_a_create_and_a_replacement_are_listed() -> None:
    rows = table(review.summarize(recorded("secret-new-stack")), "import")
    assert [(r["import"], r["source"]) for r in rows] == [("`grch38`", "`[secret]`"), ("`t2t-chm13`", "`[secret]`")]
    summary = review.summarize(recorded("secret-object-changed"))
    assert "the S3 object changed: [secret] version etag:55eb2acd9e495df6a8c5caf9aca02ce3 → " in summary
    assert "`[secret] #1` (new S3 version)" in summary


def test_a_value_unknown_at_preview_reads_known_after_apply() -> None:
    created = recorded("new-stack")
    created["steps"][2]["newState"]["inputs"]["sources"][0]["source_file"] = UNKNOWN
    summary = review.summarize(created)
    preview = previews.parse(created)
    assert UNKNOWN not in summary + review.comment(summary, preview)
    assert table(summary, "import")[0]["source"] == "(known after apply)"
    replaced = recorded("object-changed")
    import_step(replaced, "replace")["newState"]["inputs"]["sources"][0]["source_file"] = UNKNOWN
    summary = review.summarize(replaced)
    assert UNKNOWN not in summary and "GRCh38: source_file s3://refs-eu-west-1-1/grch38-demo.fa → (known after apply)" in summary


def test_the_guard_applies_a_reviewed_removal_with_secret_sources() -> None:
    removal = recorded("secret-import-removed")
    assert run_guard(removal, removal) == (0, "guard: every deletion and import job of this apply was in the reviewed preview.\n")
    code, out = run_guard(recorded("no-change"), removal)
    assert code == 1 and "import `t2t-chm13` would delete every reference it holds (secret in the preview: those of " \
        "import job `7232965546`, clientToken `pulumi-bc2a65c6568e09e2b073e8742020e4581d97ab8a`)" in out
    other = copy.deepcopy(removal)  # the same import, but another job: not what was reviewed
    import_step(other, "delete")["oldState"]["id"] = "1111111111"
    assert run_guard(removal, other)[0] == 1


def test_the_guard_refuses_a_deletion_whose_references_and_job_are_all_hidden() -> None:
    removal = recorded("secret-import-removed")
    state = import_step(removal, "delete")["oldState"]
    state["id"], state["outputs"]["used_client_token"] = SECRET, SECRET
    code, out = run_guard(removal, removal)
    assert code == 1 and "the preview hides which" in out and "Apply it by hand" in out


def test_the_guard_names_what_it_could_not_read() -> None:
    broken = recorded("import-removed")
    import_step(broken, "delete")["oldState"]["outputs"]["sources"] = 5
    broken["steps"].append({"op": "delete"})
    code, out = run_guard(broken, broken)
    assert code == 1 and "could not be read" in out and "- step 3 (it has no urn or op)" in out
    assert "the old outputs: sources (not a list)" in out
    code, out = run_guard(None, {"steps": "none"})
    assert code == 1 and "- steps (not a list)" in out
    assert "could not be read" in review.summarize(broken)
    assert guard.main(["/nonexistent/reviewed.json", "/nonexistent/planned.json"]) == 1


# --- The property: any preview of these resources, both faces, secret and unknown values anywhere.

TYPES = {"import": ("pulumi-python:dynamic/omics:ReferenceImportJob", "healthomics:index:ReferenceImportJob"),
         "store": ("pulumi-python:dynamic/omics:ReferenceStore", "healthomics:index:ReferenceStore")}
HIDDEN = st.sampled_from([SECRET, UNKNOWN])
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10).filter(lambda t: t not in (SECRET, UNKNOWN))
NAMES = st.one_of(TEXT, st.sampled_from([NCBI, "a|b", "`x`", " lead", "trail\t", "two\nlines", "a::b", '"q"', "\\|"]))
FLAG = st.one_of(st.none(), st.booleans(), HIDDEN)
STATUS = st.sampled_from(["ACTIVE", "DELETING", "DELETED", "FAILED"])


def maybe(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """The values of `strategy`, or a secret, or a value unknown at preview."""
    return st.one_of(strategy, HIDDEN)


TAGS = maybe(st.dictionaries(NAMES, maybe(NAMES), max_size=3))
SOURCE_IN = maybe(st.fixed_dictionaries({"name": maybe(NAMES), "source_file": maybe(NAMES)},
                                        optional={"description": maybe(NAMES), "tags": TAGS}))
SOURCE_OUT = maybe(st.fixed_dictionaries(
    {"name": maybe(NAMES), "source_file": maybe(NAMES), "reference_id": maybe(NAMES), "status": maybe(STATUS)},
    optional={"tags": TAGS, "arn": maybe(TEXT), "md5": maybe(TEXT)}))
OBJECTS = maybe(st.lists(maybe(st.fixed_dictionaries(
    {"bytes": st.one_of(st.integers(0, 20 * 1000**3), HIDDEN), "version": maybe(TEXT)})), max_size=3))
IMPORT_IN = st.fixed_dictionaries(
    {"reference_store_id": maybe(TEXT), "role_arn": maybe(TEXT), "sources": maybe(st.lists(SOURCE_IN, max_size=3)),
     "source_objects": OBJECTS, "resolved_client_token": maybe(TEXT)},
    optional={"adopt_existing": FLAG, "delete_adopted": FLAG, "client_token": maybe(TEXT), "region": maybe(TEXT)})
IMPORT_OUT = st.tuples(IMPORT_IN, st.fixed_dictionaries(
    {"sources": maybe(st.lists(SOURCE_OUT, max_size=3)), "job_id": maybe(TEXT), "used_client_token": maybe(TEXT),
     "status": maybe(TEXT)})).map(lambda both: {**both[0], **both[1]})
STORE_IN = st.fixed_dictionaries({"name": maybe(NAMES)},
                                 optional={"description": maybe(NAMES), "tags": TAGS, "adopt_existing": FLAG,
                                           "delete_adopted": FLAG})
STORE_OUT = st.tuples(STORE_IN, st.fixed_dictionaries({"store_id": maybe(TEXT)}, optional={"adopted": FLAG})).map(
    lambda both: {**both[0], **both[1]})
OPS = ["create", "update", "delete", "replace", "same"]


def camel(props: object, top: bool = True) -> object:
    """Properties as the native plugin's preview names them (camelCase), tags' keys kept."""
    if isinstance(props, list):
        return [camel(p, top=False) for p in props]
    if not isinstance(props, dict):
        return props
    return {re.sub(r"_(\w)", lambda m: m[1].upper(), k): v if k == "tags" else camel(v, top=False)
            for k, v in props.items()}


@st.composite
def resources(draw: st.DrawFn) -> list[dict]:
    """A model of each resource of a preview: kind, face, op, name, id, states (snake_case)."""
    found = []
    for name in draw(st.lists(NAMES.filter(bool), max_size=5, unique=True)):
        kind = draw(st.sampled_from(["import", "store"]))
        old_props, new_props = (IMPORT_OUT, IMPORT_IN) if kind == "import" else (STORE_OUT, STORE_IN)
        op = draw(st.sampled_from(OPS))
        refreshed = draw(st.booleans())
        found.append({
            "kind": kind, "native": draw(st.booleans()), "op": op, "name": name,
            "parent": draw(st.sampled_from(["", "my:index:Component$"])),
            "id": draw(maybe(TEXT)), "old": draw(old_props) if op != "create" or refreshed else None,
            "new": draw(new_props) if op != "delete" else None, "refreshed": refreshed,
            "three_steps": draw(st.booleans()), "diff": draw(st.lists(st.sampled_from(
                ["sources[0].tags", "sources[0].tags.a", 'sources[1].tags["x y"]', "sources"]), max_size=2)),
            "reasons": draw(st.lists(st.sampled_from(["name", "description", "tags"]), max_size=2))})
    return found


def preview_json(model: list[dict], diagnostics: list[dict]) -> dict:
    """The `pulumi preview --json` those resources make, as recorded previews are shaped."""
    steps = []
    for r in model:
        type_ = TYPES[r["kind"]][r["native"]]
        urn = f"urn:pulumi:test::omics-references::{r['parent']}{type_}::{r['name']}"
        names = camel if r["native"] else (lambda props: props)
        old = r["old"] and {"urn": urn, "type": type_, "id": r["id"], "inputs": names(r["old"]),
                            "outputs": names(r["old"])}
        new = r["new"] and {"urn": urn, "type": type_, "inputs": names(r["new"])}
        if r["refreshed"]:
            steps.append({"op": "refresh", "urn": urn, "oldState": old, "newState": old})
        ops = ["create-replacement", "replace", "delete-replaced"] if r["op"] == "replace" and r["three_steps"] \
            else [r["op"]]
        for op in ops:
            steps.append({"op": op, "urn": urn, **({"oldState": old} if op != "create" else {}),
                          **({"newState": new} if new else {}), "detailedDiff": {path: {"kind": "update"} for path in r["diff"]},
                          "replaceReasons": r["reasons"] if r["op"] == "replace" else None})
    return {"steps": steps, "diagnostics": diagnostics}


def leaving(r: dict) -> list[object]:
    """The ids of the references a removed or replaced import lets go of (one stands for all of
    a hidden `sources`): those with an id and not deleted already, or hidden."""
    if r["kind"] != "import" or r["op"] not in ("delete", "replace"):
        return []
    held = r["old"]["sources"]
    if isinstance(held, str):
        return [held]
    return [s if isinstance(s, str) else s["reference_id"] for s in held
            if isinstance(s, str) or (s["reference_id"] and s["status"] not in ("DELETING", "DELETED"))]


def expected_risks(r: dict) -> tuple[int, int]:
    """How many guarded changes a resource makes, and how many of them the guard cannot verify."""
    if r["kind"] == "store":
        return int(r["op"] in ("replace", "delete")), 0
    risks = blind = 0
    ids = leaving(r)
    released = r["old"] and r["old"].get("adopt_existing") is True and r["old"].get("delete_adopted") in (None, False)
    if ids and not released:
        risks += 1
        job = (r["id"], r["old"]["used_client_token"])
        blind += any(previews.hidden(i) for i in ids) and not all(v and not previews.hidden(v) for v in job)
    if r["op"] in ("create", "replace") and r["new"].get("adopt_existing") is not True:
        risks += 1
        blind += r["new"]["resolved_client_token"] == SECRET
    return risks, blind


DIAGNOSTICS = st.lists(st.fixed_dictionaries(
    {"message": st.one_of(TEXT, TEXT.map(lambda t: f"warning: {t}")),
     "severity": st.sampled_from(["info", "warning", "info#err", "error"])}), max_size=2)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=resources(), diagnostics=DIAGNOSTICS, stack=NAMES)
def test_any_preview_is_summarized_and_guarded_whole(model: list[dict], diagnostics: list[dict], stack: str) -> None:
    raw = preview_json(model, diagnostics)
    preview = previews.parse(copy.deepcopy(raw))
    summary = review.summarize(raw, stack or None, "0123456789abcdef")
    folded = review.comment(summary, preview)
    assert UNKNOWN not in folded  # a value unknown at preview reads "known after apply"
    tables = gfm_tables(folded)
    for header, rows in tables:
        assert all(len(row) == len(header) for row in rows), (header, rows)  # no cell split or lost
    risks = [expected_risks(r) for r in model]
    code, out = run_guard(raw, raw)
    assert code == (0 if not preview.failed and not any(blind for _, blind in risks) else 1), out
    assert len(guard.unreviewed(previews.Preview(), preview)) == sum(n for n, _ in risks)
    # a failed preview reviews nothing; else only what the guard cannot verify is refused
    assert len(guard.unreviewed(preview, preview)) == sum(n if preview.failed else blind for n, blind in risks)
    if preview.failed:
        return
    cells = {code_span_text(cell) for _, rows in tables for row in rows for cell in row}
    changed = [r for r in model if r["op"] != "same"]
    for r in changed:
        if r["kind"] == "import":
            assert shown(r["name"]) in cells, r["name"]  # every changed import has its row
        for reference_id in leaving(r):
            assert shown(reference_id) in cells  # every reference it lets go of
    [stores] = [rows for header, rows in tables if header[0] == "store"] or [[]]
    assert len(stores) == sum(r["kind"] == "store" for r in changed)  # every changed store
    deleting = [rows for header, rows in tables if header[0] == "reference"]
    assert sum(map(len, deleting)) == sum(len(leaving(r)) for r in changed)
