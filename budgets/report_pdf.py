"""The official PDF reports: a pool's results report and the council's summary of a cycle.

WeasyPrint renders HTML templates (`templates/budgets/report/`). Every number comes from
`budgets.results.pool_results`, so the PDF says what the results page says. The only fonts
are the vendored Noto Sans files under `static/fonts/` (Latin, Cyrillic and Turkish letters,
a monospace face for the recount code, Symbols 2 for ✓ and the like): the URL fetcher serves
files under the static directories and nothing else, so a report neither depends on the
server's fonts nor reaches the network. Rendering only reads the database.

Two renders of the same report differ only in their generated-at time.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from budgets.models import (
    Add1Stop,
    BallotFreeze,
    Cycle,
    Pool,
    Report,
    Tally,
    TallyRule,
    TieBreak,
)
from budgets.results import PoolResults, TurnoutRow, pool_results
from civic.formatting import number

# (CSS family, weight, file under a static directory)
FONTS = (
    ("Civic Sans", "normal", "fonts/NotoSans-Regular.ttf"),
    ("Civic Sans", "bold", "fonts/NotoSans-Bold.ttf"),
    ("Civic Mono", "normal", "fonts/NotoSansMono-Regular.ttf"),
    ("Civic Symbols", "normal", "fonts/NotoSansSymbols2-Regular.ttf"),
)
# The families the text is drawn with, in order: Noto Sans lacks ✓ (in Symbols 2) and
# arrows (in the monospace face). The charts name Noto Sans for browsers; a PDF uses these.
CHART_FONT = "Civic Sans, Civic Symbols, Civic Mono"
# A chart taller than this many bars would not fit on a page at a legible size.
CHART_MAX_ROWS = 40

logger = logging.getLogger(__name__)


class ReportRenderError(RuntimeError):
    """The PDF could not be rendered as specified (a font or resource failed to load)."""


# Rendering ---------------------------------------------------------------------------------


def render_pool_report(
    *, pool: Pool, tally: Tally, report: Report | None = None, language: str
) -> bytes:
    """The results report of a finished tally of the pool, in `language`, as PDF bytes.

    `report` is the version being rendered and stored; None renders an ad-hoc draft, which
    carries a DRAFT watermark. Reads only.
    """
    _check_language(language)
    with translation.override(language):
        results = pool_results(pool=pool, tally=tally, report=report)
        version = report.version if report is not None else None
        # Only an ad-hoc render is a draft: stored versions are rendered before the council
        # decides and never change after, so their approval is shown by the site, not the file.
        draft = report is None
        generated_at = timezone.localtime(_now())
        generated = formats.date_format(generated_at, "DATETIME_FORMAT")
        district, cycle = pool.district, pool.cycle
        state = _("draft") if version is None else _("version %(version)s") % {"version": version}
        context = {
            "results": results,
            "pool": pool,
            "district": district,
            "cycle": cycle,
            "city": _city_name(language),
            "report": report,
            "version": version,
            "draft": draft,
            "approved": not draft,
            "generated_at": generated_at,
            "options": _options(results),
            "turnout": _turnout(results),
            "freeze": BallotFreeze.objects.filter(pool=pool).defer("ballots_pb").first(),
            "decisions": _decisions(pool),
            "charts": _pool_charts(results),
            "ballots_url": _absolute(reverse("budgets:pool_ballots", args=[pool.pk])),
            "results_url": _absolute(reverse("budgets:pool_results", args=[pool.pk])),
            "style": _style(
                footer=f"{district.name} · {cycle.title} · {state} · {generated}",
                draft=draft,
            ),
        }
        html = render_to_string("budgets/report/district.html", context)
        return _pdf(html)


def render_cycle_summary(*, cycle: Cycle, reports: list[Report], language: str) -> bytes:
    """The council's summary of a cycle, in `language`, as PDF bytes: one row per district
    (from `reports`, each pool's latest approved version), charts, and a link to each
    district's report. Reads only."""
    _check_language(language)
    with translation.override(language):
        rows = []
        for report in sorted(reports, key=lambda r: _collation(r.pool.district.name)):
            results = pool_results(pool=report.pool, tally=report.tally, report=report)
            rows.append(
                SummaryRow(
                    report=report,
                    results=results,
                    share=_share(results.turnout.ballots, results.turnout.eligible),
                    url=_absolute(reverse("budgets:report_file", args=[report.pk, language])),
                )
            )
        generated_at = timezone.localtime(_now())
        generated = formats.date_format(generated_at, "DATETIME_FORMAT")
        totals = _summary_totals(rows)
        context = {
            "cycle": cycle,
            "city": _city_name(language),
            "rows": rows,
            "totals": totals,
            "charts": _summary_charts(rows, totals),
            "generated_at": generated_at,
            "style": _style(
                footer=f"{_('Summary for the council')} · {cycle.title} · {generated}",
                draft=False,
            ),
        }
        html = render_to_string("budgets/report/summary.html", context)
        return _pdf(html)


def _now():
    return timezone.now()


def _check_language(language: str) -> None:
    codes = [code for code, _name in settings.LANGUAGES]
    if language not in codes:
        raise ValueError(f"unsupported report language {language!r}; one of {', '.join(codes)}")


def _city_name(language: str) -> str:
    names = getattr(settings, "CIVIC_CITY_NAMES", {})
    return names.get(language) or getattr(settings, "CIVIC_CITY_NAME", "")


def _absolute(path: str) -> str:
    return settings.CIVIC_SITE_URL.rstrip("/") + path


def _collation(text: str) -> tuple:
    from civic.i18n import collation_key

    return collation_key(text)


def _share(part: int, whole: int | None) -> Decimal | None:
    """`part` as a fraction of `whole` to a tenth of a percent (for `percent`)."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001")).normalize()


# The district report -----------------------------------------------------------------------


def _options(results: PoolResults) -> list[tuple[str, str]]:
    """The ballot, the rule and the options the count ran with, as label and value."""
    options = results.tally.options or {}
    tie_break = options.get("tie_break") or results.pool.tie_break
    rows = [
        (_("Ballot"), results.pool.get_method_display()),
        (_("Counting rule"), results.rule),
        (_("Tie-break"), TieBreak(tie_break).label),
    ]
    if tie_break == TieBreak.LOT and options.get("seed"):
        rows.append((_("Seed of the lot"), str(options["seed"])))
    min_votes = int(options.get("min_votes") or 0)
    rows.append((_("Minimum votes to be funded"), number(min_votes) if min_votes else _("none")))
    if results.tally.rule in (TallyRule.MES_ADD1, TallyRule.MES_ADD1_GREEDY):
        stop = options.get("add1_stop") or Add1Stop.EXHAUSTIVE
        rows.append((_("Add1 completion"), str(Add1Stop(stop).label)))
    return [(str(label), str(value)) for label, value in rows]


def _turnout(results: PoolResults) -> dict:
    turnout = results.turnout
    return {
        "share": _share(turnout.ballots, turnout.eligible),
        "neighbourhoods": [
            (row, _share(row.ballots, row.eligible)) for row in turnout.by_neighbourhood
        ],
        "age_bands": [(row, _share(row.ballots, turnout.ballots)) for row in turnout.by_age_band],
    }


@dataclass(frozen=True)
class Decision:
    at: object
    action: str
    from_status: str
    to_status: str
    reason: str


@dataclass(frozen=True)
class ProposalDecisions:
    number: int
    title: str
    hidden: bool
    decisions: list[Decision]


def _decisions(pool: Pool) -> list[ProposalDecisions]:
    """Every recorded decision on the pool's proposals with its public reason, oldest first
    per proposal. Neither the staff member's identity nor the internal note is read.
    Authors' edits are left out: they change no status and decide nothing."""
    from proposals.models import Review

    reviews = (
        Review.objects.filter(proposal__pool=pool)
        .exclude(action=Review.Action.EDIT)
        .select_related("proposal")
        .only(
            "id",
            "action",
            "from_status",
            "to_status",
            "public_reason",
            "created_at",
            "proposal__id",
            "proposal__title",
            "proposal__hidden_at",
        )
        .order_by("proposal_id", "created_at", "id")
    )
    groups = []
    for _pk, items in groupby(reviews, key=lambda review: review.proposal_id):
        items = list(items)
        proposal = items[0].proposal
        groups.append(
            ProposalDecisions(
                number=proposal.pk,
                title=proposal.title,
                hidden=proposal.hidden_at is not None,
                decisions=[
                    Decision(
                        at=timezone.localtime(review.created_at),
                        action=str(review.get_action_display()),
                        from_status=str(review.get_from_status_display()),
                        to_status=str(review.get_to_status_display()),
                        reason=review.public_reason,
                    )
                    for review in items
                ],
            )
        )
    return groups


def _pool_charts(results: PoolResults) -> dict:
    from budgets import charts

    points = results.uses_points
    rows = results.rows
    votes_note = ""
    if len(rows) > CHART_MAX_ROWS:
        rows = sorted(
            rows,
            key=lambda row: (-(row.points if row.points is not None else row.votes), row.title),
        )[:CHART_MAX_ROWS]
        if points:
            votes_note = _(
                "The %(shown)s projects with the most points; the table lists all %(all)s."
            )
        else:
            votes_note = _(
                "The %(shown)s projects with the most votes; the table lists all %(all)s."
            )
        votes_note %= {"shown": number(len(rows)), "all": number(len(results.rows))}
    turnout = results.turnout
    return {
        "votes": _chart(
            charts.votes_chart(
                rows,
                title=_("Points per project") if points else _("Votes per project"),
                value_label=_("points") if points else _("votes"),
                highlight_label=_("selected"),
                id_prefix="pdf-votes",
            ),
            note=votes_note,
        ),
        "budget": _chart(
            charts.budget_chart(
                amount=results.amount,
                allocated=results.allocated,
                labels=_budget_labels(results.pool.currency),
                id_prefix="pdf-budget",
            )
        ),
        "neighbourhoods": _chart(
            charts.turnout_chart(
                turnout.by_neighbourhood,
                title=_("Turnout by neighbourhood"),
                id_prefix="pdf-neighbourhoods",
            )
        )
        if 0 < len(turnout.by_neighbourhood) <= CHART_MAX_ROWS
        else None,
        "age_bands": _chart(
            charts.turnout_chart(
                turnout.by_age_band, title=_("Ballots by age group"), id_prefix="pdf-age"
            )
        )
        if turnout.by_age_band
        else None,
    }


def _budget_labels(currency: str) -> dict:
    return {
        "allocated": _("Allocated to the selected projects"),
        "left": _("Left over"),
        "title": _("Use of the pool"),
        "currency": currency,
    }


@dataclass(frozen=True)
class PdfChart:
    svg: SafeString
    title: str
    summary: str
    note: str = ""


def _chart(chart, note: str = "") -> PdfChart:
    """A chart of budgets.charts (escaped SVG) with its text drawn in the vendored fonts."""
    from budgets import charts

    svg = chart.svg.replace(f'font-family="{charts.FONT}"', f'font-family="{CHART_FONT}"')
    return PdfChart(svg=mark_safe(svg), title=chart.title, summary=chart.summary, note=note)  # noqa: S308


# The council's summary ---------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryRow:
    report: Report
    results: PoolResults
    share: Decimal | None
    url: str


def _summary_totals(rows: list[SummaryRow]) -> dict | None:
    """Sums over the districts, when they all count in one currency."""
    currencies = {row.results.pool.currency for row in rows}
    if len(currencies) != 1:
        return None
    ballots = sum(row.results.turnout.ballots for row in rows)
    eligible = sum(row.results.turnout.eligible or 0 for row in rows)
    amount = sum((row.results.amount for row in rows), Decimal(0))
    allocated = sum((row.results.allocated for row in rows), Decimal(0))
    return {
        "currency": currencies.pop(),
        "amount": amount,
        "allocated": allocated,
        "left": amount - allocated,
        "winners": sum(len(row.results.winners) for row in rows),
        "projects": sum(len(row.results.rows) for row in rows),
        "ballots": ballots,
        "eligible": eligible,
        "share": _share(ballots, eligible),
    }


def _summary_charts(rows: list[SummaryRow], totals: dict | None) -> dict:
    from budgets import charts

    if not rows:
        return {}
    result = {
        "turnout": _chart(
            charts.turnout_chart(
                [
                    TurnoutRow(
                        row.results.pool.district.name,
                        row.results.turnout.ballots,
                        row.results.turnout.eligible,
                    )
                    for row in rows
                ],
                title=_("Turnout by district"),
                id_prefix="pdf-city-turnout",
            )
        )
        if len(rows) <= CHART_MAX_ROWS
        else None,
    }
    if totals is not None:
        result["budget"] = _chart(
            charts.budget_chart(
                amount=totals["amount"],
                allocated=totals["allocated"],
                labels=_budget_labels(totals["currency"]),
                id_prefix="pdf-city-budget",
            )
        )
    return result


# Style, fonts and WeasyPrint ---------------------------------------------------------------


def _css_string(text: str) -> str:
    """`text` as a quoted CSS string, safe inside <style> (no quote, backslash or tag)."""
    out = []
    for char in str(text):
        if char in "\\\"'<>&" or ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\{ord(char):06x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _page_counter() -> str:
    """CSS `content` for "Page X of Y" in the active language, whatever its word order."""
    marker = "\x00"
    template = _("Page %(page)s of %(pages)s") % {
        "page": f"{marker}page{marker}",
        "pages": f"{marker}pages{marker}",
    }
    parts = []
    for index, piece in enumerate(template.split(marker)):
        if index % 2:
            parts.append(f"counter({piece})")
        elif piece:
            parts.append(_css_string(piece))
    return " ".join(parts)


def font_files() -> list[tuple[str, str, Path]]:
    """The vendored fonts as (family, weight, absolute path); a missing file is an error,
    never a reason to fall back to the server's fonts."""
    found = []
    for family, weight, relative in FONTS:
        path = finders.find(relative)
        if not path:
            raise ReportRenderError(f"vendored font missing: static/{relative}")
        found.append((family, weight, Path(path).resolve()))
    return found


def _style(*, footer: str, draft: bool) -> SafeString:
    """The page rules, the @font-face rules and the strings they show, ready for <style>."""
    faces = "\n".join(
        f"@font-face {{ font-family: {_css_string(family)}; font-weight: {weight}; "
        f"src: url({_css_string(path.as_uri())}); }}"
        for family, weight, path in font_files()
    )
    text = render_to_string(
        "budgets/report/report.css",
        {
            "faces": mark_safe(faces),  # noqa: S308 - built above from file URIs, CSS-escaped
            "footer": mark_safe(_css_string(footer)),  # noqa: S308 - CSS-escaped
            "page_counter": mark_safe(_page_counter()),  # noqa: S308 - CSS-escaped
            "draft": draft,
            "draft_banner": mark_safe(  # noqa: S308 - CSS-escaped
                _css_string(_("Draft: not approved by the council"))
            ),
        },
    )
    return mark_safe(text)  # noqa: S308 - a template of our own, values escaped for CSS


def _static_roots() -> list[Path]:
    roots = [Path(root) for root in getattr(settings, "STATICFILES_DIRS", [])]
    if getattr(settings, "STATIC_ROOT", None):
        roots.append(Path(settings.STATIC_ROOT))
    return [root.resolve() for root in roots]


def _fetcher():
    """A WeasyPrint URL fetcher that reads files under the static directories only.

    Anything else (http, data, a file elsewhere) stops the rendering instead of being
    skipped: a report that silently lost a font or an image must not be published.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols={"file"}, fail_on_errors=True)
            self.roots = _static_roots()

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise ValueError(f"reports load only static files, not {url}")
            path = Path(url2pathname(parts.path)).resolve()
            if not path.is_file() or not any(path.is_relative_to(r) for r in self.roots):
                raise ValueError(f"not a file under the static directories: {url}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return StaticFilesOnly()


class _FontWarnings(logging.Handler):
    """Collects WeasyPrint's warnings from this thread (a font-face it could not load)."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record):
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


def _pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    static = Path(settings.STATICFILES_DIRS[0]).resolve().as_uri() + "/"
    weasy_logger = logging.getLogger("weasyprint")
    warnings = _FontWarnings()
    weasy_logger.addHandler(warnings)
    try:
        data = HTML(string=html, base_url=static, url_fetcher=_fetcher()).write_pdf()
    except FatalURLFetchingError as error:  # a BaseException: make it an ordinary failure
        raise ReportRenderError(str(error)) from error.__cause__
    finally:
        weasy_logger.removeHandler(warnings)
    failed = [message for message in warnings.messages if "Font-face" in message]
    if failed:
        raise ReportRenderError("; ".join(failed))
    return data
