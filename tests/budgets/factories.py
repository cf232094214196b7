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
