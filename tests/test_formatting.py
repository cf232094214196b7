from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from civic.formatting import money, number, percent
from civic.i18n import collation_key

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("language", "currency", "expected"),
    [
        ("en", "EUR", "€1,234,567"),
        ("bg", "EUR", f"1{NBSP}234{NBSP}567{NBSP}€"),
        ("tr", "EUR", "€1.234.567"),
        ("tr", "TRY", "₺1.234.567"),
        ("en", "TRY", f"TRY{NBSP}1,234,567"),
        ("bg", "BGN", f"1{NBSP}234{NBSP}567{NBSP}лв."),
    ],
)
def test_money_whole_amounts_follow_locale(language, currency, expected):
    assert money(Decimal("1234567"), currency, language) == expected


def test_money_keeps_cents_when_there_are_some():
    assert money(Decimal("12.5"), "EUR", "en") == "€12.50"
    assert money(Decimal("12.5"), "EUR", "bg") == f"12,50{NBSP}€"


def test_percent_and_number_follow_locale():
    assert percent(Decimal("0.01"), "en") == "1%"
    assert percent(Decimal("0.0125"), "tr") == "%1,25"
    assert number(108000, "bg") == f"108{NBSP}000"


def test_collation_key_orders_turkish_letters_in_place():
    names = ["Zeytinburnu", "Çayırova", "İzmit", "Ilgaz", "Darıca", "Cide", "Şile", "Sapanca"]
    assert sorted(names, key=lambda n: collation_key(n, "tr")) == [
        "Cide",
        "Çayırova",
        "Darıca",
        "Ilgaz",
        "İzmit",
        "Sapanca",
        "Şile",
        "Zeytinburnu",
    ]


def test_collation_key_orders_bulgarian_alphabet():
    names = ["Ямбол", "Бургас", "Ъглен", "Шумен", "Ахелой"]
    assert sorted(names, key=lambda n: collation_key(n, "bg")) == [
        "Ахелой",
        "Бургас",
        "Шумен",
        "Ъглен",
        "Ямбол",
    ]


def test_money_remembered_per_language_and_the_same_for_equal_amounts():
    from civic.formatting import _money

    _money.cache_clear()
    assert money(Decimal("1.5"), "EUR", "en") == "€1.50"
    assert money(Decimal("1.50"), "EUR", "en") == "€1.50"
    assert money(Decimal("2.0"), "EUR", "en") == money(Decimal("2"), "EUR", "en") == "€2"
    assert money(Decimal("1.5"), "EUR", "bg") != money(Decimal("1.5"), "EUR", "en")
    with translation.override("tr"):
        assert money(Decimal("1234567"), "EUR") == "€1.234.567"
    with translation.override("en"):
        assert money(Decimal("1234567"), "EUR") == "€1,234,567"
    assert _money.cache_info().hits >= 2


@pytest.mark.parametrize(("language", "shown"), [("en", "45%"), ("tr", "%45"), ("bg", "45%")])
def test_percent_filter_of_a_count_out_of_a_hundred(language, shown):
    page = Template("{% load civic %}{{ progress|percent:100 }}")
    with translation.override(language):
        assert page.render(Context({"progress": 45})) == shown
