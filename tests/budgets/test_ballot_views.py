"""The ballot pages (/vote/<pool>/) and the staff paper-ballot pages, by role."""

import pytest
from django.core import signing

from budgets.models import Ballot, PaperBallot, PaperEntry
from budgets.views import RECEIPT_COOKIE
from civic.accounts.models import Session
from tests.budgets.factories import make_voting_pool
from tests.factories import (
    CensusRecordFactory,
    DistrictFactory,
    UserFactory,
    make_city_admin,
    make_council,
    make_pool,
    make_resident,
    make_staff,
)

pytestmark = pytest.mark.django_db


def ballot_url(pool) -> str:
    return f"/vote/{pool.pk}/"


def _data(pool, items, picks: dict[int, int]) -> dict:
    if pool.method == "cumulative":
        return {f"points-{items[i].pk}": str(weight) for i, weight in picks.items()}
    return {"choice": [str(items[i].pk) for i in picks]}


@pytest.mark.parametrize(
    ("method", "fields", "picks", "left"),
    [
        ("approval", {"max_choices": 3}, {0: 1, 1: 1}, "Picks left"),
        ("knapsack", {}, {0: 1, 1: 1}, "€73,456"),  # 123,456 − 30,000 − 20,000
        ("cumulative", {"points_total": 10, "points_per_project": 5}, {0: 5, 2: 3}, "Points left"),
    ],
)
def test_ballot_round_trip_without_javascript(client, method, fields, picks, left):
    pool, items = make_voting_pool(method=method, **fields)
    voter = make_resident(pool.district)
    client.force_login(voter)
    page = client.get(ballot_url(pool))
    assert page.status_code == 200 and b'aria-live="polite"' in page.content
    data = _data(pool, items, picks)
    update = client.post(ballot_url(pool), {**data, "action": "update"})
    assert update.status_code == 200 and left.encode() in update.content
    review = client.post(ballot_url(pool), {**data, "action": "review"})
    assert review.status_code == 200 and b"Cast my ballot" in review.content
    assert not Ballot.objects.exists()  # reviewing stores nothing (WCAG 3.3.4)
    cast = client.post(ballot_url(pool), {**data, "action": "confirm"})
    assert cast.status_code == 302
    receipt_page = client.get(cast.url)
    ballot = Ballot.objects.get(pool=pool)
    assert ballot.receipt[:4].encode() in receipt_page.content
    assert client.get(cast.url).content.count(ballot.receipt[:4].encode()) == 0  # shown once
    weights = {items[i].pk: weight for i, weight in picks.items()}
    assert {line.proposal_id: line.weight for line in ballot.lines.all()} == weights
    # The ballot page shows the stored choices; changing gives a new receipt.
    again = client.get(ballot_url(pool))
    assert b"You have voted" in again.content
    other = {3: 1} if method != "cumulative" else {3: 2}
    client.post(ballot_url(pool), {**_data(pool, items, other), "action": "confirm"})
    assert Ballot.objects.get(pool=pool).receipt != ballot.receipt


