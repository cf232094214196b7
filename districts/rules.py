import rules

from civic.accounts.predicates import is_any_district_staff, is_city_admin
from districts.predicates import is_district_staff, is_verified_resident

rules.add_perm("districts.view_staff_area", is_district_staff | is_city_admin)
rules.add_perm("districts.verify_residency", rules.is_authenticated & ~is_verified_resident)
rules.add_perm("districts.open_staff_dashboard", is_any_district_staff | is_city_admin)
