"""The open data API's endpoints, one by one: shapes, filters, pages, headers, the OpenAPI
document, the CSV downloads and their protection against spreadsheet formulas."""

import csv
import io
from decimal import Decimal

import pytest

from budgets.models import BudgetLine, Pool
from districts.services import district_boundary_set
from proposals.models import Status
from tests.api.factories import Counted
from tests.budgets.factories import make_counted_pool
from tests.factories import DistrictBudgetFactory, DistrictFactory, make_pool
from tests.proposals.factories import ProposalFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
JSON_PATHS = [
    "/api/v1/",
    "/api/v1/districts",
    "/api/v1/districts/{slug}",
    "/api/v1/budgets",
    "/api/v1/cycles",
    "/api/v1/pools",
    "/api/v1/pools/{pool_id}",
    "/api/v1/pools/{pool_id}/results",
    "/api/v1/pools/{pool_id}/ballots.pb",
    "/api/v1/proposals",
    "/api/v1/proposals/{pk}",
    "/api/v1/reports",
]
CSV_TABLES = ["districts", "budgets", "cycles", "pools", "proposals", "results", "reports"]


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def csv_rows(client, table: str, query: str = "") -> list[dict]:
    response = client.get(f"{API}/{table}.csv{query}")
    assert response.status_code == 200, body(response)
    return list(csv.DictReader(io.StringIO(body(response))))


# The OpenAPI document -----------------------------------------------------------------------


def test_openapi_document_is_json_listing_every_path(client):
    response = client.get(f"{API}/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.") and document["info"]["version"] == "1"
    paths = set(document["paths"])
    assert paths == {*JSON_PATHS, *(f"/api/v1/{t}.csv" for t in CSV_TABLES)}
    for path, operations in document["paths"].items():
        assert set(operations) == {"get"}, path  # read-only
    csv_op = document["paths"]["/api/v1/proposals.csv"]["get"]
    assert "text/csv" in csv_op["responses"]["200"]["content"]
    pb_op = document["paths"]["/api/v1/pools/{pool_id}/ballots.pb"]["get"]
    assert "text/plain" in pb_op["responses"]["200"]["content"]
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and "list_pools" in ids


def test_no_docs_page_that_would_load_a_cdn(client):
    assert client.get(f"{API}/docs").status_code == 404
    assert "cdn" not in body(client.get(f"{API}/openapi.json")).lower()


def test_index_links_every_table(client):
    data = client.get(f"{API}/").json()
    assert data["openapi"] == "http://testserver/api/v1/openapi.json"
    assert set(data["csv"]) == set(CSV_TABLES)
    for url in [*data["endpoints"].values(), *data["csv"].values()]:
        assert client.get(url).status_code == 200, url


def test_only_get_is_allowed(client):
    assert client.post(f"{API}/pools", {}).status_code == 405
    assert client.delete(f"{API}/pools").status_code == 405


# Headers and pages --------------------------------------------------------------------------


def test_answers_are_publicly_cacheable_and_readable_from_any_site(client):
    make_pool()
    for url in (f"{API}/pools", f"{API}/pools.csv", f"{API}/openapi.json"):
        response = client.get(url)
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "Set-Cookie" not in response
    missing = client.get(f"{API}/pools/999999")
    assert missing.status_code == 404 and missing.json() == {"detail": "Not Found"}
    assert "public" not in missing.get("Cache-Control", "")


def test_lists_are_paginated_with_links(client):
    districts = sorted(DistrictFactory.create_batch(5), key=lambda d: d.slug)
    first = client.get(f"{API}/districts?limit=2").json()
    assert first["count"] == 5 and [d["slug"] for d in first["items"]] == [
        d.slug for d in districts[:2]
    ]
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/districts?limit=2&offset=2"
    last = client.get(f"{API}/districts?limit=2&offset=4").json()
    assert [d["slug"] for d in last["items"]] == [districts[4].slug] and last["next"] is None
    assert last["previous"] == "http://testserver/api/v1/districts?limit=2&offset=2"
    assert client.get(f"{API}/districts?limit=501").status_code == 422
    assert client.get(f"{API}/districts?offset=-1").status_code == 422


# Query counts -------------------------------------------------------------------------------


@pytest.fixture
def many(db):
    """Three counted pools with approved reports, budgets with lines, many proposals."""
    made = []
    for _ in range(3):
        pool, items, tally, report = make_counted_pool(voters=3)
        counted = Counted(pool, items, tally, report, None, None)
        counted.set_state("approved")
        budget = pool.district.budgets.get()
        for position in range(3):
            BudgetLine.objects.create(
                budget=budget, position=position, label_en=f"Line {position}", amount=100
            )
        made.append(counted)
    return made


@pytest.mark.parametrize(
    "url, limit",
    [
        ("districts", 2),
        ("budgets", 3),
        ("cycles", 2),
        ("pools", 3),
        ("proposals", 3),
        ("reports", 3),
    ],
)
def test_list_queries_do_not_grow_with_the_page(
    client, many, django_assert_max_num_queries, url, limit
):
    with django_assert_max_num_queries(limit):
        data = client.get(f"{API}/{url}?limit=500").json()
    assert data["count"] >= 3 or url == "cycles"


@pytest.mark.parametrize("table", CSV_TABLES)
def test_csv_queries_are_bounded(client, many, django_assert_max_num_queries, table):
    # results: one query for the reports and one per pool for the proposals' titles.
    with django_assert_max_num_queries(3 if table != "results" else 1 + len(many) + 1):
        rows = csv_rows(client, table)
    assert rows