def test_htmx_update_renders_only_the_summary_and_notes(client):
    pool, items = make_voting_pool(method="knapsack", costs=(100000, 30000))
    client.force_login(make_resident(pool.district))
    response = client.post(
        ballot_url(pool), {"choice": [str(items[0].pk)], "action": "update"}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="ballot-summary"' in body and 'aria-live="polite"' in body
    assert "€23,456" in body  # money left
    assert f'id="note-{items[1].pk}"' in body and 'hx-swap-oob="true"' in body
    assert "would exceed the pool by €6,544" in body  # 30,000 − 23,456


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"choice": ["abc"]}, "does not exist"),
        ({"choice": ["999999"]}, "not on this ballot"),
        ({"choice": ["{first}", "{first}"]}, "same project twice"),
        ({"choice": []}, "Choose at least"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_stores_nothing(client, data, message):
    pool, items = make_voting_pool(method="approval")
    client.force_login(make_resident(pool.district))
    data = {key: [v.format(first=items[0].pk) for v in values] for key, values in data.items()}
    response = client.post(ballot_url(pool), {**data, "action": "confirm"})
    assert response.status_code == 400
    assert message.encode() in response.content
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(("value", "message"), [("-1", "negative"), ("two", "whole numbers")])
def test_bad_points_are_refused(client, value, message):
    pool, items = make_voting_pool(method="cumulative")
    client.force_login(make_resident(pool.district))
    response = client.post(ballot_url(pool), {f"points-{items[0].pk}": value, "action": "confirm"})
    assert response.status_code == 400 and message.encode() in response.content
    assert not Ballot.objects.exists()


def test_add_link_preselects_the_proposal(client):
    pool, items = make_voting_pool(method="approval")
    client.force_login(make_resident(pool.district))
    page = client.get(f"{ballot_url(pool)}?add={items[2].pk}")
    assert f'value="{items[2].pk}" checked'.encode() in page.content
    detail = client.get(f"/proposals/{items[2].pk}/")
    assert f"/vote/{pool.pk}/?add={items[2].pk}".encode() in detail.content


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("unverified", "Only verified residents"),
        ("foreign", "residents of"),
        ("young", "turn 16"),
    ],
)
def test_refused_voters_see_why(client, who, message):
    pool, items = make_voting_pool()
    if who == "unverified":
        user = UserFactory()
    elif who == "foreign":
        user = make_resident(DistrictFactory())
    else:
        user = UserFactory()
        from django.utils.timezone import now

        CensusRecordFactory(
            district=pool.district,
            claimed_by=user,
            claimed_at=now(),
            birth_year=pool.dates.voting_ends.year - 14,
        )
    client.force_login(user)
    for response in (
        client.get(ballot_url(pool)),
        client.post(ballot_url(pool), {"choice": [str(items[0].pk)], "action": "confirm"}),
    ):
        assert response.status_code == 403 and message.encode() in response.content
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("phase", ["review", "tallying"])
def test_outside_voting_the_ballot_is_refused(client, phase):
    pool = make_pool(phase=phase)
    client.force_login(make_resident(pool.district))
    response = client.get(ballot_url(pool))
    assert response.status_code == 403
    assert b"not opened yet" in response.content or b"has closed" in response.content


def test_anonymous_is_sent_to_sign_in(client):
    pool, _items = make_voting_pool()
    response = client.get(ballot_url(pool))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_ballot_page_queries_do_not_grow_with_proposals(client, django_assert_max_num_queries):
    pool, _items = make_voting_pool(costs=[1000 + i for i in range(30)])
    client.force_login(make_resident(pool.district))
    with django_assert_max_num_queries(15):
        assert client.get(ballot_url(pool)).status_code == 200


def test_receipt_cookie_is_bound_to_the_current_ballot(client):
    pool, items = make_voting_pool(method="approval")
    resident = make_resident(pool.district)
    client.force_login(resident)
    response = client.post(ballot_url(pool), {"choice": [str(items[0].pk)], "action": "confirm"})
    kept = response.cookies[RECEIPT_COOKIE]
    assert kept["path"] == f"/vote/{pool.pk}/receipt/" and kept["httponly"]
    assert kept["max-age"] == 600 and kept["samesite"] == "Lax"
    assert kept.value.startswith(Ballot.objects.get(pool=pool).receipt + ":")  # signed
    # Unsigned, or signed for a code that is not the current ballot's: never shown.
    client.cookies[RECEIPT_COOKIE] = "FORGEDFORGEDFORG"
    assert b"FORG" not in client.get(f"/vote/{pool.pk}/receipt/").content
    client.cookies[RECEIPT_COOKIE] = signing.get_cookie_signer(
        salt=RECEIPT_COOKIE + f"civic.receipt:{resident.pk}:{pool.pk}"
    ).sign("FORGEDFORGEDFORG")
    assert b"FORG" not in client.get(f"/vote/{pool.pk}/receipt/").content


def test_the_cast_writes_no_session(client):
    pool, items = make_voting_pool(method="approval")
    client.force_login(make_resident(pool.district))
    before = Session.objects.values_list("session_data", flat=True).get()
    response = client.post(ballot_url(pool), {"choice": [str(items[0].pk)], "action": "confirm"})
    assert response.status_code == 302
    assert Session.objects.values_list("session_data", flat=True).get() == before


# Staff: paper ballots --------------------------------------------------------------------


def _paper_urls(pool, paper_id: int = 0) -> dict[str, str]:
    base = f"/staff/{pool.district.slug}/pools/{pool.pk}/paper/"
    return {
        "entry": base,
        "reconcile": f"{base}reconcile/",
        "resolve": f"{base}{paper_id}/resolve/",
    }


ROLES = ["anonymous", "resident", "foreign_staff", "council", "admin"]


