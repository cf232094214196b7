"""District outlines live in their own table with the box around them, so the pages that read
districts (nearly all) never load a possibly huge GeoJSON; maps use the stored box."""

import json
import math
import sqlite3
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from districts.models import DistrictBoundary
from districts.services import district_boundary_set
from proposals.selectors import map_bounds
from tests.factories import DistrictFactory, make_city_admin, make_pool, make_resident
from tests.proposals.factories import ProposalFactory
from tests.test_migrations_sqlite import _manage

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[23.3, 42.6], [23.4, 42.6], [23.4, 42.7], [23.3, 42.6]]],
}


def outline(points: int = 5000) -> dict:
    """A district-sized polygon with as many points as a surveyed outline (~120 kB)."""
    ring = [
        [
            round(23.32 + 0.05 * math.cos(2 * math.pi * i / points), 6),
            round(42.69 + 0.04 * math.sin(2 * math.pi * i / points), 6),
        ]
        for i in range(points)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


@pytest.mark.parametrize(
    "geometry",
    [
        SQUARE,
        {"type": "MultiPolygon", "coordinates": [SQUARE["coordinates"]]},
        {"type": "Feature", "properties": {}, "geometry": SQUARE},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": SQUARE}]},
    ],
)
def test_boundary_set_stores_the_outline_and_the_box_around_it(geometry):
    district = DistrictFactory()
    boundary = district_boundary_set(district=district, geometry=geometry)
    boundary.refresh_from_db()
    assert boundary.geometry == geometry
    assert (boundary.south, boundary.west, boundary.north, boundary.east) == (
        Decimal("42.600000"),
        Decimal("23.300000"),
        Decimal("42.700000"),
        Decimal("23.400000"),
    )
    assert map_bounds(district=district) == (
        Decimal("42.600000"),
        Decimal("23.300000"),
        Decimal("42.700000"),
        Decimal("23.400000"),
    )


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Polygon", "coordinates": []}, "must be GeoJSON"),
        ({"type": "Polygon", "coordinates": [[["23.3", "42.6"]]]}, "must be GeoJSON"),
        ({"type": "Polygon", "coordinates": [[[True, False]]]}, "must be GeoJSON"),
        ([23.3, 42.6], "must be GeoJSON"),
        ({"type": "Polygon", "coordinates": [[[42.6, 123.3], [42.7, 123.4]]]}, "off the globe"),
    ],
)
def test_boundary_set_refuses_geometry_without_usable_coordinates(geometry, message):
    district = DistrictFactory()
    district_boundary_set(district=district, geometry=SQUARE)
    with pytest.raises(ValidationError, match=message):
        district_boundary_set(district=district, geometry=geometry)
    assert DistrictBoundary.objects.get(district=district).geometry == SQUARE


def test_boundary_set_none_removes_it_and_maps_fall_back_to_the_centre():
    district = DistrictFactory(centre_lat=Decimal("42.700000"), centre_lon=Decimal("23.300000"))
    district_boundary_set(district=district, geometry=SQUARE)
    assert district_boundary_set(district=district, geometry=None) is None
    assert not DistrictBoundary.objects.exists()
    assert map_bounds(district=district) == (
        Decimal("42.650000"),
        Decimal("23.250000"),
        Decimal("42.750000"),
        Decimal("23.350000"),
    )
    assert map_bounds(district=DistrictFactory()) is None


def test_pages_that_read_districts_never_read_their_outlines(client):
    """The proposals list read every outline once per card and per filter option: with real
    outlines that was 190 ms of CPU a page instead of 17."""
    pool = make_pool(phase="submission")
    district_boundary_set(district=pool.district, geometry=outline())
    for other in DistrictFactory.create_batch(3):
        district_boundary_set(district=other, geometry=outline(50))
    proposal = ProposalFactory(pool=pool)
    resident = make_resident(pool.district)
    client.force_login(resident)
    pages = [
        "/",
        "/proposals/",
        f"/proposals/{proposal.pk}/",
        f"/districts/{pool.district.slug}/",
        "/proposals/map/",
    ]
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page)
        assert response.status_code == 200, page
        sql = " ".join(query["sql"] for query in queries)
        assert "geometry" not in sql, page
    # The district's map is held to the stored box.
    box = DistrictBoundary.objects.get(district=pool.district)
    expected = f'data-bounds="{box.south},{box.west},{box.north},{box.east}"'
    with CaptureQueriesContext(connection) as queries:
        page = client.get(f"/proposals/map/?district={pool.district.slug}").content.decode()
    assert expected in page
    assert "geometry" not in " ".join(query["sql"] for query in queries)


def test_admin_saves_an_outline_with_its_box_and_refuses_a_bad_one(client):
    client.force_login(make_city_admin())
    district = DistrictFactory()
    url = f"/admin/districts/district/{district.pk}/change/"

    def post(geometry: str):
        return client.post(
            url,
            {
                "name_en": district.name_en,
                "name_bg": district.name_bg,
                "name_tr": district.name_tr,
                "slug": district.slug,
                "population": district.population,
                "centre_lat": "",
                "centre_lon": "",
                "outline-TOTAL_FORMS": "1",
                "outline-INITIAL_FORMS": "0",
                "outline-MIN_NUM_FORMS": "0",
                "outline-MAX_NUM_FORMS": "1",
                "outline-0-geometry": geometry,
                "outline-0-district": district.pk,
                "neighbourhoods-TOTAL_FORMS": "0",
                "neighbourhoods-INITIAL_FORMS": "0",
                "neighbourhoods-MIN_NUM_FORMS": "0",
                "neighbourhoods-MAX_NUM_FORMS": "1000",
                "_save": "Save",
            },
        )

    refused = post(json.dumps({"type": "Polygon", "coordinates": [[[200, 100]]]}))
    assert refused.status_code == 200
    assert "off the globe" in refused.content.decode()
    assert not DistrictBoundary.objects.exists()
    assert post(json.dumps(SQUARE)).status_code == 302
    boundary = DistrictBoundary.objects.get(district=district)
    assert boundary.geometry == SQUARE and boundary.north == Decimal("42.700000")
    assert client.get(url).status_code == 200


def test_migration_moves_outlines_to_their_own_table_and_back(tmp_path):
    database = tmp_path / "boundary.sqlite3"
    _manage(database, "migrate", "districts", "0003", "--no-input", "-v", "0")
    with sqlite3.connect(database) as db:
        db.execute(
            "INSERT INTO districts_district "
            "(slug, name_en, name_bg, name_tr, population, boundary) VALUES "
            "('a', 'A', 'A', 'A', 1, ?), ('b', 'B', 'B', 'B', 1, NULL), ('c', 'C', 'C', 'C', 1, ?)",
            [json.dumps(SQUARE), json.dumps({"type": "Point", "coordinates": []})],
        )
    _manage(database, "migrate", "districts", "0004", "--no-input", "-v", "0")
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT d.slug, b.geometry, b.south, b.east FROM districts_districtboundary b "
            "JOIN districts_district d ON d.id = b.district_id"
        ).fetchall()
    assert [(slug, json.loads(geometry)) for slug, geometry, _s, _e in rows] == [("a", SQUARE)]
    assert [(Decimal(str(s)), Decimal(str(e))) for _slug, _g, s, e in rows] == [
        (Decimal("42.6"), Decimal("23.4"))
    ]
    _manage(database, "migrate", "districts", "0003", "--no-input", "-v", "0")
    with sqlite3.connect(database) as db:
        back = dict(db.execute("SELECT slug, boundary FROM districts_district").fetchall())
    assert json.loads(back["a"]) == SQUARE and back["b"] is None
