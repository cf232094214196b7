"""Reads for the open data API and its CSV downloads (`civic/api/`).

Only what the public pages show: districts, budgets, cycles, pools, public proposals. A
pool's results — its tally, its votes, who was selected, its ballots file — only once the
council approved a report of it; the published results are the tally of the latest approved
version. Nothing here returns an author, an e-mail, a census record or a review's internal note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet

from budgets.models import (
    BallotFreeze,
    BallotMethod,
    BudgetLine,
    Cycle,
    DistrictBudget,
    Pool,
    Report,
    ReportFile,
)
from districts.models import District
from proposals.models import Proposal, Status
from proposals.selectors import public_proposals

APPROVED = Report.State.APPROVED
# Statuses that tell a proposal's outcome: before a pool's results are published the API
# shows them as "on the ballot", whatever the row says.
OUTCOME_STATUSES = (Status.SELECTED, Status.NOT_SELECTED)


def districts() -> QuerySet[District]:
    """Every district, by slug."""
    return District.objects.order_by("slug", "id")


def district_for_detail() -> QuerySet[District]:
    """Districts with their neighbourhoods and budgets (with their lines), newest budget first."""
    return District.objects.prefetch_related(
        "neighbourhoods",
        Prefetch(
            "budgets",
            queryset=DistrictBudget.objects.prefetch_related(
                Prefetch("lines", queryset=BudgetLine.objects.order_by("position", "id"))
            ).order_by("-year"),
        ),
    )


def budgets() -> QuerySet[DistrictBudget]:
    """District budgets with their district and published breakdown lines."""
    return (
        DistrictBudget.objects.select_related("district")
        .prefetch_related(Prefetch("lines", queryset=BudgetLine.objects.order_by("position", "id")))
        .order_by("-year", "district__slug", "id")
    )


def cycles() -> QuerySet[Cycle]:
    """Every cycle, newest first."""
    return Cycle.objects.order_by("-year")


def pools() -> QuerySet[Pool]:
    """Pools with cycle, district and ballot freeze joined (the ballots file itself deferred)."""
    return (
        Pool.objects.select_related("cycle", "district", "freeze")
        .defer("freeze__ballots_pb")
        .order_by("-cycle__year", "district__slug", "id")
    )


def published_reports() -> QuerySet[Report]:
    """The latest approved report of each pool whose results are published (one per pool)."""
    newer = Report.objects.filter(
        pool=OuterRef("pool"), state=APPROVED, version__gt=OuterRef("version")
    )
    return Report.objects.filter(state=APPROVED).exclude(Exists(newer))


def published_by_pool(pool_ids: Iterable[int] | None = None) -> dict[int, Report]:
    """Pool id → its published report, with the tally it reports; unpublished pools absent."""
    reports = published_reports().select_related("tally")
    if pool_ids is not None:
        reports = reports.filter(pool_id__in=list(pool_ids))
    return {report.pool_id: report for report in reports}


def published_selections(pool_ids: Iterable[int] | None = None) -> dict[int, frozenset[str]]:
    """Pool id → the project ids its published tally selected; unpublished pools absent."""
    reports = published_reports()
    if pool_ids is not None:
        reports = reports.filter(pool_id__in=list(pool_ids))
    return {
        pool_id: frozenset(selected or ())
        for pool_id, selected in reports.values_list("pool_id", "tally__result__selected")
    }


def proposals() -> QuerySet[Proposal]:
    """Public proposals (no drafts, nothing hidden) with pool, district, cycle and category
    joined and their supports counted; by id."""
    return (
        public_proposals()
        .select_related("pool__district", "pool__cycle", "category")
        .annotate(n_supports=Count("supports"))
        .order_by("id")
    )


def project_id(proposal) -> str:
    """The proposal's id in the ballots file and the tally (its imported id, else its pk)."""
    return proposal.external_id or str(proposal.pk)


def public_status(proposal, selections: dict[int, frozenset[str]]) -> str:
    """The proposal's status, its outcome held back until the pool's results are published."""
    if proposal.status in OUTCOME_STATUSES and proposal.pool_id not in selections:
        return Status.ON_BALLOT
    return proposal.status


def public_selected(proposal, selections: dict[int, frozenset[str]]) -> bool | None:
    """Whether the published tally selected the proposal; None while unpublished."""
    selected = selections.get(proposal.pool_id)
    if selected is None:
        return None
    return project_id(proposal) in selected


