import rules

from budgets.predicates import (
    is_staff_of_pool_district,
    may_vote_in_pool,
    pool_is_frozen,
    pool_is_voting,
    pool_phase_dates_editable,
)
from civic.accounts.predicates import is_city_admin

rules.add_perm(
    "budgets.change_pool_phases",
    (is_staff_of_pool_district | is_city_admin) & pool_phase_dates_editable,
)
rules.add_perm("budgets.cast_ballot", may_vote_in_pool)
rules.add_perm("budgets.enter_paper_ballot", is_staff_of_pool_district & pool_is_voting)
rules.add_perm("budgets.view_paper_ballots", is_staff_of_pool_district)
rules.add_perm("budgets.resolve_paper_conflict", is_staff_of_pool_district & pool_is_voting)
rules.add_perm("budgets.view_tallies", is_staff_of_pool_district | is_city_admin)
rules.add_perm("budgets.request_what_if", is_staff_of_pool_district & pool_is_frozen)
