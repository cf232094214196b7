"""Reads shaped for the districts pages."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from budgets.models import DistrictBudget, Pool
from districts.models import (
    CensusRecord,
    District,
    DistrictBoundary,
    StaffMembership,
    VerificationAttempt,
)

FAILED_OUTCOMES = [o for o in VerificationAttempt.Outcome if o not in ("matched", "throttled")]


def recent_verification_failures(*, user) -> QuerySet[VerificationAttempt]:
    """The user's failed verification attempts inside the throttle window, newest first."""
    since = timezone.now() - timedelta(minutes=settings.CIVIC_VERIFY_WINDOW_MINUTES)
    return VerificationAttempt.objects.filter(
        user=user, attempted_at__gte=since, outcome__in=FAILED_OUTCOMES
    ).order_by("-attempted_at")


def verification_locked_until(*, user) -> datetime | None:
    """When the throttle releases this user, or None if they may try now."""
    limit = settings.CIVIC_VERIFY_MAX_FAILURES
    times = list(
        recent_verification_failures(user=user).values_list("attempted_at", flat=True)[:limit]
    )
    if len(times) < limit:
        return None
    return times[-1] + timedelta(minutes=settings.CIVIC_VERIFY_WINDOW_MINUTES)


def residency_of(*, user) -> CensusRecord | None:
    """The census record the user claimed (with district and neighbourhood), if any."""
    if not user.is_authenticated:
        return None
    return (
        CensusRecord.objects.select_related("district", "neighbourhood")
        .filter(claimed_by=user)
        .first()
    )


def district_for_page(*, slug: str) -> QuerySet[District]:
    """The district with its budgets (and their lines) and pools, newest first."""
    return District.objects.filter(slug=slug).prefetch_related(
        Prefetch(
            "budgets",
            queryset=DistrictBudget.objects.prefetch_related("lines").order_by("-year"),
        ),
        Prefetch("pools", queryset=Pool.objects.select_related("cycle").order_by("-cycle__year")),
        "neighbourhoods",
    )


def staff_districts(*, user) -> QuerySet[District]:
    """Districts whose staff area the user may open; a city admin sees every district."""
    if user.is_superuser:
        return District.objects.all()
    return District.objects.filter(staff_memberships__user=user).distinct()


def staff_memberships(*, user) -> QuerySet[StaffMembership]:
    return StaffMembership.objects.filter(user=user).select_related("district")


def boundary_geometry(*, district: District) -> dict | None:
    """The district's outline (GeoJSON), or None; read only where it is shown (the API)."""
    return (
        DistrictBoundary.objects.filter(district=district)
        .values_list("geometry", flat=True)
        .first()
    )
