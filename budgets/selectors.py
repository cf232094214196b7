"""Reads shaped for the budgets pages."""

from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from budgets.models import (
    Ballot,
    BallotFreeze,
    Cycle,
    DistrictBudget,
    PaperBallot,
    Pool,
    Report,
    Tally,
)
from budgets.phases import Phase
from civic.rows import Rows
from districts.models import CensusRecord, District


def current_cycle() -> Cycle | None:
    """The cycle residents care about now: the latest that has started, else the next one."""
    now = timezone.now()
    started = (
        Cycle.objects.filter(submission_starts__lte=now).order_by("-submission_starts").first()
    )
    if started is not None:
        return started
    return Cycle.objects.order_by("submission_starts").first()


def pools_of_cycle(*, cycle: Cycle) -> QuerySet[Pool]:
    """Every district's pool in the cycle, with district and cycle joined, by district name."""
    return (
        Pool.objects.filter(cycle=cycle)
        .select_related("district", "cycle")
        .order_by("district__name_en")
    )


def pools_of_district(*, district) -> QuerySet[Pool]:
    return (
        Pool.objects.filter(district=district)
        .select_related("cycle", "district")
        .order_by("-cycle__year")
    )


def district_budget_for(*, district, year: int) -> DistrictBudget | None:
    return DistrictBudget.objects.filter(district=district, year=year).first()


# The ballot page and the cast read their pool, its cycle and its district on every request
# (the busiest of an election), so without compiling an ORM query each time (civic.rows).
_BALLOT_POOL = Rows(
    [("p", Pool), ("c", Cycle), ("d", District)],
    lambda quote, table: (
        f"FROM {table(Pool)} p JOIN {table(Cycle)} c ON c.id = p.cycle_id "
        f"JOIN {table(District)} d ON d.id = p.district_id WHERE p.id = %s"
    ),
)


def ballot_pool(*, pool_id: int) -> Pool | None:
    """The pool with its cycle and district."""
    found = _BALLOT_POOL.one([pool_id])
    if found is None:
        return None
    (pool, cycle, district), _ = found
    pool.cycle, pool.district = cycle, district
    return pool


def ballot_items(*, pool: Pool):
    """The proposals on the pool's ballot, in the order the ballot lists them.

    Without their descriptions: the ballot shows titles and costs and links to each proposal,
    and a page of long descriptions read on every ballot view and update would cost the most.
    """
    from proposals.models import Proposal, Status

    return (
        Proposal.objects.filter(pool=pool, status=Status.ON_BALLOT, hidden_at__isnull=True)
        .select_related("category")
        .defer("body", "body_html")
        .order_by("title", "id")
    )


def ballot_costs(*, pool: Pool) -> dict[int, Decimal]:
    """Proposal id → the cost that counts on the ballot (the district's estimate if any)."""
    return {
        pk: Decimal(staff_cost if staff_cost is not None else author_cost)
        for pk, staff_cost, author_cost in ballot_items(pool=pool).values_list(
            "pk", "staff_cost", "author_cost"
        )
    }


def ballot_of(*, pool: Pool, user) -> Ballot | None:
    """The user's own current ballot in the pool with its lines, or None."""
    if not user.is_authenticated:
        return None
    return (
        Ballot.objects.filter(pool=pool, census_record__claimed_by=user)
        .prefetch_related("lines")
        .first()
    )


def ballot_choices_of(*, pool: Pool, user) -> dict[int, int] | None:
    """The user's current choices in the pool (proposal id → weight), or None: no ballot.

    One SELECT written once, as the ballot page reads it on every visit.
    """
    if not user.is_authenticated:
        return None
    with connection.cursor() as cursor:
        cursor.execute(_BALLOT_CHOICES_SQL, [pool.pk, user.pk])
        rows = cursor.fetchall()
    if not rows:
        return None
    return {proposal: weight for _ballot, proposal, weight in rows if proposal is not None}


_BALLOT_CHOICES_SQL = (
    "SELECT b.id, l.proposal_id, l.weight FROM budgets_ballot b "
    "JOIN districts_censusrecord c ON c.id = b.census_record_id "
    "LEFT JOIN budgets_ballotline l ON l.ballot_id = b.id "
    "WHERE b.pool_id = %s AND c.claimed_by_id = %s"
)

# Every ballot page, summary update and refusal asks for the voter's census record.
_VOTER_RECORD = Rows(
    [("c", CensusRecord)],
    lambda quote, table: (
        f"FROM {table(CensusRecord)} c WHERE c.{quote('claimed_by_id')} = %s"  # noqa: S608
    ),
)


