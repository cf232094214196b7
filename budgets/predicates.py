import rules

from budgets.models import Pool
from districts.predicates import is_district_staff


@rules.predicate
def is_staff_of_pool_district(user, pool: Pool) -> bool:
    """The user is staff of the district the pool belongs to."""
    return pool is not None and is_district_staff(user, pool.district)


@rules.predicate
def pool_phase_dates_editable(user, pool: Pool) -> bool:
    """A pool's dates can be edited until its results are announced."""
    return pool is not None and pool.phase not in ("results", "implementation")
