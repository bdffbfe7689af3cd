"""The report's charts as PNG bytes, readable on a phone (portrait, large type).

matplotlib's object API on the Agg canvas: no display, no pyplot state. This module runs in
a short-lived child process (``python -m bot.reports.charts``, started by
``bot.reports.drawing``): the bot itself never imports matplotlib. The PNG's metadata holds
only matplotlib's ``Software`` entry: the charts name no squad and no period beyond their
axes.
"""

from __future__ import annotations

import io
import json
import struct
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime

from babel.dates import format_date
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.domain import CrisisType
from bot.i18n import render
from bot.records.model import Perpetrator, Violation

# 1080 x 1350 pixels: a phone screen's width, portrait.
SIZE_IN = (7.2, 9.0)
DPI = 150
COLOURS = (
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666",
)  # fmt: skip


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _babel_lang(lang: str) -> str:
    return lang if lang in ("en", "zu", "af", "pt", "sw") else "en"


def activity_chart(
    weeks: Sequence[datetime],
    series: dict[CrisisType, list[int]],
    ack_minutes: Sequence[float],
    lang: str,
) -> bytes:
    """Alerts per week by type (stacked bars) above the times to acknowledge (a histogram)."""
    figure = Figure(figsize=SIZE_IN, layout="constrained")
    top, bottom = figure.subplots(2, 1, height_ratios=(3, 2))
    labels = [format_date(w, "d MMM", locale=_babel_lang(lang)) for w in weeks]
    base = [0] * len(weeks)
    for i, kind in enumerate(k for k in CrisisType if k in series):
        counts = series[kind]
        top.bar(
            range(len(weeks)),
            counts,
            bottom=base,
            label=render(f"crisis.{kind}", None, lang),
            color=COLOURS[i % len(COLOURS)],
        )
        base = [b + c for b, c in zip(base, counts, strict=True)]
    top.set_title(render("chart.per_week", None, lang), fontsize=16, loc="left")
    top.set_ylabel(render("chart.alerts", None, lang), fontsize=13)
    top.set_xticks(range(len(weeks)), labels, fontsize=12, rotation=45, ha="right")
    top.tick_params(axis="y", labelsize=12)
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    if series:
        top.legend(fontsize=11, loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2,
                   frameon=False)  # fmt: skip
    else:
        top.text(0.5, 0.5, render("chart.none", None, lang), ha="center", fontsize=14,
                 transform=top.transAxes)  # fmt: skip
    bottom.set_title(render("chart.ack", None, lang), fontsize=16, loc="left")
    if ack_minutes:
        top_minute = max(1, int(max(ack_minutes)) + 1)
        bins = min(12, top_minute)
        bottom.hist(list(ack_minutes), bins=bins, range=(0, top_minute), color=COLOURS[2])
    else:
        bottom.text(0.5, 0.5, render("chart.none", None, lang), ha="center", fontsize=14,
                    transform=bottom.transAxes)  # fmt: skip
    bottom.set_xlabel(render("chart.minutes", None, lang), fontsize=13)
    bottom.set_ylabel(render("chart.alerts", None, lang), fontsize=13)
    bottom.tick_params(labelsize=12)
    bottom.yaxis.set_major_locator(MaxNLocator(integer=True))
    return _png(figure)


def violations_chart(matrix: Mapping[Violation, Mapping[Perpetrator, int]], lang: str) -> bytes:
    """Violations by perpetrator (horizontal stacked bars), counted cases only."""
    figure = Figure(figsize=SIZE_IN, layout="constrained")
    axes = figure.subplots()
    violations = [v for v in Violation if v in matrix][::-1]
    names = [render(f"violation.{v}", None, lang) for v in violations]
    left = [0] * len(violations)
    for i, who in enumerate(Perpetrator):
        counts = [matrix[v].get(who, 0) for v in violations]
        if not any(counts):
            continue
        axes.barh(
            range(len(violations)),
            counts,
            left=left,
            label=render(f"perpetrator.{who}", None, lang),
            color=COLOURS[i % len(COLOURS)],
        )
        left = [a + b for a, b in zip(left, counts, strict=True)]
    axes.set_yticks(range(len(violations)), names, fontsize=12)
    axes.set_title(render("chart.violations", None, lang), fontsize=16, loc="left")
    axes.set_xlabel(render("chart.cases", None, lang), fontsize=13)
    axes.tick_params(axis="x", labelsize=12)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    figure.legend(fontsize=11, loc="outside lower center", ncols=2, frameon=False)
    return _png(figure)


def main() -> None:
    """The child process: one job (``bot.reports.drawing.job``, JSON) on stdin; each chart
    on stdout as a 4-byte big-endian length and its PNG bytes."""
    job = json.load(sys.stdin)
    lang = str(job["lang"])
    weeks = [datetime.fromisoformat(w) for w in job["weeks"]]
    series = {CrisisType(k): [int(n) for n in v] for k, v in job["series"].items()}
    pngs = [activity_chart(weeks, series, [float(m) for m in job["ack_minutes"]], lang)]
    matrix = {
        Violation(v): {Perpetrator(p): int(n) for p, n in row.items()}
        for v, row in job["violations"].items()
    }
    if matrix:
        pngs.append(violations_chart(matrix, lang))
    out = sys.stdout.buffer
    for png in pngs:
        out.write(struct.pack(">I", len(png)) + png)
    out.flush()


if __name__ == "__main__":
    main()
