import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from districts.models import CensusRecord
from districts.services import national_id_hmac
from tests.districts.test_services import database_rows_containing
from tests.factories import DistrictFactory, NeighbourhoodFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# import_census -------------------------------------------------------------------------------


@pytest.fixture
def census_districts():
    lozenets = DistrictFactory(slug="lozenets")
    NeighbourhoodFactory(district=lozenets, slug="hladilnika")
    DistrictFactory(slug="mladost")


def test_import_census_prints_counts(census_districts):
    out, err = run("import_census", str(DATA / "census_good.csv"))
    assert "3 rows read: 3 created, 0 updated, 0 skipped" in out
    assert err == ""
    assert CensusRecord.objects.count() == 3
    assert database_rows_containing("PX7501019903") == []


def test_import_census_twice_updates(census_districts):
    run("import_census", str(DATA / "census_good.csv"))
    out, _err = run("import_census", str(DATA / "census_good.csv"))
    assert "0 created, 3 updated" in out
    assert CensusRecord.objects.count() == 3


def test_import_census_prints_each_skipped_row_with_its_line(census_districts):
    out, err = run("import_census", str(DATA / "census_bad_rows.csv"))
    assert "8 rows read: 2 created, 0 updated, 6 skipped" in out
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in (3, 4, 5, 6, 7, 8)]
    assert "line 8: duplicate of line 2" in lines


def test_import_census_missing_column_raises_command_error(census_districts):
    with pytest.raises(CommandError, match="birth_year"):
        run("import_census", str(DATA / "census_missing_column.csv"))
    assert not CensusRecord.objects.exists()


def test_import_census_missing_file_raises_command_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        run("import_census", str(tmp_path / "absent.csv"))


def test_import_census_reads_file_with_byte_order_mark(census_districts, tmp_path):
    path = tmp_path / "bom.csv"
    path.write_text(
        "national_id,birth_year,district\nPX7501019903,1975,lozenets\n", encoding="utf-8-sig"
    )
    out, _err = run("import_census", str(path))
    assert "1 created" in out
    assert CensusRecord.objects.filter(id_hmac=national_id_hmac("PX7501019903")).exists()


def test_import_census_not_utf8_raises_command_error(census_districts, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        "national_id,birth_year,district\nPX7501019903,1975,l\xf6zenets\n".encode("latin-1")
    )
    with pytest.raises(CommandError, match="UTF-8"):
        run("import_census", str(path))
