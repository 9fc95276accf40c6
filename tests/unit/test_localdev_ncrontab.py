"""The local host's NCRONTAB schedules (Azure Functions timer triggers: six fields)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from localdev.ncrontab import Schedule

T = datetime(2026, 11, 20, 12, 0, 0, tzinfo=UTC)  # a Friday


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 */2 * * * *", T, datetime(2026, 11, 20, 12, 2, 0, tzinfo=UTC)),
        ("*/5 * * * * *", T, datetime(2026, 11, 20, 12, 0, 5, tzinfo=UTC)),
        ("0 30 9 * * *", T, datetime(2026, 11, 21, 9, 30, 0, tzinfo=UTC)),
        ("0 0 9 * * Mon-Fri", T, datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)),
        ("0 0 0 1 Jan *", T, datetime(2027, 1, 1, 0, 0, 0, tzinfo=UTC)),
        ("0 15,45 * * * *", T, datetime(2026, 11, 20, 12, 15, 0, tzinfo=UTC)),
        ("5 * * * *", T, datetime(2026, 11, 20, 12, 5, 0, tzinfo=UTC)),  # five fields: second 0
    ],
)
def test_the_next_occurrence_is_the_first_matching_second_after_now(expression, after, expected):
    assert Schedule.parse(expression).next_after(after) == expected


def test_an_occurrence_exactly_now_is_not_the_next_one():
    assert Schedule.parse("0 0 12 * * *").next_after(T) == datetime(2026, 11, 21, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression", ["* * *", "60 * * * * *", "*/0 * * * * *", "0 0 0 32 * *", "x * * * * *"]
)
def test_malformed_expressions_are_refused(expression):
    with pytest.raises(ValueError):
        Schedule.parse(expression)
