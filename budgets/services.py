"""Every write in the budgets app: budgets, pools and their phase dates."""

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budgets import selectors
from budgets.models import Cycle, DistrictBudget, Pool
from budgets.phases import PhaseDates
from districts.models import District


def pool_amount(*, budget_amount: Decimal, share: Decimal) -> Decimal:
    """The pool: budget × share, rounded down to whole currency units."""
    return (Decimal(budget_amount) * Decimal(share)).quantize(Decimal(1), rounding=ROUND_FLOOR)


def _budget_for(*, district: District, year: int) -> DistrictBudget:
    budget = selectors.district_budget_for(district=district, year=year)
    if budget is None:
        raise ValidationError(
            _("%(district)s has no budget for %(year)d; enter the district budget first.")
            % {"district": district, "year": year},
            code="no_budget",
        )
    return budget


@transaction.atomic
def pool_create(
    *, cycle: Cycle, district: District, share: Decimal | None = None, **options
) -> Pool:
    """Create the district's pool for the cycle from its budget for the cycle's year.

    `options` are the ballot method, limits, rule and phase overrides (Pool fields).
    """
    budget = _budget_for(district=district, year=cycle.year)
    share = Decimal(share if share is not None else settings.CIVIC_DEFAULT_POOL_SHARE)
    pool = Pool(
        cycle=cycle,
        district=district,
        share=share,
        amount=pool_amount(budget_amount=budget.amount, share=share),
        currency=budget.currency,
        **options,
    )
    pool.full_clean()
    pool.save()
    return pool


@transaction.atomic
def pool_update(*, pool: Pool, **changes) -> Pool:
    """Change a pool's share, method, limits, rule or dates while voting has not opened.

    Locks the pool row; recomputes the amount from the district budget. Raises
    ValidationError once voting has opened (the database trigger refuses it too).
    """
    pool = Pool.objects.select_for_update().select_related("cycle", "district").get(pk=pool.pk)
    if pool.voting_has_opened:
        raise ValidationError(
            _("Voting has opened: the pool's method, limits and rule can no longer change."),
            code="locked",
        )
    for name, value in changes.items():
        setattr(pool, name, value)
    budget = _budget_for(district=pool.district, year=pool.cycle.year)
    pool.amount = pool_amount(budget_amount=budget.amount, share=pool.share)
    pool.currency = budget.currency
    pool.full_clean()
    _validate_dates(pool.dates)
    pool.save()
    return pool


def _validate_dates(dates: PhaseDates) -> None:
    steps = dates.starts()
    for (_earlier, first), (later, second) in zip(steps, steps[1:], strict=False):
        if second < first:
            raise ValidationError(
                _("“%(phase)s” cannot start before the phase that precedes it.")
                % {"phase": later.label},
                code="order",
            )


PHASE_OVERRIDE_FIELDS = PhaseDates.field_names()


@transaction.atomic
def pool_set_phase_dates(*, pool: Pool, dates: dict[str, datetime | None]) -> Pool:
    """Staff override of the pool's phase dates (None falls back to the cycle's).

    Locks the pool; refuses to move a start that has already passed or to open voting
    later once it opened; checks that the resulting phases stay in order.
    """
    pool = Pool.objects.select_for_update().select_related("cycle").get(pk=pool.pk)
    now = timezone.now()
    before = pool.dates
    for name in PHASE_OVERRIDE_FIELDS:
        if name not in dates:
            continue
        setattr(pool, name, dates[name])
        old, new = getattr(before, name), getattr(pool.dates, name)
        if old != new and old is not None and old <= now:
            raise ValidationError(
                {name: _("This phase has already started; its start can no longer move.")},
                code="past",
            )
    _validate_dates(pool.dates)
    if pool.dates.voting_ends <= pool.dates.voting_starts:
        raise ValidationError({"voting_ends": _("Voting must close after it opens.")}, code="order")
    pool.save(update_fields=list(PHASE_OVERRIDE_FIELDS))
    return pool


@transaction.atomic
def district_budget_set(
    *, district: District, year: int, amount: Decimal, currency: str, source_url: str = ""
) -> DistrictBudget:
    """Record a district's annual budget and recompute the pools not yet open for voting."""
    budget, _created = DistrictBudget.objects.update_or_create(
        district=district,
        year=year,
        defaults={"amount": amount, "currency": currency, "source_url": source_url},
    )
    pools = (
        Pool.objects.select_for_update()
        .select_related("cycle")
        .filter(district=district, cycle__year=year)
    )
    for pool in pools:
        if not pool.voting_has_opened:
            pool.amount = pool_amount(budget_amount=budget.amount, share=pool.share)
            pool.currency = budget.currency
            pool.save(update_fields=["amount", "currency"])
    return budget
