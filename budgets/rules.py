import rules

from budgets.predicates import (
    is_staff_of_pool_district,
    may_vote_in_pool,
    pool_is_frozen,
    pool_is_voting,
    pool_phase_dates_editable,
)
from civic.accounts.predicates import is_city_admin, is_council_member

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

# Reports: drafts are for the district's staff, the council and city admins; only the
# council decides; only a city admin counts again after an approval.
rules.add_perm(
    "budgets.view_report_draft", is_staff_of_pool_district | is_council_member | is_city_admin
)
rules.add_perm("budgets.render_report", is_staff_of_pool_district | is_city_admin)
rules.add_perm("budgets.view_council_area", is_council_member | is_city_admin)
rules.add_perm("budgets.decide_report", is_council_member)
rules.add_perm("budgets.view_audit_log", is_council_member | is_city_admin)
rules.add_perm("budgets.retally", is_city_admin)
