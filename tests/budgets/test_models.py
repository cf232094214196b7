"""The database lock of a pool's settings once voting opens (migration 0002 trigger)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from budgets.models import LOCKED_POOL_FIELDS, Cycle, Pool
from budgets.services import pool_create
from tests.factories import CycleFactory, DistrictBudgetFactory, DistrictFactory, make_pool

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)

# A new value for each locked setting that passes the table's CHECK constraints.
LOCKED_CHANGES = {
    "amount": 1,
    "currency": "TRY",
    "share": Decimal("0.0200"),
    "method": "knapsack",
    "min_choices": 2,
    "max_choices": 7,
    "points_total": 20,
    "points_per_project": 4,
    "tally_rule": "mes",
    "tie_break": "fewer-cost",
    "lot_seed": "published-seed",
    "min_votes": 50,
    "add1_stop": "overspend",
    "min_age": 18,
    "points_exact": True,
}


def test_locked_changes_cover_every_locked_setting():
    assert set(LOCKED_CHANGES) | {"voting_starts"} == set(LOCKED_POOL_FIELDS)


@pytest.mark.parametrize(("field", "value"), sorted(LOCKED_CHANGES.items()))
def test_pool_raw_update_of_locked_setting_after_voting_opened_raises(field, value):
    pool = make_pool(phase="voting")
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(**{field: value})
    pool_after = Pool.objects.get(pk=pool.pk)
    assert getattr(pool_after, field) == getattr(pool, field)


@pytest.mark.parametrize(("field", "value"), sorted(LOCKED_CHANGES.items()))
def test_pool_raw_update_of_setting_before_voting_opened_is_allowed(field, value):
    pool = make_pool(phase="review")
    Pool.objects.filter(pk=pool.pk).update(**{field: value})
    assert getattr(Pool.objects.get(pk=pool.pk), field) == value


def test_pool_raw_update_of_voting_start_after_voting_opened_raises():
    pool = make_pool(phase="voting")
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(voting_starts=timezone.now() + DAY)
    assert Pool.objects.get(pk=pool.pk).voting_starts == pool.voting_starts


def test_pool_raw_update_moving_district_or_cycle_after_voting_opened_raises():
    pool = make_pool(phase="voting")
    other_district = DistrictFactory()
    other_cycle = CycleFactory(year=pool.cycle.year + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(district=other_district)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(cycle=other_cycle)


def test_pool_save_of_locked_setting_after_voting_opened_raises():
    pool = make_pool(phase="voting")
    pool.method = "cumulative"
    with pytest.raises(IntegrityError), transaction.atomic():
        pool.save()
    assert Pool.objects.get(pk=pool.pk).method == "approval"


def test_pool_raw_update_of_later_dates_after_voting_opened_is_allowed():
    # Only the settings are locked: closing time and results date may still move.
    pool = make_pool(phase="voting")
    new_end = pool.voting_ends + DAY
    Pool.objects.filter(pk=pool.pk).update(
        voting_ends=new_end, results_starts=pool.results_starts + DAY
    )
    assert Pool.objects.get(pk=pool.pk).voting_ends == new_end


def test_pool_delete_after_voting_opened_is_refused(require_postgres):
    # PostgreSQL only: on SQLite the trigger refuses updates but not deletes, because
    # Django's test flush deletes rows one by one there (migration 0002's docstring).
    pool = make_pool(phase="voting")
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).delete()
    assert Pool.objects.filter(pk=pool.pk).exists()


def test_pool_delete_before_voting_opened_is_allowed():
    pool = make_pool(phase="review")
    pool.delete()
    assert not Pool.objects.filter(pk=pool.pk).exists()


def _pool_without_overrides(cycle_phase: str, **overrides) -> Pool:
    district = DistrictFactory()
    cycle = CycleFactory(year=2031, phase=cycle_phase)
    DistrictBudgetFactory(district=district, year=cycle.year)
    return pool_create(cycle=cycle, district=district, **overrides)


def test_pool_lock_follows_cycle_voting_start_when_pool_has_no_override():
    pool = _pool_without_overrides("voting")
    assert pool.voting_starts is None
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(method="knapsack")


def test_pool_lock_follows_pool_override_that_opens_later_than_cycle():
    pool = _pool_without_overrides(
        "voting",
        voting_starts=timezone.now() + 2 * DAY,
        voting_ends=timezone.now() + 5 * DAY,
        results_starts=timezone.now() + 9 * DAY,
    )
    Pool.objects.filter(pk=pool.pk).update(method="knapsack")
    assert Pool.objects.get(pk=pool.pk).method == "knapsack"


def test_pool_lock_follows_pool_override_that_opened_before_cycle():
    pool = _pool_without_overrides("review", voting_starts=timezone.now() - DAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(method="knapsack")


def test_cycle_voting_start_cannot_move_after_it_passed():
    cycle = CycleFactory(year=2032, phase="voting")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.filter(pk=cycle.pk).update(voting_starts=cycle.voting_starts + DAY)
    assert Cycle.objects.get(pk=cycle.pk).voting_starts == cycle.voting_starts


def test_cycle_voting_start_can_move_before_it_passed():
    cycle = CycleFactory(year=2032, phase="review")
    new_start = cycle.voting_starts + DAY
    Cycle.objects.filter(pk=cycle.pk).update(voting_starts=new_start)
    assert Cycle.objects.get(pk=cycle.pk).voting_starts == new_start


def test_cycle_other_fields_can_change_after_voting_opened():
    cycle = CycleFactory(year=2032, phase="voting")
    Cycle.objects.filter(pk=cycle.pk).update(
        title_en="Renamed", results_starts=cycle.results_starts + DAY
    )
    assert Cycle.objects.get(pk=cycle.pk).title_en == "Renamed"


def test_cycle_phases_out_of_order_violate_check_constraint():
    cycle = CycleFactory(year=2033, phase="draft")
    with pytest.raises(IntegrityError), transaction.atomic():
        Cycle.objects.filter(pk=cycle.pk).update(review_starts=cycle.submission_starts - DAY)


def test_pool_share_outside_range_violates_check_constraint():
    pool = make_pool(phase="review")
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.filter(pk=pool.pk).update(share=Decimal("0"))


def test_pool_one_per_district_and_cycle():
    pool = make_pool(phase="review")
    with pytest.raises(IntegrityError), transaction.atomic():
        Pool.objects.create(
            cycle=pool.cycle, district=pool.district, amount=1, currency="EUR", share=pool.share
        )
