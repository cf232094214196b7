"""CSV downloads of the open data tables at `/api/v1/<table>.csv`, streamed row by row.

The same data as the JSON endpoints, flattened, with the same filters. Querysets are read
in chunks, so a large table never sits in memory. A cell that a spreadsheet would run as a
formula (text starting with = + - @, a tab or a carriage return) gets a leading apostrophe:
residents write the titles.
"""

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from ninja import Query, Router

from budgets import open_data
from civic.api import schemas
from civic.api.endpoints import (
    filter_budgets,
    filter_pools,
    filter_proposals,
    filter_reports,
    report_file_url,
)

router = Router(tags=["csv"])

CHUNK = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_doc(table: str) -> dict:
    return {
        "responses": {
            200: {
                "description": f"The {table} table as CSV (UTF-8, a header row, comma-separated).",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    }


class _Echo:
    """A file-like object whose write hands the line back, for csv.writer to stream."""

    def write(self, value: str) -> str:
        return value


def cell(value) -> str:
    """A value as CSV text: no formula a spreadsheet would run, ISO dates, plain decimals."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | int):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_response(name: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """Stream the header and rows as `<name>.csv`."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="civic-{name}.csv"'
    return response


def _dates(dates) -> list:
    return [getattr(dates, name) for name in dates.field_names()]


DATE_COLUMNS = [
    "submission_starts",
    "review_starts",
    "support_starts",
    "voting_starts",
    "voting_ends",
    "results_starts",
    "implementation_starts",
]


@router.get("/districts.csv", url_name="districts_csv", openapi_extra=_csv_doc("districts"))
def districts_csv(request: HttpRequest):
    """Districts: names, population and centre."""
    header = [
        "id",
        "slug",
        "name_en",
        "name_bg",
        "name_tr",
        "population",
        "centre_lat",
        "centre_lon",
    ]
    rows = (
        [d.pk, d.slug, d.name_en, d.name_bg, d.name_tr, d.population, d.centre_lat, d.centre_lon]
        for d in open_data.districts().iterator(chunk_size=CHUNK)
    )
    return csv_response("districts", header, rows)


@router.get("/budgets.csv", url_name="budgets_csv", openapi_extra=_csv_doc("budgets"))
def budgets_csv(request: HttpRequest, query: Query[schemas.BudgetQuery]):
    """District budgets, one row per published breakdown line (a budget without lines: one
    row with empty line columns)."""
    header = [
        "district",
        "year",
        "budget_amount",
        "currency",
        "source_url",
        "line_position",
        "line_label_en",
        "line_label_bg",
        "line_label_tr",
        "line_amount",
    ]

    def rows():
        for budget in filter_budgets(open_data.budgets(), query).iterator(chunk_size=CHUNK):
            head = [
                budget.district.slug,
                budget.year,
                budget.amount,
                budget.currency,
                budget.source_url,
            ]
            lines = list(budget.lines.all())
            if not lines:
                yield [*head, None, None, None, None, None]
            for line in lines:
                yield [
                    *head,
                    line.position,
                    line.label_en,
                    line.label_bg,
                    line.label_tr,
                    line.amount,
                ]

    return csv_response("budgets", header, rows())


@router.get("/cycles.csv", url_name="cycles_csv", openapi_extra=_csv_doc("cycles"))
def cycles_csv(request: HttpRequest):
    """Cycles with their phase dates."""
    header = ["year", "title_en", "title_bg", "title_tr", *DATE_COLUMNS, "phase"]
    rows = (
        [c.year, c.title_en, c.title_bg, c.title_tr, *_dates(c.dates), c.phase.value]
        for c in open_data.cycles().iterator(chunk_size=CHUNK)
    )
    return csv_response("cycles", header, rows)


@router.get("/pools.csv", url_name="pools_csv", openapi_extra=_csv_doc("pools"))
def pools_csv(request: HttpRequest, query: Query[schemas.PoolQuery]):
    """Pools with their settings and, once published, a summary of their results."""
    fields = [
        "amount",
        "currency",
        "share",
        "method",
        "min_choices",
        "max_choices",
        "points_total",
        "points_per_project",
        "points_exact",
        "min_age",
        "tally_rule",
        "tie_break",
        "min_votes",
        "add1_stop",
        "support_threshold",
        "support_top_n",
    ]
    header = [
        "id",
        "cycle",
        "district",
        *fields,
        *DATE_COLUMNS,
        "phase",
        "published",
        "report_version",
        "approved_at",
        "selected",
        "allocated",
        "ballots",
        "ballots_sha256",
    ]

    def rows():
        published = open_data.published_by_pool()
        for pool in filter_pools(open_data.pools(), query).iterator(chunk_size=CHUNK):
            report = published.get(pool.pk)
            summary = [None] * 6
            if report is not None:
                freeze = getattr(pool, "freeze", None)
                summary = [
                    report.version,
                    report.decided_at,
                    " ".join(report.tally.selected),
                    open_data.allocated(report),
                    freeze.ballots if freeze else None,
                    freeze.digest if freeze else None,
                ]
            yield [
                pool.pk,
                pool.cycle.year,
                pool.district.slug,
                *[getattr(pool, field) for field in fields],
                *_dates(pool.dates),
                pool.phase.value,
                report is not None,
                *summary,
            ]

    return csv_response("pools", header, rows())


@router.get(
    "/proposals.csv",
    url_name="proposals_csv",
    openapi_extra=_csv_doc("proposals"),
)
def proposals_csv(request: HttpRequest, query: Query[schemas.ProposalQuery]):
    """Public proposals (never drafts or hidden ones); the description is left to the JSON."""
    header = [
        "id",
        "project_id",
        "pool",
        "cycle",
        "district",
        "title",
        "summary",
        "category",
        "status",
        "selected",
        "author_cost",
        "staff_cost",
        "cost",
        "currency",
        "latitude",
        "longitude",
        "address",
        "supports",
        "submitted_at",
        "url",
    ]

    def rows():
        selections = open_data.published_selections()
        proposals = filter_proposals(open_data.proposals(), query)
        for p in proposals.iterator(chunk_size=CHUNK):
            yield [
                p.pk,
                open_data.project_id(p),
                p.pool_id,
                p.pool.cycle.year,
                p.pool.district.slug,
                p.title,
                p.summary,
                p.category.slug,
                open_data.public_status(p, selections),
                open_data.public_selected(p, selections),
                p.author_cost,
                p.staff_cost,
                p.cost,
                p.pool.currency,
                p.latitude,
                p.longitude,
                p.address,
                p.n_supports,
                p.submitted_at,
                request.build_absolute_uri(reverse("proposals:detail", kwargs={"pk": p.pk})),
            ]

    return csv_response("proposals", header, rows())


@router.get("/results.csv", url_name="results_csv", openapi_extra=_csv_doc("results"))
def results_csv(request: HttpRequest, query: Query[schemas.ReportQuery]):
    """The published results: one row per project of every pool whose report is approved."""
    header = [
        "pool",
        "cycle",
        "district",
        "report_version",
        "rule",
        "project_id",
        "proposal_id",
        "title",
        "cost",
        "votes",
        "points",
        "selected",
        "status",
        "round",
    ]

    def rows():
        reports = filter_reports(open_data.published_reports(), query).select_related(
            "pool__district", "pool__cycle", "tally"
        )
        for report in reports.order_by("pool_id").iterator(chunk_size=50):
            pool = report.pool
            titles = open_data.public_titles([pool.pk])
            for row in open_data.project_results(pool=pool, report=report, titles=titles):
                yield [
                    pool.pk,
                    pool.cycle.year,
                    pool.district.slug,
                    report.version,
                    report.tally.rule,
                    row.project_id,
                    row.proposal_id,
                    row.title,
                    row.cost,
                    row.votes,
                    row.points,
                    row.selected,
                    row.status,
                    row.round,
                ]

    return csv_response("results", header, rows())


@router.get("/reports.csv", url_name="reports_csv", openapi_extra=_csv_doc("reports"))
def reports_csv(request: HttpRequest, query: Query[schemas.ReportQuery]):
    """Approved report versions, one row per language, with the PDF's SHA-256 and address."""
    header = [
        "report",
        "pool",
        "cycle",
        "district",
        "version",
        "approved_at",
        "superseded",
        "language",
        "sha256",
        "size",
        "url",
    ]

    def rows():
        files = filter_reports(open_data.approved_report_files(), query, prefix="report__")
        for row in files.iterator(chunk_size=CHUNK):
            report = row.report
            yield [
                report.pk,
                report.pool_id,
                report.pool.cycle.year,
                report.pool.district.slug,
                report.version,
                report.decided_at,
                row.superseded,
                row.language,
                row.sha256,
                row.size,
                report_file_url(request, report.pk, row.language),
            ]

    return csv_response("reports", header, rows())