def approved_reports() -> QuerySet[Report]:
    """Every approved report version with pool, district, cycle, tally (digest, rule) and
    files; `superseded` is true when a newer version was approved. Oldest pool first."""
    newer = Report.objects.filter(
        pool=OuterRef("pool"), state=APPROVED, version__gt=OuterRef("version")
    )
    return (
        Report.objects.filter(state=APPROVED)
        .select_related("pool__district", "pool__cycle", "tally")
        .only(
            "id",
            "version",
            "decided_at",
            "pool__id",
            "pool__district__slug",
            "pool__cycle__year",
            "tally__id",
            "tally__digest",
            "tally__rule",
        )
        .annotate(superseded=Exists(newer))
        .prefetch_related(Prefetch("files", queryset=ReportFile.objects.order_by("language")))
        .order_by("pool_id", "version")
    )


def approved_report_files() -> QuerySet[ReportFile]:
    """Every file of every approved report, for the CSV (one row per language)."""
    newer = Report.objects.filter(
        pool=OuterRef("report__pool"), state=APPROVED, version__gt=OuterRef("report__version")
    )
    return (
        ReportFile.objects.filter(report__state=APPROVED)
        .select_related("report__pool__district", "report__pool__cycle")
        .annotate(superseded=Exists(newer))
        .order_by("report__pool_id", "report__version", "language")
    )


def published_pool(pool_id: int) -> tuple[Pool, Report] | None:
    """The pool and its published report (with tally), or None if either does not exist."""
    pool = pools().filter(pk=pool_id).first()
    if pool is None:
        return None
    report = published_by_pool([pool.pk]).get(pool.pk)
    if report is None:
        return None
    return pool, report


def published_ballots(pool_id: int) -> BallotFreeze | None:
    """The anonymised ballots file of the pool, only once its results are published."""
    if not published_reports().filter(pool_id=pool_id).exists():
        return None
    return BallotFreeze.objects.filter(pool_id=pool_id).select_related("pool__district").first()


# Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectResult:
    """One project of a published tally, as the API and the CSV show it."""

    project_id: str
    proposal_id: int | None  # None when the proposal is not public (hidden since)
    title: str | None
    cost: Decimal
    votes: int
    points: Decimal | None  # cumulative pools only
    selected: bool
    status: str  # a budgets.tally.result status code
    round: int | None


def amount(value) -> Decimal | None:
    """A number of the tally's JSON (int, or a fraction written as "p/q") as a Decimal."""
    if value is None:
        return None
    if isinstance(value, str) and "/" in value:
        fraction = Fraction(value)
        return Decimal(fraction.numerator) / Decimal(fraction.denominator)
    return Decimal(str(value))


def public_titles(pool_ids: Iterable[int]) -> dict[tuple[int, str], tuple[int, str]]:
    """(pool id, project id) → (proposal id, title) for the public proposals of the pools."""
    rows = public_proposals().filter(pool_id__in=list(pool_ids))
    return {
        (pool_id, external_id or str(pk)): (pk, title)
        for pk, pool_id, external_id, title in rows.values_list(
            "pk", "pool_id", "external_id", "title"
        )
    }


def project_results(
    *, pool: Pool, report: Report, titles: dict[tuple[int, str], tuple[int, str]]
) -> list[ProjectResult]:
    """The projects of the pool's published tally: selected first in order of selection,
    then by votes (points for cumulative pools), then by project id."""
    cumulative = pool.method == BallotMethod.CUMULATIVE
    rows = []
    for project in (report.tally.result or {}).get("projects", []):
        proposal_id, title = titles.get((pool.pk, project["id"]), (None, None))
        rows.append(
            ProjectResult(
                project_id=project["id"],
                proposal_id=proposal_id,
                title=title,
                cost=amount(project["cost"]),
                votes=int(project["votes"]),
                points=amount(project.get("points")) if cumulative else None,
                selected=bool(project["selected"]),
                status=project["status"],
                round=project.get("round"),
            )
        )
    rows.sort(
        key=lambda row: (
            not row.selected,
            (row.round or 0) if row.selected else 0,
            -(row.points if row.points is not None else row.votes),
            row.project_id,
        )
    )
    return rows


def allocated(report: Report) -> Decimal:
    """The cost of the projects the published tally selected."""
    return sum(
        (
            amount(project["cost"])
            for project in (report.tally.result or {}).get("projects", [])
            if project["selected"]
        ),
        Decimal(0),
    )
