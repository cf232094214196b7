"""The public results: the city-wide overview, a pool's results page, its ballots file (the
recount kit) and the receipt lookup.

A pool's results are public once the council approved a version of its report; the page
then shows that version's tally. Before that the district's staff, the council and city
admins see the latest finished official tally marked as a draft (never indexed, never
cached); everybody else, staff of other districts included, sees that nothing is public yet.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.core.cache import cache
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from budgets import charts, open_data, selectors
from budgets.models import (
    Add1Stop,
    Ballot,
    BallotFreeze,
    BallotMethod,
    Cycle,
    Pool,
    Report,
    TallyRule,
    TieBreak,
)
from budgets.phases import Phase
from budgets.results import PoolResults, TurnoutRow, official_tally, pool_results
from budgets.services import receipt_normalise
from civic.formatting import number
from civic.http import HtmxHttpRequest
from civic.i18n import collation_key
from districts.models import CensusRecord
from proposals.selectors import public_proposals

# Receipt lookups per client address and window. Codes carry 80 random bits, so this is not
# what keeps them secret; it keeps one client from turning the form into a load test.
RECEIPT_LOOKUPS = 30
RECEIPT_WINDOW = 600  # seconds

DRAFT_PERM = "budgets.view_report_draft"


def _share(part: int, whole: int | None) -> Decimal | None:
    """`part` as a fraction of `whole` to a tenth of a percent, for the `percent` filter."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.001")).normalize()


# The city-wide page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolSummary:
    """One district's pool on the city-wide page; the numbers only once it is published."""

    pool: Pool
    report: Report | None
    allocated: Decimal | None = None
    winners: int | None = None
    turnout: TurnoutRow | None = None

    @property
    def share(self) -> Decimal | None:
        return _share(self.turnout.ballots, self.turnout.eligible) if self.turnout else None

    @property
    def published(self) -> bool:
        return self.report is not None

    @property
    def counted(self) -> bool:
        """Voting has closed (the results are being counted or wait for the council)."""
        return self.pool.phase not in (
            Phase.DRAFT,
            Phase.SUBMISSION,
            Phase.REVIEW,
            Phase.SUPPORT,
            Phase.VOTING,
        )


