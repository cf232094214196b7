import rules

from districts.models import CensusRecord, District, StaffMembership


@rules.predicate
def is_district_staff(user, district: District) -> bool:
    """The user holds a staff membership in this district."""
    if not user.is_authenticated or not user.is_active or district is None:
        return False
    return StaffMembership.objects.filter(user=user, district=district).exists()


@rules.predicate
def is_verified_resident(user) -> bool:
    """The user has claimed a census record."""
    if not user.is_authenticated or not user.is_active:
        return False
    return CensusRecord.objects.filter(claimed_by=user).exists()


@rules.predicate
def is_resident_of(user, district: District) -> bool:
    """The user's claimed census record lies in this district."""
    if not user.is_authenticated or not user.is_active or district is None:
        return False
    return CensusRecord.objects.filter(claimed_by=user, district=district).exists()
