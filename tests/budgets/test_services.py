from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from budgets.models import Cycle, DistrictBudget, Pool
from budgets.services import (
    district_budget_set,
    pool_amount,
    pool_create,
    pool_set_phase_dates,
    pool_update,
)
from tests.factories import (
    CycleFactory,
    DistrictBudgetFactory,
    DistrictFactory,
    make_pool,
    phase_dates,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)


# Pool arithmetic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("budget", "share", "expected"),
    [
        ("12345678.90", "0.01", 123456),
        ("12345678.90", "0.0100", 123456),
        ("12345678.90", "0.0125", 154320),  # 154 320.986 25
        ("99.99", "1", 99),
        ("199.99", "0.5", 99),  # 99.995 is not rounded half up
        ("100", "0.01", 1),
        ("0", "0.01", 0),
    ],
)
def test_pool_amount_rounds_down_to_whole_units(budget, share, expected):
    amount = pool_amount(budget_amount=Decimal(budget), share=Decimal(share))
    assert amount == Decimal(expected)
    assert amount == amount.to_integral_value()


def test_pool_create_multiplies_budget_by_default_share():
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year, amount=Decimal("12345678.90"))
    pool = pool_create(cycle=cycle, district=district)
    pool.refresh_from_db()
    assert pool.share == Decimal("0.0100")
    assert pool.amount == Decimal("123456")


@override_settings(CIVIC_DEFAULT_POOL_SHARE="0.0125")
def test_pool_create_uses_configured_default_share():
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year, amount=Decimal("12345678.90"))
    pool = pool_create(cycle=cycle, district=district)
    assert pool.share == Decimal("0.0125")
    assert pool.amount == Decimal("154320")


def test_pool_create_with_share_0_0125():
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year, amount=Decimal("12345678.90"))
    pool = pool_create(cycle=cycle, district=district, share=Decimal("0.0125"))
    pool.refresh_from_db()
    assert pool.amount == Decimal("154320")


@pytest.mark.parametrize("currency", ["EUR", "BGN", "TRY"])
def test_pool_create_copies_currency_from_budget(currency):
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year, currency=currency)
    pool = pool_create(cycle=cycle, district=district)
    pool.refresh_from_db()
    assert pool.currency == currency


def test_pool_create_uses_budget_of_cycle_year():
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year - 1, amount=Decimal("500000"))
    DistrictBudgetFactory(district=district, year=cycle.year, amount=Decimal("900000"))
    pool = pool_create(cycle=cycle, district=district)
    assert pool.amount == Decimal("9000")


def test_pool_create_without_budget_raises():
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year - 1)
    with pytest.raises(ValidationError) as error:
        pool_create(cycle=cycle, district=district)
    assert error.value.code == "no_budget"
    assert not Pool.objects.exists()


@pytest.mark.parametrize("share", ["0", "1.5", "-0.01"])
def test_pool_create_share_out_of_range_raises(share):
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year)
    with pytest.raises(ValidationError):
        pool_create(cycle=cycle, district=district, share=Decimal(share))
    assert not Pool.objects.exists()


def test_pool_create_lot_tie_break_without_seed_raises():
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year)
    with pytest.raises(ValidationError):
        pool_create(cycle=cycle, district=district, tie_break="lot")


# pool_update ---------------------------------------------------------------------------------


def test_pool_update_before_voting_changes_settings_and_recomputes_amount():
    pool = make_pool(phase="review")
    updated = pool_update(pool=pool, method="knapsack", share=Decimal("0.0125"))
    pool.refresh_from_db()
    assert updated.method == pool.method == "knapsack"
    assert pool.amount == Decimal("154320")


def test_pool_update_after_voting_opened_raises_validation_error():
    pool = make_pool(phase="voting")
    with pytest.raises(ValidationError) as error:
        pool_update(pool=pool, method="knapsack")
    assert error.value.code == "locked"
    pool.refresh_from_db()
    assert pool.method == "approval"


def test_pool_update_out_of_order_dates_raises():
    pool = make_pool(phase="review")
    with pytest.raises(ValidationError):
        pool_update(pool=pool, voting_ends=pool.voting_starts - DAY)
    pool.refresh_from_db()
    assert pool.voting_ends > pool.voting_starts


# district_budget_set -------------------------------------------------------------------------


def test_district_budget_set_creates_budget():
    district = DistrictFactory()
    budget = district_budget_set(
        district=district, year=2030, amount=Decimal("1000000"), currency="TRY"
    )
    assert DistrictBudget.objects.get(pk=budget.pk).amount == Decimal("1000000")


def test_district_budget_set_updates_instead_of_duplicating():
    district = DistrictFactory()
    district_budget_set(district=district, year=2030, amount=Decimal("1000000"), currency="EUR")
    district_budget_set(district=district, year=2030, amount=Decimal("2000000"), currency="EUR")
    assert DistrictBudget.objects.filter(district=district, year=2030).count() == 1
    assert DistrictBudget.objects.get(district=district, year=2030).amount == Decimal("2000000")


