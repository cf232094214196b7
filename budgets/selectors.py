"""Reads shaped for the budgets pages."""

from django.db.models import QuerySet
from django.utils import timezone

from budgets.models import Cycle, DistrictBudget, Pool


def current_cycle() -> Cycle | None:
    """The cycle residents care about now: the latest that has started, else the next one."""
    now = timezone.now()
    started = (
        Cycle.objects.filter(submission_starts__lte=now).order_by("-submission_starts").first()
    )
    if started is not None:
        return started
    return Cycle.objects.order_by("submission_starts").first()


def pools_of_cycle(*, cycle: Cycle) -> QuerySet[Pool]:
    """Every district's pool in the cycle, with district and cycle joined, by district name."""
    return (
        Pool.objects.filter(cycle=cycle)
        .select_related("district", "cycle")
        .order_by("district__name_en")
    )


def pools_of_district(*, district) -> QuerySet[Pool]:
    return (
        Pool.objects.filter(district=district)
        .select_related("cycle", "district")
        .order_by("-cycle__year")
    )


def district_budget_for(*, district, year: int) -> DistrictBudget | None:
    return DistrictBudget.objects.filter(district=district, year=year).first()
