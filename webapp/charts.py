"""Bar charts drawn by the server as SVG (templates/charts.html), no script needed: the figures
of a table as horizontal bars, one bar per series in each row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

WIDTH = 560
LABEL_WIDTH = 210  # the row labels, right-aligned before the bars
BAR_SPACE = 240  # the longest bar; its value is written after it
BAR_HEIGHT = 18
ROW_GAP = 10
LABEL_CHARS = 30  # a longer label is cut, whole in its tooltip and in the table


@dataclass(frozen=True)
class Series:
    key: str  # its colour in radar.css: .series-KEY
    name: str = ""


ONE_SERIES = [Series("value")]


@dataclass(frozen=True)
class Bar:
    series: str  # the key of its series
    text: str  # the value as the table beside shows it
    y: int
    width: float


@dataclass(frozen=True)
class Row:
    label: str
    y: int  # of the label's baseline
    bars: list[Bar]

    @property
    def short(self) -> str:
        return self.label if len(self.label) <= LABEL_CHARS else self.label[: LABEL_CHARS - 1] + "…"


@dataclass(frozen=True)
class Chart:
    rows: list[Row]
    series: list[Series]  # shown as a legend when there are several
    height: int
    width: int = WIDTH
    label_width: int = LABEL_WIDTH
    bar_height: int = BAR_HEIGHT

    @property
    def empty(self) -> bool:
        return not any(bar.width for row in self.rows for bar in row.bars)


def bar_chart(
    rows: Sequence[tuple[str, Sequence[float]]],
    text: Callable[[float], str],
    series: Sequence[Series] = ONE_SERIES,
) -> Chart:
    """A chart of `rows` (a label and a value per series), each value written by `text`, the
    bars scaled to the largest value."""
    largest = max((value for _, values in rows for value in values), default=0) or 1
    charted, y = [], ROW_GAP
    for label, values in rows:
        bars = [
            Bar(kind.key, text(value), y + n * BAR_HEIGHT, round(BAR_SPACE * value / largest, 1))
            for n, (kind, value) in enumerate(zip(series, values, strict=True))
        ]
        middle = y + len(values) * BAR_HEIGHT // 2 + 4
        charted.append(Row(label, middle, bars))
        y += len(values) * BAR_HEIGHT + ROW_GAP
    return Chart(charted, list(series), height=y)
