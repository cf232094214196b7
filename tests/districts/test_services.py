import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from districts import services
from districts.models import CensusRecord, StaffMembership, VerificationAttempt
from districts.services import (
    census_import,
    national_id_hmac,
    national_id_normalise,
    residency_verify,
    staff_membership_grant,
)
from tests.factories import (
    CensusRecordFactory,
    DistrictFactory,
    NeighbourhoodFactory,
    UserFactory,
    make_resident,
)

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
Outcome = VerificationAttempt.Outcome
# Ids with letters that never occur in hex digests, timestamps or password hashes.
PLAIN_IDS = ("PX7501019903", "PX7501019904", "PX7501019905")
HEADER = "national_id,birth_year,district,neighbourhood\n"


def database_rows_containing(text: str) -> list[tuple[str, tuple]]:
    """Every row of every table in which some column contains `text`."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    if value is not None and text.lower() in str(value).lower():
                        hits.append((table, row))
                        break
    return hits


@pytest.fixture
def lozenets():
    district = DistrictFactory(slug="lozenets", name_en="Lozenets")
    NeighbourhoodFactory(district=district, slug="hladilnika")
    return district


@pytest.fixture
def mladost():
    district = DistrictFactory(slug="mladost", name_en="Mladost")
    NeighbourhoodFactory(district=district, slug="mladost-1")
    return district


def import_text(text: str) -> services.CensusImportReport:
    return census_import(file=io.StringIO(text))


def import_file(name: str) -> services.CensusImportReport:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return census_import(file=handle)


# National ids --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["px7501019903", "PX-750101-9903", " PX 7501 019903 ", "PX7501019903"]
)
def test_national_id_normalise_strips_spaces_dashes_and_upper_cases(raw):
    assert national_id_normalise(raw) == "PX7501019903"


@pytest.mark.parametrize(
    "raw", ["", "12345", "PX75010199031234567890", "PX750101990?", "ПХ7501019"]
)
def test_national_id_normalise_rejects_malformed_ids(raw):
    with pytest.raises(ValidationError):
        national_id_normalise(raw)


def test_national_id_hmac_is_keyed():
    digest = national_id_hmac("PX7501019903")
    assert len(digest) == 64 and "PX7501019903" not in digest
    with override_settings(CIVIC_CENSUS_HMAC_KEY="another-key"):
        assert national_id_hmac("PX7501019903") != digest


# Census import -------------------------------------------------------------------------------


def test_census_import_creates_records_with_district_and_neighbourhood(lozenets, mladost):
    report = import_file("census_good.csv")
    assert (report.created, report.updated, report.skipped) == (3, 0, [])
    record = CensusRecord.objects.get(id_hmac=national_id_hmac("PX7501019903"))
    assert (record.birth_year, record.district, record.neighbourhood.slug) == (
        1975,
        lozenets,
        "hladilnika",
    )
    assert CensusRecord.objects.get(id_hmac=national_id_hmac("PX7501019905")).district == mladost
    assert CensusRecord.objects.get(id_hmac=national_id_hmac("PX7501019904")).neighbourhood is None


def test_census_import_stores_no_plain_national_id(lozenets, mladost):
    import_file("census_good.csv")
    assert CensusRecord.objects.count() == 3
    for record in CensusRecord.objects.values():
        assert not any(plain in str(value) for plain in PLAIN_IDS for value in record.values()), (
            record
        )
    for plain in PLAIN_IDS:
        assert database_rows_containing(plain) == []


def test_census_import_hashes_the_normalised_id(lozenets, mladost):
    import_file("census_good.csv")
    assert set(CensusRecord.objects.values_list("id_hmac", flat=True)) == {
        national_id_hmac(plain) for plain in PLAIN_IDS
    }


def test_census_import_reimport_updates_instead_of_duplicating(lozenets, mladost):
    import_file("census_good.csv")
    # The resident of line 2 moved to Mladost; the birth year was corrected.
    report = import_text(
        HEADER + "PX7501019903,1976,mladost,mladost-1\nPX7501019999,1970,mladost,\n"
    )
    assert (report.created, report.updated) == (1, 1)
    assert CensusRecord.objects.count() == 4
    record = CensusRecord.objects.get(id_hmac=national_id_hmac("PX7501019903"))
    assert (record.district, record.birth_year, record.neighbourhood.slug) == (
        mladost,
        1976,
        "mladost-1",
    )


def test_census_import_reimport_keeps_the_claim(lozenets, mladost):
    import_file("census_good.csv")
    user = UserFactory()
    residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    import_file("census_good.csv")
    record = CensusRecord.objects.get(id_hmac=national_id_hmac("PX7501019903"))
    assert record.claimed_by == user
    assert record.claimed_at is not None


def test_census_import_reports_duplicates_within_file_with_line_numbers(lozenets):
    report = import_text(
        HEADER
        + "PX7501019903,1975,lozenets,\n"  # line 2
        + "PX7501019904,1980,lozenets,\n"  # line 3
        + "px-7501019903,1975,lozenets,\n"  # line 4: same person as line 2
        + "PX 7501019904,1981,lozenets,\n"  # line 5: same person as line 3
    )
    assert report.created == 2
    assert report.skipped == [(4, "duplicate of line 2"), (5, "duplicate of line 3")]
    assert CensusRecord.objects.count() == 2
    assert CensusRecord.objects.get(id_hmac=national_id_hmac("PX7501019904")).birth_year == 1980


def test_census_import_reports_bad_rows_by_line(lozenets, mladost):
    report = import_file("census_bad_rows.csv")
    assert (report.created, report.updated) == (2, 0)
    reasons = dict(report.skipped)
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8]
    assert "malformed national id" in reasons[3]
    assert "birth year" in reasons[4]
    assert "birth year" in reasons[5]
    assert "unknown district" in reasons[6] and "atlantis" in reasons[6]
    assert "unknown neighbourhood" in reasons[7] and "nowhere" in reasons[7]
    assert reasons[8] == "duplicate of line 2"
    assert report.read == 8
    assert CensusRecord.objects.count() == 2


@pytest.mark.parametrize(
    ("year", "ok"),
    [
        ("1900", True),
        ("1899", False),
        ("", False),
        ("19.5", False),
        ("-1980", False),
        ("next", False),
    ],
)
def test_census_import_checks_birth_year_range(lozenets, year, ok):
    report = import_text(HEADER + f"PX7501019903,{year},lozenets,\n")
    assert (report.created == 1) is ok
    assert (report.skipped != []) is not ok


def test_census_import_rejects_birth_year_in_the_future(lozenets):
    next_year = timezone.now().year + 1
    report = import_text(HEADER + f"PX7501019903,{next_year},lozenets,\n")
    assert report.created == 0
    assert report.skipped[0][0] == 2


def test_census_import_reports_unicode_digit_year_without_crashing(lozenets):
    # "²".isdigit() is True but int("²") raises ValueError: a typo must be a skipped row.
    report = import_text(HEADER + "PX7501019903,19²0,lozenets,\nPX7501019904,1980,lozenets,\n")
    assert report.created == 1
    assert [line for line, _reason in report.skipped] == [2]


def test_census_import_rejects_neighbourhood_of_another_district(lozenets, mladost):
    report = import_text(HEADER + "PX7501019903,1975,mladost,hladilnika\n")
    assert report.created == 0
    assert "unknown neighbourhood" in report.skipped[0][1]


@pytest.mark.parametrize("column", ["national_id", "birth_year", "district"])
def test_census_import_missing_column_raises_validation_error(lozenets, column):
    columns = ["national_id", "birth_year", "district"]
    values = {"national_id": "PX7501019903", "birth_year": "1975", "district": "lozenets"}
    kept = [c for c in columns if c != column]
    text = ",".join(kept) + "\n" + ",".join(values[c] for c in kept) + "\n"
    with pytest.raises(ValidationError) as error:
        import_text(text)
    assert error.value.code == "missing_column"
    assert column in error.value.messages[0]
    assert not CensusRecord.objects.exists()


def test_census_import_without_neighbourhood_column_is_accepted(lozenets):
    report = import_text("national_id,birth_year,district\nPX7501019903,1975,lozenets\n")
    assert report.created == 1


def test_census_import_empty_file_raises_validation_error():
    with pytest.raises(ValidationError):
        import_text("")


def test_census_import_in_batches_counts_every_row(lozenets, monkeypatch):
    monkeypatch.setattr(services, "IMPORT_BATCH", 2)
    import_text(HEADER + "PX7501019903,1975,lozenets,\n")
    rows = "".join(f"PX75010199{n:02d},1980,lozenets,\n" for n in range(3, 8))
    report = import_text(HEADER + rows)
    assert (report.created, report.updated) == (4, 1)
    assert CensusRecord.objects.count() == 5


# Residency verification ----------------------------------------------------------------------


@pytest.fixture
def record(lozenets):
    return CensusRecordFactory(district=lozenets, national_id="PX7501019903", birth_year=1975)


def test_residency_verify_match_binds_the_account(record):
    user = UserFactory()
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.MATCHED
    user.refresh_from_db()
    assert user.census_record == record
    record.refresh_from_db()
    assert record.claimed_by == user
    assert record.claimed_at is not None


def test_residency_verify_normalises_the_typed_id(record):
    user = UserFactory()
    attempt = residency_verify(user=user, national_id=" px-7501-019903 ", birth_year=1975)
    assert attempt.outcome == Outcome.MATCHED


def test_residency_verify_unknown_id_is_no_match(record):
    user = UserFactory()
    attempt = residency_verify(user=user, national_id="PX7501019999", birth_year=1975)
    assert attempt.outcome == Outcome.NO_MATCH
    assert CensusRecord.objects.get(pk=record.pk).claimed_by is None


def test_residency_verify_wrong_year(record):
    user = UserFactory()
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1976)
    assert attempt.outcome == Outcome.WRONG_YEAR
    assert CensusRecord.objects.get(pk=record.pk).claimed_by is None


def test_residency_verify_malformed_id_is_invalid(record):
    attempt = residency_verify(user=UserFactory(), national_id="PX75", birth_year=1975)
    assert attempt.outcome == Outcome.INVALID


def test_residency_verify_record_claimed_by_another_account(record):
    first, second = UserFactory(), UserFactory()
    residency_verify(user=first, national_id="PX7501019903", birth_year=1975)
    attempt = residency_verify(user=second, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.CLAIMED
    assert CensusRecord.objects.get(pk=record.pk).claimed_by == first
    assert not CensusRecord.objects.filter(claimed_by=second).exists()


def test_residency_verify_already_verified_user_is_refused(record, lozenets):
    user = make_resident(lozenets)
    attempts = VerificationAttempt.objects.count()
    with pytest.raises(ValidationError) as error:
        residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert error.value.code == "already_verified"
    assert CensusRecord.objects.get(pk=record.pk).claimed_by is None
    assert VerificationAttempt.objects.count() == attempts


def _fail(user, times: int) -> None:
    for _ in range(times):
        assert residency_verify(user=user, national_id="PX7501019999", birth_year=1975).outcome == (
            Outcome.NO_MATCH
        )


def test_residency_verify_five_failures_then_correct_id_still_matches(record):
    user = UserFactory()
    _fail(user, 4)
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.MATCHED


def test_residency_verify_sixth_attempt_is_throttled_even_with_correct_id(record):
    user = UserFactory()
    _fail(user, 5)
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.THROTTLED
    assert CensusRecord.objects.get(pk=record.pk).claimed_by is None


def test_residency_verify_counts_every_kind_of_failure(record, lozenets):
    CensusRecordFactory(
        district=lozenets,
        national_id="PX7501019904",
        claimed_by=UserFactory(),
        claimed_at=timezone.now(),
    )
    user = UserFactory()
    residency_verify(user=user, national_id="PX75", birth_year=1975)  # invalid
    residency_verify(user=user, national_id="PX7501019999", birth_year=1975)  # no match
    residency_verify(user=user, national_id="PX7501019903", birth_year=1900)  # wrong year
    residency_verify(user=user, national_id="PX7501019904", birth_year=1980)  # claimed
    residency_verify(user=user, national_id="PX7501019903", birth_year=1901)  # wrong year
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.THROTTLED


def test_residency_verify_works_again_after_the_window(record):
    user = UserFactory()
    _fail(user, 5)
    assert residency_verify(user=user, national_id="PX7501019903", birth_year=1975).outcome == (
        Outcome.THROTTLED
    )
    VerificationAttempt.objects.filter(user=user).update(
        attempted_at=timezone.now() - timedelta(minutes=10, seconds=1)
    )
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.MATCHED


def test_residency_verify_failures_just_inside_the_window_still_count(record):
    user = UserFactory()
    _fail(user, 5)
    VerificationAttempt.objects.filter(user=user).update(
        attempted_at=timezone.now() - timedelta(minutes=9, seconds=50)
    )
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.THROTTLED


@override_settings(CIVIC_VERIFY_MAX_FAILURES=2, CIVIC_VERIFY_WINDOW_MINUTES=60)
def test_residency_verify_throttle_follows_settings(record):
    user = UserFactory()
    _fail(user, 2)
    VerificationAttempt.objects.filter(user=user).update(
        attempted_at=timezone.now() - timedelta(minutes=30)
    )
    attempt = residency_verify(user=user, national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.THROTTLED


def test_residency_verify_throttle_is_per_user(record):
    _fail(UserFactory(), 5)
    attempt = residency_verify(user=UserFactory(), national_id="PX7501019903", birth_year=1975)
    assert attempt.outcome == Outcome.MATCHED


def test_residency_verify_logs_every_attempt_without_the_id(record):
    user = UserFactory()
    residency_verify(user=user, national_id="PX75", birth_year=1975)
    residency_verify(user=user, national_id="PX7501019999", birth_year=1975)
    residency_verify(user=user, national_id="PX7501019903", birth_year=1976)
    residency_verify(user=user, national_id="px-7501019903", birth_year=1975)
    outcomes = list(
        VerificationAttempt.objects.filter(user=user)
        .order_by("pk")
        .values_list("outcome", flat=True)
    )
    assert outcomes == [Outcome.INVALID, Outcome.NO_MATCH, Outcome.WRONG_YEAR, Outcome.MATCHED]
    for attempt in VerificationAttempt.objects.values():
        assert not any("7501019" in str(value) for value in attempt.values()), attempt
    for typed in ("PX7501019999", "PX7501019903"):
        assert database_rows_containing(typed) == []


# Staff ---------------------------------------------------------------------------------------


def test_staff_membership_grant_is_idempotent_and_updates_role(lozenets):
    user = UserFactory()
    staff_membership_grant(user=user, district=lozenets)
    membership = staff_membership_grant(
        user=user, district=lozenets, role=StaffMembership.Role.COORDINATOR
    )
    assert StaffMembership.objects.filter(user=user).count() == 1
    assert membership.role == StaffMembership.Role.COORDINATOR


def test_deleting_a_resident_account_frees_the_census_record():
    district = DistrictFactory()
    resident = make_resident(district)
    record = CensusRecord.objects.get(claimed_by=resident)

    resident.delete()

    record.refresh_from_db()
    assert record.claimed_by is None
    other = UserFactory()
    record.claimed_by, record.claimed_at = other, timezone.now()
    record.save()
