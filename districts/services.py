"""Every write in the districts app: census import, residency verification, staff."""

import csv
import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from districts import selectors
from districts.models import (
    CensusRecord,
    District,
    DistrictBoundary,
    Neighbourhood,
    StaffMembership,
    VerificationAttempt,
)

User = get_user_model()
MICRODEGREE = Decimal("0.000001")

NATIONAL_ID_RE = re.compile(r"^[0-9A-Z]{6,20}$")
CENSUS_COLUMNS = ("national_id", "birth_year", "district")
IMPORT_BATCH = 5000


def national_id_normalise(raw: str) -> str:
    """Upper-case the id and drop spaces and dashes; raise ValidationError if malformed."""
    value = re.sub(r"[\s\-]", "", raw or "").upper()
    if not NATIONAL_ID_RE.match(value):
        raise ValidationError(_("A national id is 6 to 20 letters and digits."), code="invalid")
    return value


def national_id_hmac(national_id: str) -> str:
    """HMAC-SHA256 of a normalised national id under `CIVIC_CENSUS_HMAC_KEY` (hex)."""
    key = settings.CIVIC_CENSUS_HMAC_KEY.encode()
    return hmac.new(key, national_id.encode(), hashlib.sha256).hexdigest()


@dataclass
class CensusImportReport:
    created: int = 0
    updated: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)

    @property
    def read(self) -> int:
        return self.created + self.updated + len(self.skipped)


def _parse_census_rows(
    rows: Iterable[tuple[int, dict[str, str]]], report: CensusImportReport
) -> dict[str, tuple[int, int, int, int | None]]:
    districts = {d.slug: d.pk for d in District.objects.all()}
    neighbourhoods = {(n.district_id, n.slug): n.pk for n in Neighbourhood.objects.all()}
    this_year = timezone.now().year
    parsed: dict[str, tuple[int, int, int, int | None]] = {}
    for line, row in rows:
        try:
            digest = national_id_hmac(national_id_normalise(row.get("national_id", "")))
        except ValidationError:
            report.skipped.append((line, _("malformed national id")))
            continue
        year_text = (row.get("birth_year") or "").strip()
        if not re.fullmatch(r"[0-9]{4}", year_text) or not 1900 <= int(year_text) <= this_year:
            report.skipped.append((line, _("birth year is not a year between 1900 and now")))
            continue
        district_id = districts.get((row.get("district") or "").strip())
        if district_id is None:
            report.skipped.append(
                (line, _("unknown district “%(slug)s”") % {"slug": row.get("district")})
            )
            continue
        neighbourhood_slug = (row.get("neighbourhood") or "").strip()
        neighbourhood_id = None
        if neighbourhood_slug:
            neighbourhood_id = neighbourhoods.get((district_id, neighbourhood_slug))
            if neighbourhood_id is None:
                report.skipped.append(
                    (
                        line,
                        _("unknown neighbourhood “%(slug)s” in this district")
                        % {"slug": neighbourhood_slug},
                    )
                )
                continue
        if digest in parsed:
            report.skipped.append(
                (line, _("duplicate of line %(line)d") % {"line": parsed[digest][0]})
            )
            continue
        parsed[digest] = (line, int(year_text), district_id, neighbourhood_id)
    return parsed


@transaction.atomic
def census_import(*, file: TextIO) -> CensusImportReport:
    """Load a census register CSV (national_id, birth_year, district[, neighbourhood]).

    National ids are hashed on the way in and never stored. Existing records are updated
    (a resident who moved changes district); bad rows are skipped and reported by line.
    Raises ValidationError when the header lacks a required column.
    """
    reader = csv.DictReader(file)
    missing = [c for c in CENSUS_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            _("The file is missing columns: %(columns)s.") % {"columns": ", ".join(missing)},
            code="missing_column",
        )
    report = CensusImportReport()
    parsed = _parse_census_rows(((reader.line_num, row) for row in reader), report)
    digests = list(parsed)
    for start in range(0, len(digests), IMPORT_BATCH):
        batch = digests[start : start + IMPORT_BATCH]
        existing = set(
            CensusRecord.objects.filter(id_hmac__in=batch).values_list("id_hmac", flat=True)
        )
        report.updated += len(existing)
        report.created += len(batch) - len(existing)
        CensusRecord.objects.bulk_create(
            [
                CensusRecord(
                    id_hmac=digest,
                    birth_year=parsed[digest][1],
                    district_id=parsed[digest][2],
                    neighbourhood_id=parsed[digest][3],
                    imported_at=timezone.now(),
                )
                for digest in batch
            ],
            update_conflicts=True,
            unique_fields=["id_hmac"],
            update_fields=["birth_year", "district", "neighbourhood", "imported_at"],
        )
    return report


