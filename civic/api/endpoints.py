"""The JSON endpoints of the open data API: fetch through `budgets.open_data`, shape, return.

Lists are paginated (`limit`, `offset`) and take a bounded number of queries whatever the
page size. Results, ballots and reports of a pool appear only once its report is approved.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router

from budgets import open_data
from budgets.models import Pool, Report
from civic.api import schemas
from districts import selectors as district_selectors

router = Router()

NOT_FOUND = {404: schemas.Message}


# Shaping --------------------------------------------------------------------------------------


def absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def api_url(request: HttpRequest, name: str, **kwargs) -> str:
    return absolute(request, reverse(f"api-v1:{name}", kwargs=kwargs))


def names(obj, field: str = "name") -> dict[str, str]:
    return {code: getattr(obj, f"{field}_{code}") for code in ("en", "bg", "tr")}


def dates(dates) -> dict:
    return {name: getattr(dates, name) for name in dates.field_names()}


def district_out(request: HttpRequest, district) -> dict:
    centre = None
    if district.centre_lat is not None and district.centre_lon is not None:
        centre = {"lat": district.centre_lat, "lon": district.centre_lon}
    return {
        "id": district.pk,
        "slug": district.slug,
        "name": names(district),
        "population": district.population,
        "centre": centre,
        "url": absolute(request, reverse("districts:detail", kwargs={"slug": district.slug})),
    }


def budget_out(budget, district_slug: str) -> dict:
    return {
        "district": district_slug,
        "year": budget.year,
        "amount": budget.amount,
        "currency": budget.currency,
        "source_url": budget.source_url,
        "lines": [
            {"position": line.position, "label": names(line, "label"), "amount": line.amount}
            for line in budget.lines.all()
        ],
    }


def cycle_out(cycle) -> dict:
    return {
        "year": cycle.year,
        "title": names(cycle, "title"),
        "dates": dates(cycle.dates),
        "phase": cycle.phase.value,
    }


def results_summary(request: HttpRequest, pool: Pool, report: Report | None) -> dict | None:
    if report is None:
        return None
    freeze = getattr(pool, "freeze", None)
    return {
        "report_version": report.version,
        "approved_at": report.decided_at,
        "rule": report.tally.rule,
        "selected": list(report.tally.selected),
        "allocated": open_data.allocated(report),
        "ballots": freeze.ballots if freeze else None,
        "ballots_sha256": freeze.digest if freeze else None,
        "results_url": api_url(request, "pool_results", pool_id=pool.pk),
        "ballots_url": api_url(request, "pool_ballots", pool_id=pool.pk),
    }


def pool_out(request: HttpRequest, pool: Pool, report: Report | None) -> dict:
    now = timezone.now()
    return {
        "id": pool.pk,
        "cycle": pool.cycle.year,
        "district": pool.district.slug,
        **{
            field: getattr(pool, field)
            for field in (
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
            )
        },
        "dates": dates(pool.dates),
        "phase": pool.phase_at(now).value,
        "published": report is not None,
        "results": results_summary(request, pool, report),
    }


def proposal_out(request: HttpRequest, proposal, selections: dict[int, frozenset[str]]) -> dict:
    pool = proposal.pool
    return {
        "id": proposal.pk,
        "project_id": open_data.project_id(proposal),
        "pool": pool.pk,
        "cycle": pool.cycle.year,
        "district": pool.district.slug,
        "title": proposal.title,
        "summary": proposal.summary,
        "description_html": proposal.body_html,
        "category": {"slug": proposal.category.slug, "name": names(proposal.category)},
        "status": open_data.public_status(proposal, selections),
        "selected": open_data.public_selected(proposal, selections),
        "author_cost": proposal.author_cost,
        "staff_cost": proposal.staff_cost,
        "cost": proposal.cost,
        "currency": pool.currency,
        "latitude": proposal.latitude,
        "longitude": proposal.longitude,
        "address": proposal.address,
        "supports": proposal.n_supports,
        "submitted_at": proposal.submitted_at,
        "url": absolute(request, reverse("proposals:detail", kwargs={"pk": proposal.pk})),
    }


def report_file_url(request: HttpRequest, report_id: int, language: str) -> str:
    """The PDF's public address (`/reports/<id>/<language>.pdf`, the budgets app's route)."""
    return absolute(
        request,
        reverse("budgets:report_file", kwargs={"report_id": report_id, "language": language}),
    )


def report_out(request: HttpRequest, report: Report) -> dict:
    return {
        "id": report.pk,
        "pool": report.pool.pk,
        "cycle": report.pool.cycle.year,
        "district": report.pool.district.slug,
        "version": report.version,
        "approved_at": report.decided_at,
        "superseded": report.superseded,
        "rule": report.tally.rule,
        "ballots_sha256": report.tally.digest,
        "files": [
            {
                "language": row.language,
                "sha256": row.sha256,
                "size": row.size,
                "url": report_file_url(request, report.pk, row.language),
            }
            for row in report.files.all()
        ],
    }


def page(request: HttpRequest, queryset, query: schemas.PageQuery) -> tuple[list, dict]:
    """One page of the queryset (two queries) and the count and links around it."""
    count = queryset.count()
    items = list(queryset[query.offset : query.offset + query.limit])

    def link(offset: int) -> str:
        params = request.GET.copy()
        params["offset"] = str(offset)
        params["limit"] = str(query.limit)
        return absolute(request, f"{request.path}?{params.urlencode()}")

    following = query.offset + query.limit
    return items, {
        "count": count,
        "next": link(following) if following < count else None,
        "previous": link(max(query.offset - query.limit, 0)) if query.offset > 0 else None,
    }


# Filters ------------------------------------------------------------------------------------


def filter_pools(queryset, query):
    if query.cycle is not None:
        queryset = queryset.filter(cycle__year=query.cycle)
    if query.district:
        queryset = queryset.filter(district__slug=query.district)
    if query.published is not None:
        published = open_data.published_reports().values("pool_id")
        queryset = (
            queryset.filter(pk__in=published)
            if query.published
            else queryset.exclude(pk__in=published)
        )
    return queryset


def filter_budgets(queryset, query):
    if query.district:
        queryset = queryset.filter(district__slug=query.district)
    if query.year is not None:
        queryset = queryset.filter(year=query.year)
    return queryset


def filter_proposals(queryset, query):
    if query.pool is not None:
        queryset = queryset.filter(pool_id=query.pool)
    if query.cycle is not None:
        queryset = queryset.filter(pool__cycle__year=query.cycle)
    if query.district:
        queryset = queryset.filter(pool__district__slug=query.district)
    if query.status:
        if query.status in open_data.OUTCOME_STATUSES:
            # An outcome is only public once the pool's results are.
            queryset = queryset.filter(pool_id__in=open_data.published_reports().values("pool_id"))
        queryset = queryset.filter(status=query.status)
    return queryset


def filter_reports(queryset, query, prefix: str = ""):
    if query.pool is not None:
        queryset = queryset.filter(**{f"{prefix}pool_id": query.pool})
    if query.cycle is not None:
        queryset = queryset.filter(**{f"{prefix}pool__cycle__year": query.cycle})
    if query.district:
        queryset = queryset.filter(**{f"{prefix}pool__district__slug": query.district})
    return queryset


# Endpoints ----------------------------------------------------------------------------------

# The CSV tables (civic/api/downloads.py); listed here for the index.
CSV_TABLES = (
    "districts",
    "budgets",
    "cycles",
    "pools",
    "proposals",
    "results",
    "reports",
)


@router.get("/", response=schemas.Index, tags=["index"], url_name="index")
def index(request: HttpRequest):
    """What this API offers: its endpoints, its CSV downloads and its OpenAPI document."""
    endpoints = ("districts", "budgets", "cycles", "pools", "proposals", "reports")
    return {
        "openapi": api_url(request, "openapi-json"),
        "endpoints": {name: api_url(request, name) for name in endpoints},
        "csv": {name: api_url(request, f"{name}_csv") for name in CSV_TABLES},
    }


@router.get(
    "/districts",
    response=schemas.page_of(schemas.District),
    tags=["districts"],
    url_name="districts",
)
def list_districts(request: HttpRequest, query: Query[schemas.PageQuery]):
    """Every district, by slug."""
    items, meta = page(request, open_data.districts(), query)
    return {**meta, "items": [district_out(request, d) for d in items]}


@router.get(
    "/districts/{slug:slug}",
    response={200: schemas.DistrictDetail, **NOT_FOUND},
    tags=["districts"],
    url_name="district",
)
def get_district(request: HttpRequest, slug: str):
    """A district with its boundary, neighbourhoods and budgets (newest first)."""
    district = open_data.district_for_detail().filter(slug=slug).first()
    if district is None:
        raise Http404
    return {
        **district_out(request, district),
        "boundary": district_selectors.boundary_geometry(district=district),
        "neighbourhoods": [
            {"slug": n.slug, "name": names(n)} for n in district.neighbourhoods.all()
        ],
        "budgets": [budget_out(b, district.slug) for b in district.budgets.all()],
    }


@router.get(
    "/budgets", response=schemas.page_of(schemas.Budget), tags=["districts"], url_name="budgets"
)
def list_budgets(request: HttpRequest, query: Query[schemas.BudgetQuery]):
    """District budgets with their published breakdown, newest year first."""
    items, meta = page(request, filter_budgets(open_data.budgets(), query), query)
    return {**meta, "items": [budget_out(b, b.district.slug) for b in items]}


@router.get("/cycles", response=schemas.page_of(schemas.Cycle), tags=["cycles"], url_name="cycles")
def list_cycles(request: HttpRequest, query: Query[schemas.PageQuery]):
    """Every cycle with its phase dates, newest first."""
    items, meta = page(request, open_data.cycles(), query)
    return {**meta, "items": [cycle_out(c) for c in items]}


@router.get("/pools", response=schemas.page_of(schemas.Pool), tags=["pools"], url_name="pools")
def list_pools(request: HttpRequest, query: Query[schemas.PoolQuery]):
    """Every district's pool in every cycle, with a summary of its results once published."""
    items, meta = page(request, filter_pools(open_data.pools(), query), query)
    published = open_data.published_by_pool(pool.pk for pool in items)
    return {**meta, "items": [pool_out(request, p, published.get(p.pk)) for p in items]}


