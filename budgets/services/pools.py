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
from budgets.phases import START_FIELDS, Phase, PhaseDates
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
    dates = {name: changes.pop(name) for name in PHASE_OVERRIDE_FIELDS if name in changes}
    dates = pool_dates_check(pool=pool, dates=dates)
    for name, value in {**changes, **dates}.items():
        setattr(pool, name, value)
    budget = _budget_for(district=pool.district, year=pool.cycle.year)
    pool.amount = pool_amount(budget_amount=budget.amount, share=pool.share)
    pool.currency = budget.currency
    pool.full_clean()
    pool.save()
    return pool


# Phases that may begin at the very instant the one before them does (as the cycle allows).
_MAY_START_TOGETHER = (Phase.RESULTS, Phase.IMPLEMENTATION)


def _validate_dates(dates: PhaseDates) -> None:
    steps = dates.starts()
    for (_earlier, first), (later, second) in zip(steps, steps[1:], strict=False):
        if second < first or (second == first and later not in _MAY_START_TOGETHER):
            raise ValidationError(
                {
                    START_FIELDS[later]: _("“%(phase)s” must start after the phase before it.")
                    % {"phase": later.label}
                },
                code="order",
            )


PHASE_OVERRIDE_FIELDS = PhaseDates.field_names()


def _same_second(a: datetime | None, b: datetime | None) -> bool:
    """Forms carry dates to the second; stored ones may have microseconds."""
    if a is None or b is None:
        return a is b
    return a.replace(microsecond=0) == b.replace(microsecond=0)


def pool_dates_check(
    *, pool: Pool, dates: dict[str, datetime | None]
) -> dict[str, datetime | None]:
    """Check new phase-date overrides for a pool; return the overrides that really change.

    A start that has passed cannot move, a future start cannot be moved into the past,
    and the phases must stay in order. Raises ValidationError naming the field.
    """
    now = timezone.now()
    before = pool.dates
    proposed = Pool(
        cycle=pool.cycle, **{name: getattr(pool, name) for name in PHASE_OVERRIDE_FIELDS}
    )
    changes = {}
    for name, value in dates.items():
        setattr(proposed, name, value)
        old, new = getattr(before, name), getattr(proposed.dates, name)
        if _same_second(old, new):
            # The date in force stays; keep the stored value (the trigger guards it).
            setattr(proposed, name, getattr(pool, name))
            continue
        if old is not None and old <= now:
            raise ValidationError(
                {name: _("This phase has already started; its start can no longer move.")},
                code="past",
            )
        if new is not None and new < now:
            raise ValidationError(
                {name: _("A phase that has not started cannot be moved into the past.")},
                code="past",
            )
        changes[name] = value
    _validate_dates(proposed.dates)
    return changes


@transaction.atomic
def pool_set_phase_dates(*, pool: Pool, dates: dict[str, datetime | None]) -> Pool:
    """Staff override of the pool's phase dates (None falls back to the cycle's).

    Locks the pool and checks the change with `pool_dates_check`; writes only the
    overrides whose date in force changes.
    """
    pool = Pool.objects.select_for_update().select_related("cycle").get(pk=pool.pk)
    changes = pool_dates_check(pool=pool, dates=dates)
    for name, value in changes.items():
        setattr(pool, name, value)
    if changes:
        pool.save(update_fields=list(changes))
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