@transaction.atomic
def residency_verify(*, user, national_id: str, birth_year: int | None) -> VerificationAttempt:
    """Try to bind the user to the census record with this id and birth year.

    Every attempt is logged (never the id). After `CIVIC_VERIFY_MAX_FAILURES` failures in
    `CIVIC_VERIFY_WINDOW_MINUTES` further tries are refused. Locks the user's row so that
    parallel attempts are counted one after another; the record row is locked for the claim.
    Raises ValidationError if the user is already verified.
    """
    User.objects.select_for_update().get(pk=user.pk)
    if CensusRecord.objects.filter(claimed_by=user).exists():
        raise ValidationError(_("Your account is already verified."), code="already_verified")

    def log(outcome: str) -> VerificationAttempt:
        return VerificationAttempt.objects.create(user=user, outcome=outcome)

    if (
        selectors.recent_verification_failures(user=user).count()
        >= settings.CIVIC_VERIFY_MAX_FAILURES
    ):
        return log(VerificationAttempt.Outcome.THROTTLED)
    try:
        digest = national_id_hmac(national_id_normalise(national_id))
    except ValidationError:
        return log(VerificationAttempt.Outcome.INVALID)
    record = CensusRecord.objects.select_for_update().filter(id_hmac=digest).first()
    if record is None:
        return log(VerificationAttempt.Outcome.NO_MATCH)
    if record.birth_year != birth_year:
        return log(VerificationAttempt.Outcome.WRONG_YEAR)
    if record.claimed_by_id is not None:
        return log(VerificationAttempt.Outcome.CLAIMED)
    record.claimed_by = user
    record.claimed_at = timezone.now()
    record.save(update_fields=["claimed_by", "claimed_at"])
    return log(VerificationAttempt.Outcome.MATCHED)


@transaction.atomic
def staff_membership_grant(
    *, user, district: District, role: str = StaffMembership.Role.STAFF
) -> StaffMembership:
    """Give the user the staff area of the district (idempotent; updates the role)."""
    membership, _created = StaffMembership.objects.update_or_create(
        user=user, district=district, defaults={"role": role}
    )
    return membership


def _geojson_pairs(geometry) -> list[tuple[float, float]]:
    """Every (lon, lat) pair in a GeoJSON geometry, feature or feature collection."""
    if not isinstance(geometry, dict):
        return []
    kind = geometry.get("type")
    if kind == "FeatureCollection":
        return [pair for f in geometry.get("features") or [] for pair in _geojson_pairs(f)]
    if kind == "Feature":
        return _geojson_pairs(geometry.get("geometry"))
    if kind == "GeometryCollection":
        return [pair for g in geometry.get("geometries") or [] for pair in _geojson_pairs(g)]
    pairs: list[tuple[float, float]] = []

    def walk(node):
        if (
            isinstance(node, (list, tuple))
            and len(node) >= 2
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in node[:2])
        ):
            pairs.append((float(node[0]), float(node[1])))
        elif isinstance(node, (list, tuple)):
            for child in node:
                walk(child)

    walk(geometry.get("coordinates"))
    return pairs


def _degrees(value: float) -> Decimal:
    return Decimal(str(value)).quantize(MICRODEGREE)


@transaction.atomic
def district_boundary_set(*, district: District, geometry) -> DistrictBoundary | None:
    """Store the district's outline (GeoJSON) and the box around it; None removes it.

    Raises ValidationError unless the geometry has coordinates, all on the globe.
    """
    if geometry in (None, "", {}):
        DistrictBoundary.objects.filter(district=district).delete()
        return None
    south, west, north, east = boundary_box(geometry)
    boundary, _created = DistrictBoundary.objects.update_or_create(
        district=district,
        defaults={"geometry": geometry, "south": south, "west": west, "north": north, "east": east},
    )
    return boundary


def boundary_box(geometry) -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(south, west, north, east) around a GeoJSON geometry; ValidationError if it has no
    coordinates or any off the globe."""
    pairs = _geojson_pairs(geometry)
    if not pairs:
        raise ValidationError(
            _("The boundary must be GeoJSON with coordinates (longitude, latitude)."),
            code="boundary",
        )
    if not all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in pairs):
        raise ValidationError(
            _("The boundary has coordinates off the globe: longitude first, then latitude."),
            code="boundary",
        )
    lons = [lon for lon, _lat in pairs]
    lats = [lat for _lon, lat in pairs]
    return _degrees(min(lats)), _degrees(min(lons)), _degrees(max(lats)), _degrees(max(lons))