# Each table ---------------------------------------------------------------------------------


def test_district_detail_has_boundary_neighbourhoods_and_budget_lines(client):
    district = DistrictFactory(centre_lat=Decimal("42.697700"), centre_lon=Decimal("23.321900"))
    district_boundary_set(
        district=district,
        geometry={"type": "Polygon", "coordinates": [[[23.3, 42.6], [23.4, 42.7], [23.3, 42.6]]]},
    )
    budget = DistrictBudgetFactory(district=district, year=2025, source_url="https://example.org")
    BudgetLine.objects.create(
        budget=budget, position=1, label_en="Schools", label_bg="Училища", amount=5000
    )
    data = client.get(f"{API}/districts/{district.slug}").json()
    assert data["name"] == {"en": district.name_en, "bg": district.name_bg, "tr": district.name_tr}
    assert data["centre"] == {"lat": "42.697700", "lon": "23.321900"}
    assert data["boundary"]["coordinates"][0][1] == [23.4, 42.7]
    other = DistrictFactory()
    assert client.get(f"{API}/districts/{other.slug}").json()["boundary"] is None
    assert data["url"] == f"http://testserver/districts/{district.slug}/"
    [entry] = data["budgets"]
    assert entry["amount"] == "12345678.90" and entry["source_url"] == "https://example.org"
    assert entry["lines"] == [
        {
            "position": 1,
            "label": {"en": "Schools", "bg": "Училища", "tr": ""},
            "amount": "5000.00",
        }
    ]
    assert client.get(f"{API}/districts/nowhere").status_code == 404
    [row] = csv_rows(client, "budgets")
    assert (row["district"], row["line_label_bg"], row["line_amount"]) == (
        district.slug,
        "Училища",
        "5000.00",
    )
    assert client.get(f"{API}/budgets?district={district.slug}&year=2025").json()["count"] == 1
    assert client.get(f"{API}/budgets?year=1999").json()["count"] == 0


def test_cycles_and_pools_show_their_phase_and_rules(client):
    pool = make_pool(phase="review", tally_rule="mes-add1", tie_break="fewer-cost")
    [cycle] = client.get(f"{API}/cycles").json()["items"]
    assert cycle["year"] == pool.cycle.year and cycle["phase"] == pool.cycle.phase.value
    data = client.get(f"{API}/pools/{pool.pk}").json()
    assert (data["tally_rule"], data["tie_break"], data["phase"]) == (
        "mes-add1",
        "fewer-cost",
        "review",
    )
    assert data["amount"] == str(pool.amount) and data["published"] is False
    assert "lot_seed" not in data
    other = make_pool()
    assert {
        p["id"] for p in client.get(f"{API}/pools?district={other.district.slug}").json()["items"]
    } == {other.pk}
    assert client.get(f"{API}/pools?published=true").json()["count"] == 0
    assert client.get(f"{API}/pools?published=false").json()["count"] == 2
    [row] = csv_rows(client, "cycles")
    assert row["phase"] == cycle["phase"] and row["year"] == str(pool.cycle.year)


def test_proposal_shows_public_fields_only(client):
    proposal = ProposalFactory(
        status=Status.FEASIBLE,
        staff_cost=Decimal("7000"),
        latitude=Decimal("42.1"),
        longitude=Decimal("23.2"),
        address="Park street",
    )
    data = client.get(f"{API}/proposals/{proposal.pk}").json()
    assert set(data) == {
        "id",
        "project_id",
        "pool",
        "cycle",
        "district",
        "title",
        "summary",
        "description_html",
        "category",
        "status",
        "selected",
        "author_cost",
        "staff_cost",
        "cost",
        "currency",
        "latitude",
        "longitude",
        "address",
        "supports",
        "submitted_at",
        "url",
    }
    assert (data["status"], data["cost"], data["staff_cost"]) == ("feasible", "7000", "7000")
    assert data["description_html"] == proposal.body_html and data["selected"] is None
    assert data["url"] == f"http://testserver/proposals/{proposal.pk}/"
    pool = proposal.pool
    for query in (f"pool={pool.pk}", f"district={pool.district.slug}", "status=feasible"):
        assert client.get(f"{API}/proposals?{query}").json()["count"] == 1, query
    assert client.get(f"{API}/proposals?status=submitted").json()["count"] == 0


def test_ballots_file_of_an_unknown_pool_is_not_found(client):
    assert client.get(f"{API}/pools/424242/ballots.pb").status_code == 404
    assert client.get(f"{API}/pools/424242/results").status_code == 404


# CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ['=HYPERLINK("http://evil.test")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
)
def test_csv_neutralises_formulas_written_by_residents(client, text):
    proposal = ProposalFactory(title=text, summary=text, address=text)
    [row] = csv_rows(client, "proposals")
    for column in ("title", "summary", "address"):
        assert row[column] == "'" + text, column
    assert client.get(f"{API}/proposals/{proposal.pk}").json()["title"] == text  # JSON as written


def test_csv_keeps_ordinary_text_and_numbers(client):
    ProposalFactory(title='Benches, shade & a "tree"\nby the school', author_cost=Decimal("5000"))
    [row] = csv_rows(client, "proposals")
    assert row["title"] == 'Benches, shade & a "tree"\nby the school'
    assert row["author_cost"] == "5000" and row["selected"] == ""


def test_csv_is_streamed_as_an_attachment(client):
    make_pool()
    response = client.get(f"{API}/pools.csv")
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="civic-pools.csv"'
    assert Pool.objects.count() == len(list(csv.DictReader(io.StringIO(body(response)))))