def voter_record(*, user) -> CensusRecord | None:
    """The census record the user has claimed, if any."""
    if not user.is_authenticated:
        return None
    found = _VOTER_RECORD.one([user.pk])
    return None if found is None else found[0][0]


def pools_to_close(*, now=None) -> list[Pool]:
    """Pools whose voting has ended and whose ballots are not frozen yet."""
    now = now or timezone.now()
    candidates = Pool.objects.filter(freeze__isnull=True).select_related("cycle")
    return [pool for pool in candidates if pool.dates.voting_ends <= now]


def pools_voting(*, now=None) -> list[Pool]:
    """Pools in their voting phase now."""
    now = now or timezone.now()
    return [
        pool
        for pool in Pool.objects.filter(freeze__isnull=True).select_related("cycle")
        if pool.phase_at(now) == Phase.VOTING
    ]


def paper_reconciliation(*, pool: Pool) -> dict:
    """Paper ballots by state and by assembly or booth; online totals only once frozen."""
    papers = PaperBallot.objects.filter(pool=pool)
    by_state = dict(papers.values_list("state").annotate(n=Count("id")).order_by())
    by_source = (
        papers.values("assembly__title", "assembly__held_on", "booth")
        .annotate(
            total=Count("id"),
            counted=Count("id", filter=Q(state=PaperBallot.State.COUNTED)),
            pending=Count(
                "id",
                filter=Q(state__in=(PaperBallot.State.AWAITING_SECOND, PaperBallot.State.MISMATCH)),
            ),
            conflicts=Count("id", filter=Q(state=PaperBallot.State.CONFLICT)),
        )
        .order_by("assembly__title", "booth")
    )
    freeze = BallotFreeze.objects.filter(pool=pool).first()
    return {
        "states": [
            (state, label, by_state.get(state, 0)) for state, label in PaperBallot.State.choices
        ],
        "sources": list(by_source),
        "freeze": freeze,
    }


def paper_queue(*, pool: Pool, state: str):
    """Paper ballots in `state` with who entered them (never what they entered)."""
    return (
        PaperBallot.objects.filter(pool=pool, state=state)
        .select_related("assembly")
        .prefetch_related("entries__entered_by")
        .order_by("created_at", "id")
    )


def pool_tallies(*, pool: Pool) -> dict:
    """The pool's tallies, official first, with the proposals' titles by project id."""
    from proposals.models import Proposal

    tallies = list(
        Tally.objects.filter(pool=pool).select_related("requested_by").order_by("-official", "-pk")
    )
    titles = {
        (external_id or str(pk)): title
        for pk, external_id, title in Proposal.objects.filter(pool=pool).values_list(
            "pk", "external_id", "title"
        )
    }
    for tally in tallies:
        tally.selected_titles = [titles.get(pid, pid) for pid in tally.selected]
    return {
        "tallies": tallies,
        "freeze": BallotFreeze.objects.filter(pool=pool).first(),
        "counting": any(t.state in ("queued", "running") for t in tallies),
    }


def published_report(*, pool: Pool) -> Report | None:
    """The pool's latest approved report: what the public results show. None: unpublished."""
    return (
        Report.objects.filter(pool=pool, state=Report.State.APPROVED)
        .select_related("tally")
        .order_by("-version")
        .first()
    )


def approved_reports(*, pool: Pool) -> list[Report]:
    """Every approved version, newest first (older ones are shown as superseded)."""
    return list(
        Report.objects.filter(pool=pool, state=Report.State.APPROVED)
        .select_related("decided_by")
        .prefetch_related("files")
        .order_by("-version")
    )


def latest_report(*, pool: Pool) -> Report | None:
    """The newest version in any state (staff and council see drafts)."""
    return Report.objects.filter(pool=pool).select_related("tally").order_by("-version").first()


def reports_awaiting_approval():
    """The council's queue: rendered reports waiting for a decision, oldest first."""
    return (
        Report.objects.filter(state=Report.State.PENDING)
        .select_related("pool__district", "pool__cycle", "tally")
        .prefetch_related("files")
        .order_by("rendered_at", "id")
    )


def tallies_queued() -> list[int]:
    """Ids of the tallies waiting for a worker."""
    return list(Tally.objects.filter(state=Tally.State.QUEUED).values_list("pk", flat=True))


def reports_rendering() -> list[int]:
    """Ids of the report versions waiting for (or in) their rendering."""
    return list(Report.objects.filter(state=Report.State.RENDERING).values_list("pk", flat=True))