def _eligible_by_pool(pools: list[Pool]) -> dict[int, int]:
    """Pool id → residents old enough to vote in it (as `budgets.results.pool_turnout`)."""
    if not pools:
        return {}
    rows = (
        CensusRecord.objects.filter(district_id__in={pool.district_id for pool in pools})
        .values_list("district_id", "birth_year")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_district: dict[int, list[tuple[int, int]]] = {}
    for district_id, birth_year, n in rows:
        by_district.setdefault(district_id, []).append((birth_year, n))
    return {
        pool.pk: sum(
            n
            for birth_year, n in by_district.get(pool.district_id, [])
            if birth_year <= pool.dates.voting_ends.year - pool.min_age
        )
        for pool in pools
    }


def _summaries(cycle: Cycle) -> list[PoolSummary]:
    """Every pool of the cycle, by district name; figures for the published ones."""
    pools = sorted(
        Pool.objects.filter(cycle=cycle)
        .select_related("district", "cycle", "freeze")
        .defer("freeze__ballots_pb"),
        key=lambda pool: collation_key(pool.district.name),
    )
    reports = open_data.published_by_pool([pool.pk for pool in pools])
    published = [pool for pool in pools if pool.pk in reports]
    eligible = _eligible_by_pool(published)
    summaries = []
    for pool in pools:
        report = reports.get(pool.pk)
        if report is None:
            summaries.append(PoolSummary(pool=pool, report=None))
            continue
        projects = (report.tally.result or {}).get("projects", [])
        freeze = getattr(pool, "freeze", None)
        summaries.append(
            PoolSummary(
                pool=pool,
                report=report,
                allocated=open_data.allocated(report),
                winners=sum(1 for project in projects if project["selected"]),
                turnout=TurnoutRow(
                    pool.district.name, freeze.ballots if freeze else 0, eligible[pool.pk]
                ),
            )
        )
    return summaries


def _cycle_for_index(request: HtmxHttpRequest, cycles: list[Cycle]) -> Cycle | None:
    """The cycle asked for (`?year=`), else the newest with published results, else the
    current one."""
    year = request.GET.get("year", "")
    if year:
        if not (year.isascii() and year.isdigit() and len(year) <= 4):
            raise Http404
        chosen = next((cycle for cycle in cycles if cycle.year == int(year)), None)
        if chosen is None:
            raise Http404
        return chosen
    newest = (
        Report.objects.filter(state=Report.State.APPROVED)
        .order_by("-pool__cycle__year")
        .values_list("pool__cycle__year", flat=True)
        .first()
    )
    if newest is not None:
        return next(cycle for cycle in cycles if cycle.year == newest)
    current = selectors.current_cycle()
    return current if current in cycles else (cycles[0] if cycles else None)


@require_GET
def results_index(request: HtmxHttpRequest) -> HttpResponse:
    """The city-wide results of a cycle: every district's pool, figures once published."""
    cycles = list(Cycle.objects.filter(pools__isnull=False).distinct().order_by("-year"))
    cycle = _cycle_for_index(request, cycles)
    summaries = _summaries(cycle) if cycle is not None else []
    published = [summary for summary in summaries if summary.published]
    currencies = {summary.pool.currency for summary in published}
    totals = None
    if published and len(currencies) == 1:
        ballots = sum(summary.turnout.ballots for summary in published)
        eligible = sum(summary.turnout.eligible or 0 for summary in published)
        totals = {
            "currency": currencies.pop(),
            "amount": sum((Decimal(summary.pool.amount) for summary in published), Decimal(0)),
            "allocated": sum((summary.allocated for summary in published), Decimal(0)),
            "winners": sum(summary.winners for summary in published),
            "turnout": TurnoutRow(_("All published districts"), ballots, eligible),
        }
        totals["left"] = totals["amount"] - totals["allocated"]
        totals["share"] = _share(ballots, eligible)
    context = {
        "cycle": cycle,
        "cycles": cycles,
        "summaries": summaries,
        "published": published,
        "totals": totals,
        "charts": _index_charts(published, totals),
    }
    return render(request, "budgets/results/index.html", context)


def _index_charts(published: list[PoolSummary], totals: dict | None) -> dict:
    if totals is None:
        return {}
    return {
        "budget": _slot(
            charts.budget_chart(
                amount=totals["amount"],
                allocated=totals["allocated"],
                labels=_budget_labels(totals["currency"]),
                id_prefix="city-budget",
            ),
            [_("Part of the pools"), _("Amount")],
        ),
        "turnout": _slot(
            charts.turnout_chart(
                [summary.turnout for summary in published],
                title=_("Turnout by district"),
                id_prefix="city-turnout",
            ),
            [_("District"), _("Ballots"), _("Residents old enough to vote"), _("Turnout")],
        ),
    }


# A pool's results -----------------------------------------------------------------------------


def _unpublished(request: HtmxHttpRequest, pool: Pool) -> HttpResponse:
    """What everybody who may not see a draft gets before the council's approval."""
    response = render(request, "budgets/results/unpublished.html", {"pool": pool}, status=404)
    patch_cache_control(response, private=True, no_store=True)
    return response


def _budget_labels(currency: str) -> dict:
    return {
        "allocated": _("Allocated to the selected projects"),
        "left": _("Left over"),
        "title": _("Use of the pool"),
        "currency": currency,
    }


def _slot(chart: charts.Chart, headers: list[str]) -> dict:
    """A chart with the column headers of its data table (the rows cut to as many cells)."""
    return {
        "chart": chart,
        "headers": headers,
        "rows": [row[: len(headers)] for row in chart.table],
    }


def _pool_charts(results: PoolResults) -> dict:
    points = results.uses_points
    turnout = results.turnout
    slots = {
        "votes": _slot(
            charts.votes_chart(
                results.rows,
                title=_("Points per project") if points else _("Votes per project"),
                value_label=_("points") if points else _("votes"),
                highlight_label=_("selected"),
                id_prefix="votes",
            ),
            [_("Project"), _("Points") if points else _("Votes"), _("Outcome")],
        ),
        "budget": _slot(
            charts.budget_chart(
                amount=results.amount,
                allocated=results.allocated,
                labels=_budget_labels(results.pool.currency),
                id_prefix="budget",
            ),
            [_("Part of the pool"), _("Amount")],
        ),
    }
    if turnout.by_neighbourhood:
        slots["neighbourhoods"] = _slot(
            charts.turnout_chart(
                turnout.by_neighbourhood,
                title=_("Turnout by neighbourhood"),
                id_prefix="turnout-neighbourhood",
            ),
            [_("Neighbourhood"), _("Ballots"), _("Residents old enough to vote"), _("Turnout")],
        )
    if turnout.by_age_band:
        slots["age_bands"] = _slot(
            charts.turnout_chart(
                turnout.by_age_band, title=_("Ballots by age group"), id_prefix="turnout-age"
            ),
            [_("Age group"), _("Ballots")],
        )
    return slots


def _turnout(results: PoolResults) -> dict:
    turnout = results.turnout
    return {
        "share": _share(turnout.ballots, turnout.eligible),
        "channels": [
            (_("Online"), turnout.online, _share(turnout.online, turnout.ballots)),
            (_("Paper"), turnout.paper, _share(turnout.paper, turnout.ballots)),
        ],
        "neighbourhoods": [
            (row, _share(row.ballots, row.eligible)) for row in turnout.by_neighbourhood
        ],
        "age_bands": [(row, _share(row.ballots, turnout.ballots)) for row in turnout.by_age_band],
    }


def _options(results: PoolResults) -> list[tuple[str, str]]:
    """The rule and the options the count ran with, as label and value."""
    options = results.tally.options or {}
    tie_break = options.get("tie_break") or results.pool.tie_break
    rows = [
        (_("Ballot"), results.pool.get_method_display()),
        (_("Counting rule"), results.rule),
        (_("Tie-break"), TieBreak(tie_break).label),
    ]
    if tie_break == TieBreak.LOT and options.get("seed"):
        rows.append((_("Seed of the lot"), options["seed"]))
    min_votes = int(options.get("min_votes") or 0)
    rows.append((_("Minimum votes to be funded"), number(min_votes) if min_votes else _("none")))
    if results.tally.rule in (TallyRule.MES_ADD1, TallyRule.MES_ADD1_GREEDY):
        stop = options.get("add1_stop") or Add1Stop.EXHAUSTIVE
        rows.append((_("Add1 completion"), Add1Stop(stop).label))
    return rows


def _recount(call: str) -> dict:
    """The recount call split into the install command and the Python program."""
    lines = call.splitlines()
    return {
        "install": "\n".join(line for line in lines if line.startswith("pip ")),
        "program": "\n".join(line for line in lines if not line.startswith("pip ")).strip(),
    }


def _draft_headers(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def pool_results_page(request: HtmxHttpRequest, pool_id: int) -> HttpResponse:
    """A pool's results as the council approved them; a marked draft for who may see one."""
    pool = get_object_or_404(Pool.objects.select_related("cycle", "district"), pk=pool_id)
    report = selectors.published_report(pool=pool)
    may_see_draft = request.user.is_authenticated and request.user.has_perm(DRAFT_PERM, pool)
    draft = report is None
    if draft:
        if not may_see_draft:
            return _unpublished(request, pool)
        tally = official_tally(pool)
        latest = selectors.latest_report(pool=pool)
        report = latest if latest is not None and tally and latest.tally_id == tally.pk else None
    else:
        tally = report.tally
    context = {"pool": pool, "draft": draft, "results": None, "report": report}
    if tally is not None:
        results = pool_results(pool=pool, tally=tally, report=report)
        context.update(
            results=results,
            charts=_pool_charts(results),
            project_label=_("Points") if results.uses_points else _("Votes"),
            turnout=_turnout(results),
            options=_options(results),
            recount=_recount(results.recount),
            recount_output=repr(sorted(results.tally.selected)),
            linkable=set(
                public_proposals().filter(pool=pool).values_list("pk", flat=True).order_by()
            ),
        )
    if not draft:
        versions = selectors.approved_reports(pool=pool)
        context.update(
            files=sorted(
                next((v.files.all() for v in versions if v.pk == report.pk), []),
                key=lambda row: row.language,
            ),
            superseded=[version for version in versions if version.version < report.version],
            newer_pending=may_see_draft
            and Report.objects.filter(pool=pool, version__gt=report.version)
            .exclude(state=Report.State.APPROVED)
            .exists(),
        )
    response = render(request, "budgets/results/pool.html", context)
    return _draft_headers(response) if draft else response


@require_GET
def ballots_file(request: HtmxHttpRequest, pool_id: int) -> HttpResponse:
    """The anonymised ballots of a published pool as a pabulib file, with its SHA-256."""
    pool = get_object_or_404(Pool.objects.select_related("cycle", "district"), pk=pool_id)
    if selectors.published_report(pool=pool) is None:
        raise Http404
    freeze = BallotFreeze.objects.filter(pool=pool).first()
    if freeze is None:
        raise Http404
    data = freeze.ballots_pb.encode("utf-8")
    digest = hashlib.sha256(data)
    response = HttpResponse(data, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="civic-{pool.district.slug}-{pool.cycle.year}-{pool.pk}-ballots.pb"'
    )
    response["X-Content-SHA256"] = digest.hexdigest()
    response["Digest"] = "sha-256=" + base64.b64encode(digest.digest()).decode("ascii")
    response["ETag"] = f'"{digest.hexdigest()}"'
    return response


# The receipt lookup ---------------------------------------------------------------------------


class ReceiptForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Receipt code"),
        max_length=64,
        help_text=gettext_lazy(
            "The code you were shown when you cast your ballot, for example "
            "ABCD-EFGH-JKLM-NPQR. Spaces, dashes and small letters do not matter."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> list[str]:
        """The code in its stored form, and as typed (pools imported from a file keep the
        file's voter ids)."""
        typed = self.cleaned_data["code"].strip()
        normalised = receipt_normalise(typed)
        if not normalised:
            raise forms.ValidationError(_("Enter the receipt code of your ballot."))
        return sorted({normalised, typed})


def _client_key(request: HtmxHttpRequest) -> str:
    # Behind the TLS proxy REMOTE_ADDR is the proxy's, and the last X-Forwarded-For entry is
    # the client the proxy saw; without a proxy that header is the client's own and only
    # lets it split its own allowance, never use up someone else's.
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    return f"results-receipt:{request.META.get('REMOTE_ADDR', '')}|{forwarded[:64]}"


def _lookup_allowed(request: HtmxHttpRequest) -> bool:
    """Count this lookup against the client's allowance; False once it is used up."""
    key = _client_key(request)
    cache.add(key, 0, RECEIPT_WINDOW)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, RECEIPT_WINDOW)
        used = 1
    return used <= RECEIPT_LOOKUPS


def _ballot_lines(ballot: Ballot, results: dict[str, bool]) -> list[dict]:
    lines = []
    for line in ballot.lines.all():
        proposal = line.proposal
        project_id = open_data.project_id(proposal)
        lines.append(
            {
                "project_id": project_id,
                "title": proposal.title,
                "weight": line.weight,
                "selected": results.get(project_id),
            }
        )
    return sorted(lines, key=lambda line: (collation_key(line["title"]), line["project_id"]))


@never_cache
@require_http_methods(["GET", "POST"])
def receipt_lookup(request: HtmxHttpRequest, pool_id: int) -> HttpResponse:
    """A resident enters their receipt code and sees their ballot as it was counted.

    Only once the results are published. POST, so the code stays out of addresses, logs and
    history; the answer names the ballot's projects and nothing else about it or others.
    """
    pool = get_object_or_404(Pool.objects.select_related("cycle", "district"), pk=pool_id)
    report = selectors.published_report(pool=pool)
    if report is None:
        return _unpublished(request, pool)
    form = ReceiptForm(request.POST or None)
    context = {"pool": pool, "form": form, "looked_up": False, "lines": None}
    status = 200
    if request.method == "POST":
        if not form.is_valid():
            status = 400
        elif not _lookup_allowed(request):
            status = 429
            form.add_error(
                None,
                _("Too many look-ups from this connection. Please try again in a few minutes."),
            )
        else:
            ballot = (
                Ballot.objects.filter(pool=pool, held=False, receipt__in=form.cleaned_data["code"])
                .prefetch_related("lines__proposal")
                .first()
            )
            selected = {
                project["id"]: bool(project["selected"])
                for project in (report.tally.result or {}).get("projects", [])
            }
            context.update(
                looked_up=True,
                lines=_ballot_lines(ballot, selected) if ballot is not None else None,
                code=receipt_normalise(request.POST.get("code", "")),
                points=pool.method == BallotMethod.CUMULATIVE,
            )
    return render(request, "budgets/results/receipt.html", context, status=status)
