import rules

from budgets.models import BallotFreeze, Pool
from budgets.phases import Phase
from districts.predicates import is_district_staff


@rules.predicate
def is_staff_of_pool_district(user, pool: Pool) -> bool:
    """The user is staff of the district the pool belongs to."""
    return pool is not None and is_district_staff(user, pool.district)


@rules.predicate
def pool_phase_dates_editable(user, pool: Pool) -> bool:
    """A pool's dates can be edited until its results are announced."""
    return pool is not None and pool.phase not in ("results", "implementation")


@rules.predicate
def may_vote_in_pool(user, pool: Pool) -> bool:
    """The user is a verified resident of the pool's district, old enough, while voting is open."""
    from budgets import selectors, services

    if pool is None or not user.is_authenticated or not user.is_active:
        return False
    record = selectors.voter_record(user=user)
    return services.voter_problem(pool=pool, record=record) is None


@rules.predicate
def pool_is_voting(user, pool: Pool) -> bool:
    """The pool is in its voting phase (the clock decides)."""
    return pool is not None and pool.phase == Phase.VOTING


@rules.predicate
def pool_is_frozen(user, pool: Pool) -> bool:
    """Voting has closed and the pool's ballots are frozen."""
    return pool is not None and BallotFreeze.objects.filter(pool=pool).exists()
