"""Bar charts drawn on the server as inline SVG.

This module does the geometry; `templates/insights/_bar_chart.html` only draws what it is
given, so the page needs no JavaScript and no chart library. A chart is for the eye: every
number it shows is also in a table on the page.
"""

import math
from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from insights.selectors import CheckStatistics, TransferStatistics

WIDTH, HEIGHT = 640, 220  # a full-width chart; small multiples are narrower
SMALL_WIDTH, SMALL_HEIGHT = 380, 190
LEFT, RIGHT, TOP, BOTTOM = 32, 4, 18, 38  # room for the axis values, totals and month names
BAR_SHARE = 0.7  # of each month's band; the rest is the gap between bars

COMPLETED, AWAITING, CHECKS = "#2e7d32", "#a85d00", "#1f5fbf"


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    values: list[int]


@dataclass(frozen=True)
class Category:
    label: str  # under the bar: "Jan"
    sublabel: str  # under that: the year, where it starts
    title: str  # in full, for the bar's tooltip: "January 2025"


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str


@dataclass(frozen=True)
class Column:
    center: float
    label: str
    sublabel: str
    total: int
    total_y: float
    rects: list[Rect]


@dataclass(frozen=True)
class Tick:
    value: int
    y: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    columns: list[Column]
    ticks: list[Tick]
    legend: list[Series]
    width: int
    height: int

    @property
    def plot_left(self) -> int:
        return LEFT

    @property
    def plot_right(self) -> int:
        return self.width - RIGHT

    @property
    def baseline(self) -> int:
        return self.height - BOTTOM

    @property
    def label_y(self) -> int:
        return self.baseline + 16

    @property
    def sublabel_y(self) -> int:
        return self.baseline + 31


def nice_step(maximum: int, ticks: int = 4) -> int:
    """A round step (1, 2, 5, 10, 20, ...) for about `ticks` gridlines up to `maximum`."""
    raw = maximum / ticks
    if raw <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    categories: list[Category],
    series: list[Series],
    width: int = WIDTH,
    height: int = HEIGHT,
) -> BarChart:
    """Stacked bars (one series is plain bars): one column per category, series bottom up."""
    totals = [sum(values) for values in zip(*(s.values for s in series), strict=True)]
    step = nice_step(max(totals, default=0))
    top_value = max(step, math.ceil(max(totals, default=0) / step) * step)
    plot_height = height - TOP - BOTTOM
    baseline = height - BOTTOM
    band = (width - LEFT - RIGHT) / max(len(categories), 1)
    bar_width = round(band * BAR_SHARE, 1)

    def y_of(value: float) -> float:
        return round(baseline - value / top_value * plot_height, 1)

    columns = []
    for index, category in enumerate(categories):
        x = round(LEFT + index * band + (band - bar_width) / 2, 1)
        rects, below = [], 0
        for each in series:
            value = each.values[index]
            if value:
                rects.append(
                    Rect(
                        x=x,
                        y=y_of(below + value),
                        width=bar_width,
                        height=round(y_of(below) - y_of(below + value), 1),
                        color=each.color,
                        title=f"{category.title}, {each.label}: {value}",
                    )
                )
            below += value
        columns.append(
            Column(
                center=round(LEFT + (index + 0.5) * band, 1),
                label=category.label,
                sublabel=category.sublabel,
                total=totals[index],
                total_y=y_of(totals[index]) - 4,
                rects=rects,
            )
        )
    ticks = [Tick(value=v, y=y_of(v)) for v in range(0, top_value + 1, step)]
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        columns=columns,
        ticks=ticks,
        legend=list(series) if len(series) > 1 else [],
        width=width,
        height=height,
    )


def month_categories(months: list[date]) -> list[Category]:
    return [
        Category(
            label=date_format(month, "M"),
            # Under January, and under the first bar unless January is right next to it.
            sublabel=(
                date_format(month, "Y")
                if month.month == 1 or (index == 0 and month.month != 12)
                else ""
            ),
            title=date_format(month, "YEAR_MONTH_FORMAT"),
        )
        for index, month in enumerate(months)
    ]


def _period(months: list[date]) -> dict[str, str]:
    return {
        "first": date_format(months[0], "YEAR_MONTH_FORMAT"),
        "last": date_format(months[-1], "YEAR_MONTH_FORMAT"),
    }


def transfers_chart(transfers: TransferStatistics) -> BarChart:
    months = [row.month for row in transfers.months]
    return bar_chart(
        chart_id="chart-transfers",
        title=_("Transfers to customers per month"),
        description=_(
            "Stacked bars per month from %(first)s to %(last)s: completed transfers and "
            "transfers awaiting activation. The table below has the same numbers."
        )
        % _period(months),
        categories=month_categories(months),
        series=[
            Series(_("Completed"), COMPLETED, [row.completed for row in transfers.months]),
            Series(_("Awaiting activation"), AWAITING, [row.awaiting for row in transfers.months]),
        ],
    )


def checks_charts(checks: CheckStatistics) -> list[BarChart]:
    """One small chart per person: bars of different people never stack into a guess."""
    categories = month_categories(checks.months)
    return [
        bar_chart(
            chart_id=f"chart-checks-{index}",
            title=_("Status checks by %(name)s per month") % {"name": mechanic.name},
            description=_(
                "Bars per month from %(first)s to %(last)s. The table below has the same numbers."
            )
            % _period(checks.months),
            categories=categories,
            series=[Series(_("Status checks"), CHECKS, mechanic.counts)],
            width=SMALL_WIDTH,
            height=SMALL_HEIGHT,
        )
        for index, mechanic in enumerate(checks.mechanics, start=1)
    ]
