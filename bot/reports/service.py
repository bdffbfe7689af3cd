"""``Reports``: ``/report [month|quarter|YYYY-MM]``, a lead's summary, charts and CSV."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from bot.core import Caller, Core, require_lead, require_private, resolve_single_scope
from bot.intents import Attachment, FileKind, Reply, Text, refuse, refusing
from bot.languages import language_of_chat
from bot.messages import format_age, listing, money, t
from bot.reports.anonymised import anonymised_csv
from bot.reports.drawing import DrawingFailed, draw, job
from bot.reports.figures import Figures, counted, figures, weekly
from bot.reports.periods import Period, Span, span_of
from data import fund_ledger as fund_q
from data import report_cases as report_q
from data.report_referrals import ReferralFigures, referral_figures, referral_outcomes


def _counts(counter: Counter[str], prefix: str) -> dict[str, Any]:
    """ "arrest or detention: 3, robbery: 1", most first; "none" when empty."""
    if not counter:
        return t("report.nothing")
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return listing([t("report.count", item=t(f"{prefix}.{k}"), count=n) for k, n in ordered])


def _time(seconds: float | None) -> dict[str, Any]:
    return format_age(seconds) if seconds is not None else t("report.nothing")


class Reports:
    def __init__(self, core: Core) -> None:
        self.core = core
        # One drawing child at a time: each takes about 80 MB and most of a core while it
        # draws, so a run of reports queues its charts instead of crowding out the alerts.
        self._drawing = asyncio.Semaphore(1)

    @refusing
    async def report(self, caller: Caller, period: Period) -> Reply:
        """A lead's report for ``period``: a summary, one or two charts and the CSV."""
        require_private(caller)
        tz = self.core.settings.timezone
        try:
            span = span_of(period, self.core.now(), tz)
        except ValueError:
            return refuse("report.future")
        async with self.core.store.reading() as db:
            scope = await resolve_single_scope(db, caller)
            require_lead(scope.member)
            squad_id = scope.squad.id
            cases = await report_q.cases_raised(db, squad_id, span.start, span.end)
            closed = await report_q.closed_count(db, squad_id, span.start, span.end)
            spent = await report_q.fund_spent(db, squad_id, span.start, span.end)
            currency = (await fund_q.settings_of(db, squad_id)).currency
            grace_s = self.core.settings.followup_grace.total_seconds()
            # Follow-ups count once they fell due: up to now, for a period still running.
            until = min(span.end, self.core.now())
            referrals = await referral_figures(db, squad_id, span.start, until, grace_s)
            consenting = counted(cases)
            outcomes = await referral_outcomes(db, [c.alert_id for c in consenting])
            lang = await language_of_chat(db, caller.user_id, caller.language_code or None)
        found = figures(cases, closed)
        weeks, series = weekly(cases, span.start, span.end, tz)
        ack = [
            (c.acknowledged_at - c.created_at) / 60
            for c in cases
            if c.acknowledged_at and c.acknowledged_at >= c.created_at
        ]
        drawing = job(weeks, series, ack, found.violation_perpetrator, lang)
        table = Attachment(
            FileKind.DOCUMENT,
            f"cases-{span.slug}.csv",
            anonymised_csv(consenting, tz, outcomes),
            caption=Text("report.csv_caption", {"rows": len(consenting)}),
        )

        async def charts_then_table() -> tuple[Attachment, ...]:
            """The charts take a second or two (a child process draws them): the summary
            goes first, then the charts, then the CSV."""
            try:
                async with self._drawing:
                    pngs = await draw(drawing)
            except DrawingFailed:
                return (table,)
            names = ("alerts", "violations")
            return (
                *(
                    Attachment(FileKind.PHOTO, f"{name}-{span.slug}.png", png)
                    for name, png in zip(names, pngs, strict=False)
                ),
                table,
            )

        lines = summary(span, found, referrals, spent, currency)
        return Reply(text=Text("lines", {"lines": lines}), later=charts_then_table)


def summary(
    span: Span,
    found: Figures,
    referrals: ReferralFigures,
    spent: dict[str, Any],
    currency: str | None,
) -> list[dict[str, Any]]:
    """The summary's lines: counts and medians, nothing that names a person or a place."""
    lines = [
        t("report.title", period=span.label),
        t("report.alerts", raised=found.raised, closed=found.closed),
        t(
            "report.medians",
            ack=_time(found.ack_s),
            arrive=_time(found.arrive_s),
            close=_time(found.close_s),
        ),
        t("report.by_type", items=_counts(found.by_type, "crisis")),
        t("report.by_outcome", items=_counts(found.by_outcome, "outcome")),
        t("report.counted", count=found.counted),
        t("report.by_violation", items=_counts(found.by_violation, "violation")),
        t("report.by_perpetrator", items=_counts(found.by_perpetrator, "perpetrator")),
    ]
    lines.append(t("report.referrals", count=referrals.completed))
    lines.append(
        t("report.followups", done=referrals.followups_on_time, due=referrals.followups_due)
    )
    if spent:
        items = listing(
            [
                t("report.spent_item", purpose=t(f"purpose.{p}"), amount=money(a, currency))
                for p, a in sorted(spent.items())
            ]
        )
        lines.append(t("report.fund", items=items))
    else:
        lines.append(t("report.fund_none"))
    lines.append(t("report.files"))
    return lines