@pytest.mark.parametrize("phase", ["draft", "submission", "review"])
def test_district_budget_set_recomputes_pools_not_yet_voting(phase):
    pool = make_pool(phase=phase, share=Decimal("0.0125"))
    district_budget_set(
        district=pool.district, year=pool.cycle.year, amount=Decimal("8000000.99"), currency="BGN"
    )
    pool.refresh_from_db()
    assert pool.amount == Decimal("100000")  # 100 000.012 375
    assert pool.currency == "BGN"


@pytest.mark.parametrize("phase", ["voting", "tallying", "results"])
def test_district_budget_set_leaves_pools_already_voting(phase):
    pool = make_pool(phase=phase)
    before = (pool.amount, pool.currency)
    budget = district_budget_set(
        district=pool.district, year=pool.cycle.year, amount=Decimal("1"), currency="TRY"
    )
    pool.refresh_from_db()
    assert (pool.amount, pool.currency) == before
    assert budget.amount == Decimal("1")


def test_district_budget_set_leaves_other_years_and_districts():
    pool = make_pool(phase="review")
    other = make_pool(phase="review")
    district_budget_set(
        district=pool.district, year=pool.cycle.year + 1, amount=Decimal("1"), currency="EUR"
    )
    district_budget_set(
        district=other.district, year=other.cycle.year, amount=Decimal("100"), currency="EUR"
    )
    pool.refresh_from_db()
    other.refresh_from_db()
    assert pool.amount == Decimal("123456")
    assert other.amount == Decimal("1")


# pool_set_phase_dates -----------------------------------------------------------------------


def _minute(dt):
    return dt.replace(second=0, microsecond=0)


def test_pool_set_phase_dates_sets_override():
    pool = make_pool(phase="review")
    new_end = _minute(pool.voting_ends + DAY)
    pool_set_phase_dates(pool=pool, dates={"voting_ends": new_end})
    pool.refresh_from_db()
    assert pool.voting_ends == new_end
    assert pool.dates.voting_ends == new_end


def test_pool_set_phase_dates_none_falls_back_to_cycle():
    pool = make_pool(phase="draft")
    # The cycle's dates lie in the future too, so falling back moves nothing into the past.
    Cycle.objects.filter(pk=pool.cycle_id).update(
        **phase_dates(timezone.now() + DAY, phase="draft")
    )
    pool.refresh_from_db()
    pool_set_phase_dates(pool=pool, dates=dict.fromkeys(phase_dates()))
    pool.refresh_from_db()
    assert pool.voting_starts is None
    assert pool.dates == pool.cycle.dates


def test_pool_set_phase_dates_refuses_moving_a_started_phase():
    pool = make_pool(phase="review")
    before = Pool.objects.get(pk=pool.pk).dates
    with pytest.raises(ValidationError) as error:
        pool_set_phase_dates(
            pool=pool,
            dates={
                "review_starts": pool.review_starts + timedelta(hours=1),
                "voting_ends": pool.voting_ends + DAY,
            },
        )
    assert "review_starts" in error.value.message_dict
    assert Pool.objects.get(pk=pool.pk).dates == before


def test_pool_set_phase_dates_refuses_out_of_order_dates():
    pool = make_pool(phase="submission")
    before = Pool.objects.get(pk=pool.pk).dates
    with pytest.raises(ValidationError):
        pool_set_phase_dates(pool=pool, dates={"voting_starts": pool.results_starts + DAY})
    assert Pool.objects.get(pk=pool.pk).dates == before


def test_pool_set_phase_dates_refuses_voting_closing_when_it_opens():
    pool = make_pool(phase="submission")
    with pytest.raises(ValidationError) as error:
        pool_set_phase_dates(pool=pool, dates={"voting_ends": pool.voting_starts})
    assert "voting_ends" in error.value.message_dict


def test_pool_set_phase_dates_moves_voting_close_of_a_voting_pool():
    pool = make_pool(phase="voting")
    new_end = pool.voting_ends + DAY
    pool_set_phase_dates(pool=pool, dates={"voting_ends": new_end})
    pool.refresh_from_db()
    assert pool.voting_ends == new_end


def test_pool_set_phase_dates_refuses_moving_voting_start_after_it_opened():
    pool = make_pool(phase="voting")
    with pytest.raises(ValidationError) as error:
        pool_set_phase_dates(pool=pool, dates={"voting_starts": timezone.now() + DAY})
    assert "voting_starts" in error.value.message_dict
    assert Pool.objects.get(pk=pool.pk).voting_has_opened


def test_pool_set_phase_dates_clearing_override_equal_to_cycle_date_after_voting_opened():
    # The effective voting start does not change (the cycle has the same date), so the
    # service lets it through; the database must not then refuse the write with a 500.
    district = DistrictFactory()
    cycle = CycleFactory(year=2034, phase="voting")
    DistrictBudgetFactory(district=district, year=cycle.year)
    pool = pool_create(cycle=cycle, district=district, voting_starts=cycle.voting_starts)
    pool_set_phase_dates(pool=pool, dates={"voting_starts": None})
    pool.refresh_from_db()
    assert pool.dates.voting_starts == cycle.voting_starts
