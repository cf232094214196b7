"""Demo results: ballots in the pools whose voting has ended, counted and reported.

The first such district's report is approved by the demo council (its results are
public); the others wait for the council, so a council member can approve one in the demo.
Ballots are written directly (their voting phase is in the past, so the ballot service
would refuse them, as it should) with the same methods' limits the ballot page enforces.
"""

import random
from decimal import Decimal

from django.db import transaction

from budgets import selectors
from budgets.methods import BallotSpec, summarise
from budgets.models import Ballot, BallotLine, BallotMethod, Channel, Pool, Report, Tally
from budgets.phases import Phase
from budgets.services import (
    age_band,
    ballots_freeze,
    receipt_new,
    report_approve,
    report_render,
    tally_run,
)
from districts.models import CensusRecord

TURNOUT = 0.7  # share of the district's census records that vote
PAPER_EVERY = 6  # every sixth ballot came in on paper


def _choices(spec: BallotSpec, costs: dict[int, Decimal], rng: random.Random) -> dict[int, int]:
    """A plausible valid ballot: popular projects (listed first) are chosen more often."""
    ranked = sorted(costs)
    weights = [len(ranked) - i for i in range(len(ranked))]
    if spec.method == BallotMethod.CUMULATIVE:
        choices: dict[int, int] = {}
        for _point in range(spec.points_total):
            pid = rng.choices(ranked, weights)[0]
            if choices.get(pid, 0) < spec.points_per_project:
                choices[pid] = choices.get(pid, 0) + 1
        return choices
    limit = spec.max_choices or len(ranked)
    wanted = rng.randint(max(spec.min_choices, 1), max(min(limit, 4), max(spec.min_choices, 1)))
    choices, spent = {}, Decimal(0)
    for pid in sorted(ranked, key=lambda p: -rng.random() * weights[ranked.index(p)]):
        if len(choices) >= wanted:
            break
        if spec.method == BallotMethod.KNAPSACK and spent + costs[pid] > spec.amount:
            continue
        choices[pid] = 1
        spent += costs[pid]
    return choices


@transaction.atomic
def seed_ballots(pool: Pool, seed: str) -> int:
    """Ballots for about TURNOUT of the district's census records; returns how many."""
    if Ballot.objects.filter(pool=pool).exists():
        return 0
    rng = random.Random(seed)
    spec = BallotSpec.of(pool)
    costs = selectors.ballot_costs(pool=pool)
    if not costs:
        return 0
    year = pool.dates.voting_ends.year
    records = list(
        CensusRecord.objects.filter(
            district_id=pool.district_id, birth_year__lte=year - pool.min_age
        ).order_by("pk")
    )
    voters = [record for record in records if rng.random() < TURNOUT]
    made = 0
    for number, record in enumerate(voters):
        choices = _choices(spec, costs, rng)
        if not choices or not summarise(spec, costs, choices, explain=False).castable:
            continue
        ballot = Ballot.objects.create(
            pool=pool,
            census_record=record,
            channel=Channel.PAPER if number % PAPER_EVERY == 0 else Channel.ONLINE,
            receipt=receipt_new(),
            neighbourhood_id=record.neighbourhood_id,
            age_band=age_band(birth_year=record.birth_year, year=year),
        )
        BallotLine.objects.bulk_create(
            BallotLine(ballot=ballot, proposal_id=pid, weight=weight)
            for pid, weight in sorted(choices.items())
        )
        made += 1
    return made


def seed_results(pool: Pool, *, council, approve: bool, seed: str) -> Report | None:
    """Ballots, freeze, official tally and its rendered report (approved if asked)."""
    if pool.phase not in (Phase.RESULTS, Phase.IMPLEMENTATION, Phase.TALLYING):
        return None
    if Report.objects.filter(pool=pool).exists():
        return None
    seed_ballots(pool, seed)
    ballots_freeze(pool=pool)
    tally = Tally.objects.filter(pool=pool, official=True).order_by("-run").first()
    tally = tally_run(tally=tally)
    report = report_render(report=Report.objects.get(tally=tally))
    if approve and report.state == Report.State.PENDING:
        report = report_approve(report=report, user=council)
    return report
