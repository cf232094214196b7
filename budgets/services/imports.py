"""Loading a pabulib election as a closed pool (for recounts, demos and comparisons)."""

from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from budgets import tally as engine
from budgets.models import (
    Ballot,
    BallotFreeze,
    BallotLine,
    BallotMethod,
    Channel,
    Currency,
    Cycle,
    Pool,
    TallyRule,
)
from budgets.services.voting import ballots_freeze
from districts.models import District

# META `rule` of pabulib files (and of our own exports, which use our names) → our rules.
PABULIB_RULES = {
    "greedy": TallyRule.GREEDY,
    "equalshares": TallyRule.MES,
    "equalshares/add1": TallyRule.MES_ADD1,
    **{rule: rule for rule in TallyRule.values},
}
BATCH = 5000


def _cycle_for(year: int) -> Cycle:
    cycle = Cycle.objects.filter(year=year).first()
    if cycle is not None:
        return cycle
    start = timezone.make_aware(datetime(year, 1, 1, 9))
    return Cycle.objects.create(
        year=year,
        title_en=f"Participatory budget {year}",
        title_bg=f"Участие в бюджета {year}",
        title_tr=f"Katılımcı bütçe {year}",
        submission_starts=start,
        review_starts=start + timedelta(days=30),
        voting_starts=start + timedelta(days=60),
        voting_ends=start + timedelta(days=90),
        results_starts=start + timedelta(days=120),
    )


def _closed_dates(cycle: Cycle) -> dict:
    """Pool dates that put the pool after its voting, whatever the cycle's own dates."""
    now = timezone.now()
    if cycle.voting_ends <= now:
        return {}
    day = timedelta(days=1)
    return {
        "submission_starts": now - 4 * day,
        "review_starts": now - 3 * day,
        "support_starts": None,
        "voting_starts": now - 2 * day,
        "voting_ends": now - day,
        "results_starts": max(cycle.results_starts, now - day),
    }


def _weight(value) -> int:
    weight = int(value)
    if weight != value:
        raise ValidationError(f"points must be whole numbers, not {value}")
    return weight


@transaction.atomic
def pool_import_pabulib(*, text: str, district: District, year: int) -> tuple[Pool, BallotFreeze]:
    """Create a closed pool of the district in the year's cycle from a pabulib file.

    Projects become proposals on the ballot (their ids kept as `external_id`, so tallies
    use the file's ids and tie-breaks), votes become anonymous ballots under their voter
    ids; the pool is then frozen, which queues its official tally. Raises ValidationError
    (for a malformed file, with the line) or if the district already has a pool that year.
    """
    from proposals.models import TITLE_MAX, Category, Proposal, Status

    try:
        election = engine.loads(text)
    except engine.PBFormatError as error:
        raise ValidationError(str(error), code="format") from error
    cycle = _cycle_for(year)
    if Pool.objects.filter(cycle=cycle, district=district).exists():
        raise ValidationError(f"{district.slug} already has a pool in {year}", code="exists")
    cumulative = election.vote_type in ("cumulative", "scoring")
    currency = election.meta.get("currency", "").upper()
    pool = Pool.objects.create(
        cycle=cycle,
        district=district,
        share=Decimal(1),
        amount=Decimal(election.budget).quantize(Decimal(1), rounding=ROUND_FLOOR),
        currency=currency if currency in Currency.values else Currency.EUR,
        method=BallotMethod.CUMULATIVE if cumulative else BallotMethod.APPROVAL,
        min_choices=0,
        points_total=max(1, int(election.meta.get("max_sum_points", 10) or 10)),
        points_per_project=max(1, int(election.meta.get("max_sum_points", 10) or 10)),
        tally_rule=PABULIB_RULES.get(election.meta.get("rule", ""), TallyRule.GREEDY),
        **_closed_dates(cycle),
    )
    category = Category.objects.order_by("position", "pk").first()
    if category is None:  # a database without the default categories
        category = Category.objects.create(
            slug="imported", name_en="Imported", name_bg="Внесени", name_tr="İçe aktarılan"
        )
    now = timezone.now()
    proposals = Proposal.objects.bulk_create(
        Proposal(
            pool=pool,
            author=None,
            title=(project.extra.get("name") or f"Project {project.id}")[:TITLE_MAX],
            summary="",
            body="",
            body_html="",
            category=category,
            author_cost=Decimal(int(project.cost)) or Decimal(1),
            status=Status.ON_BALLOT,
            submitted_at=now,
            external_id=project.id,
        )
        for project in election.projects.values()
    )
    by_id = {proposal.external_id: proposal.pk for proposal in proposals}
    for start in range(0, len(election.votes), BATCH):
        chunk = election.votes[start : start + BATCH]
        ballots = Ballot.objects.bulk_create(
            Ballot(pool=pool, channel=Channel.ONLINE, receipt=vote.voter_id, age_band="")
            for vote in chunk
        )
        lines = []
        for ballot, vote in zip(ballots, chunk, strict=True):
            points = vote.points if cumulative and vote.points else [1] * len(vote.projects)
            for project, value in zip(vote.projects, points, strict=True):
                weight = _weight(value)
                if weight > 0:
                    lines.append(
                        BallotLine(ballot=ballot, proposal_id=by_id[project], weight=weight)
                    )
        BallotLine.objects.bulk_create(lines, batch_size=BATCH)
    return pool, ballots_freeze(pool=pool)