@router.get(
    "/pools/{id:pool_id}",
    response={200: schemas.Pool, **NOT_FOUND},
    tags=["pools"],
    url_name="pool",
)
def get_pool(request: HttpRequest, pool_id: int):
    """One pool: its amount, ballot method, rule and dates, and its results once published."""
    pool = open_data.pools().filter(pk=pool_id).first()
    if pool is None:
        raise Http404
    return pool_out(request, pool, open_data.published_by_pool([pool.pk]).get(pool.pk))


@router.get(
    "/pools/{id:pool_id}/results",
    response={200: schemas.Results, **NOT_FOUND},
    tags=["results"],
    url_name="pool_results",
)
def get_results(request: HttpRequest, pool_id: int):
    """The published results of a pool (404 until the council approved its report)."""
    found = open_data.published_pool(pool_id)
    if found is None:
        raise Http404
    pool, report = found
    result = report.tally.result or {}
    titles = open_data.public_titles([pool.pk])
    projects = open_data.project_results(pool=pool, report=report, titles=titles)
    spent = open_data.allocated(report)
    budget = open_data.amount(result.get("budget", pool.amount))
    freeze = getattr(pool, "freeze", None)
    return {
        "pool": pool.pk,
        "cycle": pool.cycle.year,
        "district": pool.district.slug,
        "currency": pool.currency,
        "amount": pool.amount,
        "report": {"version": report.version, "approved_at": report.decided_at},
        "rule": report.tally.rule,
        "options": result.get("options") or report.tally.options,
        "budget": budget,
        "allocated": spent,
        "left": budget - spent,
        "num_voters": result.get("num_voters", 0),
        "voter_budget": open_data.amount(result.get("voter_budget")),
        "increments": result.get("increments"),
        "selected": list(result.get("selected", [])),
        "projects": [vars(row) for row in projects],
        "ballots": {
            "online": freeze.online,
            "paper": freeze.paper,
            "sha256": freeze.digest,
            "url": api_url(request, "pool_ballots", pool_id=pool.pk),
        }
        if freeze
        else None,
    }


