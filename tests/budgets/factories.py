"""Factories for voting tests: a pool in its voting phase with proposals on the ballot."""

from decimal import Decimal

from budgets.models import Pool
from proposals.models import Proposal, Status
from tests.factories import make_pool
from tests.proposals.factories import ProposalFactory


def make_voting_pool(
    *, costs=(30000, 20000, 15000, 10000, 5000), amount: int | None = None, **pool_fields
) -> tuple[Pool, list[Proposal]]:
    """A pool in its voting phase and proposals on its ballot with the given costs.

    `amount` overrides the pool amount (written before voting opens, as the trigger wants).
    """
    pool = make_pool(phase="voting", **pool_fields)
    if amount is not None:
        Pool.objects.filter(pk=pool.pk).update(amount=amount)  # pragma: no cover - trigger guard
    proposals = [
        ProposalFactory(
            pool=pool,
            status=Status.ON_BALLOT,
            author_cost=Decimal(cost),
            title=f"Project {index}: {cost}",
        )
        for index, cost in enumerate(costs, start=1)
    ]
    pool.refresh_from_db()
    return pool, proposals


def make_counted_pool(*, rule: str = "greedy", voters: int = 5, **pool_fields):
    """A pool whose voting closed and whose official tally finished (its report requested,
    not yet rendered). Returns (pool, proposals, tally, report)."""
    from datetime import timedelta

    from budgets.models import Report, Tally
    from budgets.services import ballot_cast, ballots_freeze, tally_run
    from tests.factories import make_resident

    pool, items = make_voting_pool(tally_rule=rule, **pool_fields)
    for n in range(voters):
        chosen = {items[n % len(items)].pk: 1, items[(n + 1) % len(items)].pk: 1}
        ballot_cast(pool=pool, voter=make_resident(pool.district), choices=chosen)
    Pool.objects.filter(pk=pool.pk).update(
        voting_ends=pool.dates.voting_starts + timedelta(seconds=1)
    )
    pool.refresh_from_db()
    ballots_freeze(pool=pool)
    tally = tally_run(tally=Tally.objects.get(pool=pool, official=True))
    return pool, items, tally, Report.objects.get(tally=tally)
