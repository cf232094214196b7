import rules

from civic.accounts.predicates import is_any_district_staff, is_city_admin
from districts.predicates import is_district_staff, is_verified_resident

rules.add_perm("districts.view_staff_area", is_district_staff | is_city_admin)
rules.add_perm("districts.verify_residency", rules.is_authenticated & ~is_verified_resident)
# A rule, not a permission: the page header asks it on every page, and a permission that
# rules refuses is asked of Django's ModelBackend too (two queries for its permission tables).
rules.add_rule("districts.open_staff_dashboard", is_any_district_staff | is_city_admin)
