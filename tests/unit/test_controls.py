"""Each control takes values of the type its field declares, and refuses others naming itself."""

from __future__ import annotations

import pytest

from omics_emulator.controls import Controls
from omics_emulator.exceptions import ValidationException

ACCEPTED = [
    ("import_seconds", "2.5", 2.5), ("seed", "7", 7), ("seed", None, None),
    ("strict_formats", True, True), ("busy_answer", "queue", "queue"),
    ("deny_operations", ["GetReference"], ["GetReference"]),
    ("in_use_references", {"123": "a workflow run"}, {"123": "a workflow run"}),
    ("object_sizes", {"s3://b/k.fa": 10}, {"s3://b/k.fa": 10}), ("time_scale", "50", 50.0),
]
REFUSED = [
    ("import_seconds", "soon", "must be a number"), ("throttle_rate", 1.5, "out of range"),
    ("strict_formats", "yes", "must be true or false"), ("token_reuse", "maybe", "must be one of original, conflict"),
    ("deny_operations", "GetReference", "must be a list of strings"),
    ("in_use_references", {"123": 4}, "must map strings to str values"),
    ("object_sizes", {"s3://b/k.fa": -1}, "sizes of 0 or more"), ("object_sizes", {"s3://b/k.fa": "big"}, "to int values"),
    ("time_scale", 0, "out of range"), ("time_scale", -2, "out of range"),
    ("no_such_control", 1, "unknown control 'no_such_control'"),
]


@pytest.mark.parametrize(("name", "value", "parsed"), ACCEPTED)
def test_a_value_of_the_declared_type_is_taken(name: str, value: object, parsed: object) -> None:
    controls = Controls()
    controls.update({name: value})
    assert getattr(controls, name) == parsed


@pytest.mark.parametrize(("name", "value", "rule"), REFUSED)
def test_a_value_of_another_type_is_refused_naming_the_control(name: str, value: object, rule: str) -> None:
    controls = Controls()
    with pytest.raises(ValidationException) as excinfo:
        controls.update({name: value})
    assert rule in str(excinfo.value) and name in str(excinfo.value)
