"""Bar charts drawn on the server as inline SVG.

This module does the geometry; `templates/insights/_bar_chart.html` only draws what it is
given, so the page needs no JavaScript and no chart library. A chart is for the eye: every
number it shows is also in a table on the page.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from insights.selectors import (
    CheckStatistics,
    PhotoStatistics,
    QuoteStatistics,
    TransferStatistics,
)

WIDTH, HEIGHT = 640, 220  # a full-width chart; small multiples are narrower
SMALL_WIDTH, SMALL_HEIGHT = 380, 190
LEFT, RIGHT, TOP, BOTTOM = 32, 4, 18, 38  # room for the axis values, totals and month names
BAR_SHARE = 0.7  # of each month's band; the rest is the gap between bars

COMPLETED, AWAITING, CHECKS = "#2e7d32", "#a85d00", "#1f5fbf"
# Quotes: approved green, declined orange (as completed/awaiting), expired grey, sent blue.
APPROVED, DECLINED, EXPIRED, SENT = COMPLETED, AWAITING, "#6b6b6b", CHECKS
QUOTED = "#8fb3e8"  # the quoted value, lighter beside the approved value
NO_VALUE = "–"  # above a month without a value (nothing to take a rate or median of)

Number = int | float | Decimal


def whole(value: Number) -> str:
    return number_format(value, decimal_pos=0, force_grouping=True)


def one_decimal(value: Number) -> str:
    return number_format(value, decimal_pos=1)


@dataclass(frozen=True)
class Series:
    label: str
    color: str
    values: list[Number | None]  # None: no value that month (only in a `measure` chart)


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
    total: Number
    total_y: float
    rects: list[Rect]
    total_text: str = ""  # above the column; empty for none


@dataclass(frozen=True)
class Tick:
    value: int
    y: float
    text: str = ""


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
    left: int = LEFT  # wider for long axis values (euros)

    @property
    def plot_left(self) -> int:
        return self.left

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


def nice_step(maximum: Number, ticks: int = 4) -> int:
    """A round step (1, 2, 5, 10, 20, ...) for about `ticks` gridlines up to `maximum`."""
    raw = float(maximum) / ticks
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
    text: Callable[[Number], str] = str,
    grouped: bool = False,
    measure: bool = False,
) -> BarChart:
    """Stacked bars (one series is plain bars): one column per category, series bottom up.

    `grouped` puts the series side by side instead (amounts that do not add up); `measure`
    is one series of a figure per month (a rate, a median) that may be None, and writes every
    value above its bar (0 included; "–" where there is none). `text` writes the values.
    """
    rows = list(zip(*([v or 0 for v in s.values] for s in series), strict=True))
    totals = [max(row, default=0) if grouped else sum(row) for row in rows]
    step = nice_step(max(totals, default=0))
    top_value = max(step, math.ceil(float(max(totals, default=0)) / step) * step)
    ticks_values = range(0, top_value + 1, step)
    left = max(LEFT, 8 + 7 * max(len(text(v)) for v in ticks_values))
    plot_height = height - TOP - BOTTOM
    baseline = height - BOTTOM
    band = (width - left - RIGHT) / max(len(categories), 1)
    bar_width = round(band * BAR_SHARE, 1)
    each_width = round(bar_width / len(series), 1) if grouped and series else bar_width

    def y_of(value: Number) -> float:
        return round(baseline - float(value) / top_value * plot_height, 1)

    columns = []
    for index, category in enumerate(categories):
        x = round(left + index * band + (band - bar_width) / 2, 1)
        rects, below = [], 0
        for position, each in enumerate(series):
            value = each.values[index]
            bottom = 0 if grouped else below
            if value:
                rects.append(
                    Rect(
                        x=round(x + position * each_width, 1) if grouped else x,
                        y=y_of(bottom + value),
                        width=each_width,
                        height=round(y_of(bottom) - y_of(bottom + value), 1),
                        color=each.color,
                        title=f"{category.title}, {each.label}: {text(value)}",
                    )
                )
            below += value or 0
        if measure:
            value = series[0].values[index]
            total_text = NO_VALUE if value is None else text(value)
        else:
            total_text = "" if grouped or not totals[index] else text(totals[index])
        columns.append(
            Column(
                center=round(left + (index + 0.5) * band, 1),
                label=category.label,
                sublabel=category.sublabel,
                total=totals[index],
                total_y=y_of(totals[index]) - 4,
                rects=rects,
                total_text=total_text,
            )
        )
    ticks = [Tick(value=v, y=y_of(v), text=text(v)) for v in ticks_values]
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        columns=columns,
        ticks=ticks,
        legend=list(series) if len(series) > 1 else [],
        width=width,
        height=height,
        left=left,
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


def _days(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds() / 86400


def quote_charts(quotes: QuoteStatistics) -> list[BarChart]:
    """Small charts of the quotes per month: sent, their outcomes, the approval rate, quoted
    against approved value, and the median days from check to approval."""
    months = [row.month for row in quotes.months]
    categories = month_categories(months)
    period = _period(months)
    small = {"categories": categories, "width": SMALL_WIDTH, "height": SMALL_HEIGHT}
    same = _("The table below has the same numbers.")
    return [
        bar_chart(
            chart_id="chart-quotes-sent",
            title=_("Quotes sent per month"),
            description=_("Bars per month from %(first)s to %(last)s.") % period + " " + same,
            series=[Series(_("Sent"), SENT, [row.sent for row in quotes.months])],
            **small,
        ),
        bar_chart(
            chart_id="chart-quote-outcomes",
            title=_("Quotes approved, declined and expired per month"),
            description=_(
                "Stacked bars per month from %(first)s to %(last)s: quotes approved, declined "
                "and expired in the month."
            )
            % period
            + " "
            + same,
            series=[
                Series(_("Approved"), APPROVED, [row.approved for row in quotes.months]),
                Series(_("Declined"), DECLINED, [row.declined for row in quotes.months]),
                Series(_("Expired"), EXPIRED, [row.expired for row in quotes.months]),
            ],
            **small,
        ),
        bar_chart(
            chart_id="chart-approval-rate",
            title=_("Approval rate per month (%)"),
            description=_(
                "Bars per month from %(first)s to %(last)s: the percentage of the quotes "
                "answered or expired in the month that were approved; a dash where none were."
            )
            % period
            + " "
            + same,
            series=[Series(_("Approval rate"), APPROVED, [r.approval_rate for r in quotes.months])],
            text=whole,
            measure=True,
            **small,
        ),
        bar_chart(
            chart_id="chart-quote-value",
            title=_("Quoted and approved value per month (€, excl. VAT)"),
            description=_(
                "Pairs of bars per month from %(first)s to %(last)s: the value of the quotes "
                "sent and the value approved in the month, in euros excluding VAT."
            )
            % period
            + " "
            + same,
            series=[
                Series(_("Quoted"), QUOTED, [row.quoted_excl for row in quotes.months]),
                Series(_("Approved"), APPROVED, [row.approved_excl for row in quotes.months]),
            ],
            text=whole,
            grouped=True,
            **small,
        ),
        bar_chart(
            chart_id="chart-time-to-approval",
            title=_("Median days from check to approval per month"),
            description=_(
                "Bars per month from %(first)s to %(last)s: the median time in days from the "
                "status check to the owner's approval, of the quotes approved in the month; "
                "a dash where none were."
            )
            % period
            + " "
            + same,
            series=[
                Series(
                    _("Median days"),
                    CHECKS,
                    [_days(row.median_to_approval) for row in quotes.months],
                )
            ],
            text=one_decimal,
            measure=True,
            **small,
        ),
    ]


def photos_chart(photos: PhotoStatistics) -> BarChart:
    months = [row.month for row in photos.months]
    return bar_chart(
        chart_id="chart-photos-per-check",
        title=_("Photos per status check per month"),
        description=_(
            "Bars per month from %(first)s to %(last)s: the average number of photos on the "
            "status checks of the month; a dash where there were no checks."
        )
        % _period(months)
        + " "
        + _("The table below has the same numbers."),
        categories=month_categories(months),
        series=[Series(_("Photos per check"), CHECKS, [row.per_check for row in photos.months])],
        text=one_decimal,
        measure=True,
        width=SMALL_WIDTH,
        height=SMALL_HEIGHT,
    )
