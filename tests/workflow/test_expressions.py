"""The expression interpreter that the local workflow runner (omics_stack.actions) evaluates
`if:` and `${{ }}` with: GitHub's semantics for the operators the workflow uses."""

from __future__ import annotations

import pytest

from omics_stack.actions import Expression, ExpressionError, interpolate

CONTEXT = {
    "github": {"event_name": "push", "sha": "abc", "event": {"before": "0123", "pull_request": None}},
    "needs": {"stacks": {"outputs": {"stacks": '["refs"]'}}},
    "steps": {"preview": {"outcome": "success", "outputs": {"failed": "false"}}},
    "matrix": {"stack": "refs"},
    "__status": "success",
}
CASES = [
    pytest.param("github.event_name == 'PUSH'", True, id="strings-compare-ignoring-case"),
    pytest.param("github.event.pull_request.base.sha || github.event.before", "0123", id="or-returns-an-operand"),
    pytest.param("github.event_name == 'push' && needs.stacks.outputs.stacks != '[]'", True, id="and"),
    pytest.param("fromJSON(needs.stacks.outputs.stacks)", ["refs"], id="fromJSON"),
    pytest.param("!cancelled() && steps.preview.outcome == 'success'", True, id="not-and-status"),
    pytest.param("steps.missing.outputs.failed == 'true'", False, id="a-missing-step-is-null"),
    pytest.param("github.event.pull_request.head.repo.fork", None, id="a-missing-path-is-null"),
    pytest.param("failure()", False, id="failure-while-succeeding"),
    pytest.param("matrix['stack']", "refs", id="index"),
]


@pytest.mark.parametrize(("text", "value"), CASES)
def test_expressions_evaluate_as_github_does(text: str, value: object) -> None:
    assert Expression(text, CONTEXT).value() == value


def test_interpolation_writes_values_as_github_does() -> None:
    assert interpolate("reviewed-${{ matrix.stack }}-${{ github.event_name == 'push' }}", CONTEXT) == "reviewed-refs-true"


@pytest.mark.parametrize("text", ["format('{0}', 1)", "github.sha ==", "a ~ b"],
                         ids=["unsupported-function", "truncated", "unknown-operator"])
def test_what_it_does_not_understand_raises(text: str) -> None:
    with pytest.raises(ExpressionError):
        Expression(text, CONTEXT).value()