def _user(role, pool):
    return {
        "anonymous": lambda: None,
        "resident": lambda: make_resident(pool.district),
        "foreign_staff": lambda: make_staff(DistrictFactory()),
        "council": make_council,
        "admin": make_city_admin,
    }[role]()


@pytest.mark.parametrize("role", ROLES)
def test_paper_pages_refused_to_everyone_but_district_staff(client, role):
    pool, items = make_voting_pool()
    CensusRecordFactory(district=pool.district, national_id="5550001111")
    user = _user(role, pool)
    if user is not None:
        client.force_login(user)
    urls = _paper_urls(pool)
    entry = {"national_id": "5550001111", "booth": "School", "choice": [str(items[0].pk)]}
    responses = [
        client.get(urls["entry"]),
        client.post(urls["entry"], entry),
        client.get(urls["reconcile"]) if role != "admin" else None,
        client.post(urls["resolve"], {"keep": "paper", "note": "x"}),
    ]
    for response in filter(None, responses):
        assert response.status_code in ((302,) if role == "anonymous" else (403, 404))
    assert not PaperBallot.objects.exists() and not PaperEntry.objects.exists()


def test_paper_double_entry_through_the_pages_is_blind(client):
    pool, items = make_voting_pool(method="approval", max_choices=3)
    CensusRecordFactory(district=pool.district, national_id="5550001111")
    first, second = make_staff(pool.district), make_staff(pool.district)
    urls = _paper_urls(pool)
    entry = {
        "national_id": "5550001111",
        "booth": "School 5",
        "choice": [str(items[1].pk), str(items[3].pk)],
    }
    client.force_login(first)
    assert client.post(urls["entry"], entry).status_code == 302
    client.force_login(second)
    blank = client.get(urls["entry"]).content.decode()
    assert "checked" not in blank and "5550001111" not in blank  # nothing of the first entry
    follow = client.post(urls["entry"], entry, follow=True)
    assert b"the paper ballot is counted" in follow.content
    assert Ballot.objects.get(pool=pool).channel == "paper"
    reconcile = client.get(urls["reconcile"]).content.decode()
    assert "School 5" in reconcile and "shown only after voting closes" in reconcile


def test_paper_entry_errors_are_tied_to_fields(client):
    pool, items = make_voting_pool()
    client.force_login(make_staff(pool.district))
    response = client.post(
        _paper_urls(pool)["entry"],
        {"national_id": "0000000000", "booth": "", "choice": [str(items[0].pk)]},
    )
    assert response.status_code == 400
    assert b'id="id_booth_error"' in response.content or b"Name the booth" in response.content
    assert not PaperEntry.objects.exists()


def test_add_link_to_a_project_not_on_this_ballot_is_ignored(client):
    pool, _items = make_voting_pool(method="approval")
    _other_pool, other_items = make_voting_pool()
    client.force_login(make_resident(pool.district))
    page = client.get(f"{ballot_url(pool)}?add={other_items[0].pk}")
    assert page.status_code == 200
    assert b"not on this ballot" not in page.content


def test_ballot_pool_reads_what_the_orm_reads(client):
    """The ballot's own pool query gives the same pool, cycle and district as the ORM, with
    overridden dates and decimals intact."""
    from datetime import timedelta

    from budgets import selectors
    from budgets.models import Pool
    from tests.factories import make_pool

    pool = make_pool(phase="voting", method="cumulative", points_total=7, points_per_project=3)
    Pool.objects.filter(pk=pool.pk).update(voting_ends=pool.dates.voting_ends + timedelta(days=1))
    type(pool.district).objects.filter(pk=pool.district_id).update(
        centre_lat="42.697700", centre_lon="23.321900"
    )
    expected = Pool.objects.select_related("cycle", "district").get(pk=pool.pk)
    got = selectors.ballot_pool(pool_id=pool.pk)
    for want, have in (
        (expected, got),
        (expected.cycle, got.cycle),
        (expected.district, got.district),
    ):
        for field in type(want)._meta.concrete_fields:
            assert getattr(have, field.attname) == getattr(want, field.attname), field.name
    assert got.district.get_deferred_fields() == set()
    assert got.phase == expected.phase and got.dates == expected.dates
    assert selectors.ballot_pool(pool_id=pool.pk + 1000) is None
    assert client.get(f"/vote/{pool.pk + 1000}/").status_code in (302, 404)
