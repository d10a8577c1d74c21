"""The SVG bar chart's geometry and the duration text (no database)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils.translation import override

from insights.charts import (
    Category,
    Series,
    bar_chart,
    month_categories,
    nice_step,
    one_decimal,
    whole,
)
from insights.templatetags.insights import duration


@pytest.mark.parametrize(
    ("maximum", "step"), [(0, 1), (3, 1), (4, 1), (7, 2), (9, 5), (20, 5), (41, 20), (950, 500)]
)
def test_gridlines_are_round_steps(maximum, step):
    assert nice_step(maximum) == step


def chart(*series):
    return bar_chart(
        chart_id="c",
        title="T",
        description="D",
        categories=[Category("A", "", "A"), Category("B", "", "B"), Category("C", "", "C")],
        series=list(series),
    )


def test_bars_are_as_high_as_their_values_and_stack_bottom_up():
    result = chart(Series("x", "#000", [4, 2, 0]), Series("y", "#fff", [2, 0, 0]))

    first, second, third = result.columns
    baseline = result.baseline
    assert [column.total for column in result.columns] == [6, 2, 0]
    assert [tick.value for tick in result.ticks] == [0, 2, 4, 6]
    bottom, top = first.rects
    assert bottom.y + bottom.height == pytest.approx(baseline, abs=0.1)
    assert top.y + top.height == pytest.approx(bottom.y, abs=0.1)
    assert bottom.height == pytest.approx(2 * top.height, abs=0.2)
    assert second.rects[0].height == pytest.approx(top.height, abs=0.1)
    assert third.rects == []  # no zero-height bars
    assert result.ticks[-1].y == pytest.approx(top.y, abs=0.1)  # 6 reaches the top line
    assert [column.center for column in result.columns] == sorted(
        column.center for column in result.columns
    )
    assert result.legend[0].label == "x"


def test_a_chart_of_nothing_has_an_axis_and_no_bars():
    result = chart(Series("x", "#000", [0, 0, 0]))

    assert all(column.rects == [] for column in result.columns)
    assert [tick.value for tick in result.ticks] == [0, 1]
    assert result.legend == []  # one series needs no legend


def test_month_labels_name_the_year_on_the_first_bar_and_in_january():
    with override("en"):
        categories = month_categories([date(2024, 11, 1), date(2024, 12, 1), date(2025, 1, 1)])
        from_december = month_categories([date(2024, 12, 1), date(2025, 1, 1)])

    assert [(c.label, c.sublabel, c.title) for c in categories] == [
        ("Nov", "2024", "November 2024"),
        ("Dec", "", "December 2024"),
        ("Jan", "2025", "January 2025"),
    ]
    # two years side by side would overlap: January's is enough
    assert [c.sublabel for c in from_december] == ["", "2025"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "—"),
        (timedelta(seconds=59), "less than a minute"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
        (timedelta(days=1, hours=12), "1 day 12 hours"),
        (timedelta(days=2, minutes=5), "2 days"),
        (timedelta(days=3, hours=2, minutes=59), "3 days 2 hours"),
    ],
)
def test_durations_read_in_their_two_largest_units(value, text):
    with override("en"):
        assert duration(value) == text


def test_grouped_bars_stand_side_by_side_from_the_baseline():
    result = bar_chart(
        chart_id="c",
        title="T",
        description="D",
        categories=[Category("A", "", "A"), Category("B", "", "B")],
        series=[Series("q", "#000", [40, 10]), Series("a", "#fff", [30, 0])],
        grouped=True,
    )

    quoted, approved = result.columns[0].rects
    assert quoted.y + quoted.height == pytest.approx(result.baseline, abs=0.1)
    assert approved.y + approved.height == pytest.approx(result.baseline, abs=0.1)
    assert approved.x == pytest.approx(quoted.x + quoted.width, abs=0.1)
    assert approved.height == pytest.approx(quoted.height * 3 / 4, abs=0.2)
    assert [column.total for column in result.columns] == [40, 10]  # the taller bar, not a sum
    assert [column.total_text for column in result.columns] == ["", ""]


def test_a_measure_chart_writes_every_value_and_a_dash_where_there_is_none():
    with override("nl"):
        result = bar_chart(
            chart_id="c",
            title="T",
            description="D",
            categories=[Category("A", "", "A"), Category("B", "", "B"), Category("C", "", "C")],
            series=[Series("r", "#000", [Decimal("2.5"), None, Decimal("0")])],
            text=one_decimal,
            measure=True,
        )

    assert [column.total_text for column in result.columns] == ["2,5", "–", "0,0"]
    assert [len(column.rects) for column in result.columns] == [1, 0, 0]
    assert result.columns[0].rects[0].title == "A, r: 2,5"


def test_long_axis_values_widen_the_left_margin():
    with override("nl"):
        result = bar_chart(
            chart_id="c",
            title="T",
            description="D",
            categories=[Category("A", "", "A")],
            series=[Series("v", "#000", [Decimal("45000.00")])],
            text=whole,
        )

    assert [tick.text for tick in result.ticks] == ["0", "20.000", "40.000", "60.000"]
    assert result.plot_left > 32
    assert result.columns[0].rects[0].x > result.plot_left