@router.get(
    "/pools/{id:pool_id}/ballots.pb",
    response={200: None, **NOT_FOUND},
    tags=["results"],
    url_name="pool_ballots",
    openapi_extra={
        "responses": {
            200: {
                "description": "The anonymised ballots (pabulib format), each under its "
                "receipt code; the X-Content-SHA256 header carries the digest printed on the "
                "results page and in the report.",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_ballots(request: HttpRequest, pool_id: int):
    """The anonymised ballots file of a pool (404 until its results are published)."""
    freeze = open_data.published_ballots(pool_id)
    if freeze is None:
        raise Http404
    response = HttpResponse(
        freeze.ballots_pb.encode("utf-8"), content_type="text/plain; charset=utf-8"
    )
    pool = freeze.pool
    response["Content-Disposition"] = (
        f'inline; filename="civic-{pool.district.slug}-{pool.pk}-ballots.pb"'
    )
    response["X-Content-SHA256"] = freeze.digest
    response["ETag"] = f'"{freeze.digest}"'
    return response


@router.get(
    "/proposals",
    response=schemas.page_of(schemas.Proposal),
    tags=["proposals"],
    url_name="proposals",
)
def list_proposals(request: HttpRequest, query: Query[schemas.ProposalQuery]):
    """Public proposals (never drafts or hidden ones), by id."""
    items, meta = page(request, filter_proposals(open_data.proposals(), query), query)
    selections = open_data.published_selections({p.pool_id for p in items})
    return {**meta, "items": [proposal_out(request, p, selections) for p in items]}


@router.get(
    "/proposals/{id:pk}",
    response={200: schemas.Proposal, **NOT_FOUND},
    tags=["proposals"],
    url_name="proposal",
)
def get_proposal(request: HttpRequest, pk: int):
    """One public proposal."""
    proposal = open_data.proposals().filter(pk=pk).first()
    if proposal is None:
        raise Http404
    selections = open_data.published_selections([proposal.pool_id])
    return proposal_out(request, proposal, selections)


@router.get(
    "/reports", response=schemas.page_of(schemas.Report), tags=["reports"], url_name="reports"
)
def list_reports(request: HttpRequest, query: Query[schemas.ReportQuery]):
    """Approved report versions with their PDFs and digests; drafts never appear."""
    items, meta = page(request, filter_reports(open_data.approved_reports(), query), query)
    return {**meta, "items": [report_out(request, r) for r in items]}
