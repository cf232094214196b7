from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from civic.i18n import TranslatedNameMixin


class District(TranslatedNameMixin):
    """A district of the city: it sets aside a share of its budget for residents to allocate."""

    slug = models.SlugField(_("slug"), unique=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    centre_lat = models.DecimalField(
        _("centre latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    centre_lon = models.DecimalField(
        _("centre longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(centre_lat__isnull=True) | Q(centre_lat__gte=-90, centre_lat__lte=90),
                name="district_centre_lat_range",
            ),
            models.CheckConstraint(
                condition=Q(centre_lon__isnull=True) | Q(centre_lon__gte=-180, centre_lon__lte=180),
                name="district_centre_lon_range",
            ),
        ]


class DistrictBoundary(models.Model):
    """A district's outline (GeoJSON) and the box that holds it (what maps are kept to).

    Apart from the district: an outline can run to hundreds of kilobytes, and nearly every
    page reads districts. Written only by `districts.services.district_boundary_set`.
    """

    district = models.OneToOneField(
        District,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="outline",
        verbose_name=_("district"),
    )
    geometry = models.JSONField(_("boundary"), help_text=_("GeoJSON geometry of the district."))
    south = models.DecimalField(_("southern edge"), max_digits=9, decimal_places=6)
    west = models.DecimalField(_("western edge"), max_digits=9, decimal_places=6)
    north = models.DecimalField(_("northern edge"), max_digits=9, decimal_places=6)
    east = models.DecimalField(_("eastern edge"), max_digits=9, decimal_places=6)

    class Meta:
        verbose_name = _("boundary")
        verbose_name_plural = _("boundaries")

    def __str__(self) -> str:
        return str(self.district)


class Neighbourhood(TranslatedNameMixin):
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        related_name="neighbourhoods",
        verbose_name=_("district"),
    )
    slug = models.SlugField(_("slug"))

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["district", "name_en"]
        constraints = [
            models.UniqueConstraint(fields=["district", "slug"], name="neighbourhood_slug_unique"),
        ]


class CensusRecord(models.Model):
    """One person in the census register, known only by an HMAC of the national id.

    The plain id is never stored. A record can be claimed by exactly one account and an
    account claims at most one record; the claim is what makes a user a resident.
    """

    id_hmac = models.CharField(_("national id (HMAC-SHA256)"), max_length=64, unique=True)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="census_records",
        verbose_name=_("district"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="census_records",
        verbose_name=_("neighbourhood"),
    )
    claimed_by = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="census_record",
        verbose_name=_("claimed by"),
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        verbose_name = _("census record")
        verbose_name_plural = _("census records")
        constraints = [
            models.CheckConstraint(
                condition=Q(birth_year__gte=1900, birth_year__lte=2100),
                name="census_birth_year_range",
            ),
            # A deleted account leaves claimed_at behind (on_delete=SET_NULL) and frees
            # the record for a new claim, so only "claimed ⇒ has a time" is required.
            models.CheckConstraint(
                condition=Q(claimed_by__isnull=True) | Q(claimed_at__isnull=False),
                name="census_claim_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.id_hmac[:12]}… ({self.district.slug})"


class VerificationAttempt(models.Model):
    """One try at residency verification; logged for the throttle and audit, without the id."""

    class Outcome(models.TextChoices):
        MATCHED = "matched", _("matched")
        NO_MATCH = "no_match", _("no matching record")
        WRONG_YEAR = "wrong_year", _("birth year does not match")
        CLAIMED = "claimed", _("record already claimed by another account")
        INVALID = "invalid", _("malformed national id")
        THROTTLED = "throttled", _("too many failed attempts")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="verification_attempts",
        verbose_name=_("user"),
    )
    attempted_at = models.DateTimeField(_("attempted at"), auto_now_add=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)

    class Meta:
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        ordering = ["-attempted_at"]
        indexes = [models.Index(fields=["user", "attempted_at"], name="verify_user_time_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.attempted_at:%Y-%m-%d %H:%M} {self.outcome}"


class StaffMembership(models.Model):
    """A user's right to work in one district's staff area."""

    class Role(models.TextChoices):
        STAFF = "staff", _("district staff")
        COORDINATOR = "coordinator", _("coordinator")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("user"),
    )
    district = models.ForeignKey(
        District,
        on_delete=models.CASCADE,
        related_name="staff_memberships",
        verbose_name=_("district"),
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "district"], name="staff_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.district.slug} ({self.get_role_display()})"


class Assembly(models.Model):
    """A neighbourhood or group meeting (women, youth, children, disabled, 65+) of a district.

    Its minutes and priorities are public; paper ballots may be collected at it.
    """

    class Group(models.TextChoices):
        NEIGHBOURHOOD = "neighbourhood", _("neighbourhood assembly")
        WOMEN = "women", _("women")
        YOUTH = "youth", _("youth")
        CHILDREN = "children", _("children")
        DISABLED = "disabled", _("people with disabilities")
        SENIORS = "seniors", _("65 and over")

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="assemblies", verbose_name=_("district")
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assemblies",
        verbose_name=_("neighbourhood"),
    )
    group = models.CharField(
        _("group"), max_length=16, choices=Group.choices, default=Group.NEIGHBOURHOOD
    )
    title = models.CharField(_("title"), max_length=160)
    held_on = models.DateField(_("held on"))
    attendance = models.PositiveIntegerField(_("attendance"), default=0)
    minutes = models.TextField(_("minutes"), blank=True)
    priorities = models.TextField(
        _("priorities recorded"), blank=True, help_text=_("One per line; may become proposals.")
    )

    class Meta:
        verbose_name = _("assembly")
        verbose_name_plural = _("assemblies")
        ordering = ["district", "-held_on", "title"]

    def __str__(self) -> str:
        # Shown to staff (paper ballots' sources, the assembly choice): the date as the
        # active language writes it.
        return f"{self.title} ({date_format(self.held_on, 'SHORT_DATE_FORMAT')})"
