import rules

from budgets.predicates import is_staff_of_pool_district, pool_phase_dates_editable
from civic.accounts.predicates import is_city_admin

rules.add_perm(
    "budgets.change_pool_phases",
    (is_staff_of_pool_district | is_city_admin) & pool_phase_dates_editable,
)
