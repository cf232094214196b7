"""The Django admin as a city admin uses it: pools, cycles and district budgets."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from budgets.models import Cycle, DistrictBudget, Pool
from tests.factories import (
    CycleFactory,
    DistrictBudgetFactory,
    DistrictFactory,
    make_city_admin,
    make_pool,
)

pytestmark = pytest.mark.django_db

SETTINGS = ("method", "tally_rule", "min_choices", "max_choices", "share", "tie_break")
DATE_FIELDS = (
    "submission_starts",
    "review_starts",
    "support_starts",
    "voting_starts",
    "voting_ends",
    "results_starts",
    "implementation_starts",
)


@pytest.fixture
def admin_client(client):
    client.force_login(make_city_admin())
    return client


def _split(value) -> tuple[str, str]:
    if value is None:
        return "", ""
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


def pool_form_data(pool: Pool | None = None, **changes) -> dict:
    """The admin form as a browser posts it, from a pool's current values."""
    values = {
        "cycle": pool.cycle_id if pool else "",
        "district": pool.district_id if pool else "",
        "share": pool.share if pool else "0.0100",
        "method": pool.method if pool else "approval",
        "min_choices": pool.min_choices if pool else 1,
        "max_choices": (pool.max_choices or "") if pool else "",
        "points_total": pool.points_total if pool else 10,
        "points_per_project": pool.points_per_project if pool else 5,
        "min_age": pool.min_age if pool else 16,
        "tally_rule": pool.tally_rule if pool else "greedy",
        "tie_break": pool.tie_break if pool else "lexico",
        "lot_seed": pool.lot_seed if pool else "",
        "min_votes": pool.min_votes if pool else 0,
        "add1_stop": pool.add1_stop if pool else "exhaustive",
        "_save": "Save",
    }
    values.update(changes)
    data = {k: v for k, v in values.items() if k not in DATE_FIELDS}
    for name in DATE_FIELDS:
        value = values.get(name, getattr(pool, name) if pool else None)
        data[f"{name}_0"], data[f"{name}_1"] = _split(value)
    return data


def _has_input(html: str, name: str) -> bool:
    return re.search(rf'name="{name}(_0)?"', html) is not None


def test_admin_pool_change_form_for_voting_pool_shows_settings_read_only(admin_client):
    pool = make_pool(phase="voting", method="knapsack", tally_rule="mes")
    response = admin_client.get(f"/admin/budgets/pool/{pool.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in (*SETTINGS, "voting_starts", "amount", "currency", "district", "cycle"):
        assert not _has_input(html, name), name
    # Shown, not hidden: the read-only values are on the page.
    assert "Knapsack" in html
    assert "Method of Equal Shares" in html


def test_admin_pool_change_form_before_voting_shows_settings_editable(admin_client):
    pool = make_pool(phase="review")
    response = admin_client.get(f"/admin/budgets/pool/{pool.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    for name in (*SETTINGS, "voting_starts"):
        assert _has_input(html, name), name
    assert not _has_input(html, "amount")  # always computed from the budget


def test_admin_pool_post_for_voting_pool_cannot_change_settings(admin_client):
    pool = make_pool(phase="voting")
    data = pool_form_data(
        pool, method="cumulative", tally_rule="mes", max_choices=3, share="0.5000"
    )
    response = admin_client.post(f"/admin/budgets/pool/{pool.pk}/change/", data)
    assert response.status_code in (200, 302)
    after = Pool.objects.get(pk=pool.pk)
    assert (after.method, after.tally_rule, after.max_choices, after.share, after.amount) == (
        pool.method,
        pool.tally_rule,
        pool.max_choices,
        pool.share,
        pool.amount,
    )


def test_admin_pool_post_before_voting_changes_settings_and_amount(admin_client):
    pool = make_pool(phase="review")
    data = pool_form_data(pool, method="knapsack", tally_rule="mes", share="0.0125")
    response = admin_client.post(f"/admin/budgets/pool/{pool.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    after = Pool.objects.get(pk=pool.pk)
    assert (after.method, after.tally_rule) == ("knapsack", "mes")
    assert after.amount == Decimal("154320")


def test_admin_pool_post_with_out_of_order_dates_shows_form_error(admin_client):
    pool = make_pool(phase="review")
    data = pool_form_data(pool, voting_ends=pool.voting_starts - timedelta(days=1))
    response = admin_client.post(f"/admin/budgets/pool/{pool.pk}/change/", data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Pool.objects.get(pk=pool.pk).voting_ends == pool.voting_ends


def test_admin_pool_add_without_budget_shows_form_error(admin_client):
    district = DistrictFactory(name_en="Nobudget")
    cycle = CycleFactory()
    data = pool_form_data(cycle=cycle.pk, district=district.pk)
    response = admin_client.post("/admin/budgets/pool/add/", data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert any("no budget" in str(error) for error in errors)
    assert "Nobudget has no budget" in response.content.decode()
    assert not Pool.objects.exists()


def test_admin_pool_add_with_budget_creates_pool_from_budget(admin_client):
    district = DistrictFactory()
    cycle = CycleFactory()
    DistrictBudgetFactory(district=district, year=cycle.year, currency="TRY")
    data = pool_form_data(cycle=cycle.pk, district=district.pk, share="0.0125")
    response = admin_client.post("/admin/budgets/pool/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    pool = Pool.objects.get(district=district, cycle=cycle)
    assert (pool.amount, pool.currency) == (Decimal("154320"), "TRY")


def test_admin_pool_delete_of_voting_pool_is_refused(admin_client):
    pool = make_pool(phase="voting")
    response = admin_client.post(f"/admin/budgets/pool/{pool.pk}/delete/", {"post": "yes"})
    assert response.status_code in (302, 403)
    assert Pool.objects.filter(pk=pool.pk).exists()


def test_admin_cycle_voting_start_read_only_after_it_passed(admin_client):
    voting = CycleFactory(year=2035, phase="voting")
    review = CycleFactory(year=2036, phase="review")
    html = admin_client.get(f"/admin/budgets/cycle/{voting.pk}/change/").content.decode()
    assert not _has_input(html, "voting_starts")
    assert _has_input(html, "voting_ends")
    html = admin_client.get(f"/admin/budgets/cycle/{review.pk}/change/").content.decode()
    assert _has_input(html, "voting_starts")
    assert Cycle.objects.count() == 2


def test_admin_district_budget_save_recomputes_open_pool(admin_client):
    pool = make_pool(phase="review")
    budget = DistrictBudget.objects.get(district=pool.district, year=pool.cycle.year)
    data = {
        "district": pool.district_id,
        "year": budget.year,
        "amount": "5000000.00",
        "currency": "EUR",
        "source_url": "",
        "lines-TOTAL_FORMS": "0",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    response = admin_client.post(f"/admin/budgets/districtbudget/{budget.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Pool.objects.get(pk=pool.pk).amount == Decimal("50000")
