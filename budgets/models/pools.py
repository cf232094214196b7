from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from budgets.phases import Phase, PhaseDates, phase_at, timeline
from civic.i18n import localized
from districts.models import District


class Currency(models.TextChoices):
    EUR = "EUR", _("euro")
    BGN = "BGN", _("Bulgarian lev")
    TRY = "TRY", _("Turkish lira")


class Cycle(models.Model):
    """A year's participatory budgeting process with the dates of its phases."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title_en = models.CharField(_("title (English)"), max_length=160)
    title_bg = models.CharField(_("title (Bulgarian)"), max_length=160, blank=True)
    title_tr = models.CharField(_("title (Turkish)"), max_length=160, blank=True)
    submission_starts = models.DateTimeField(_("submission opens"))
    review_starts = models.DateTimeField(_("review starts"))
    support_starts = models.DateTimeField(
        _("support phase starts"),
        null=True,
        blank=True,
        help_text=_("Leave empty for a cycle without a support phase."),
    )
    voting_starts = models.DateTimeField(_("voting opens"))
    voting_ends = models.DateTimeField(_("voting closes"))
    results_starts = models.DateTimeField(_("results announced"))
    implementation_starts = models.DateTimeField(_("implementation starts"), null=True, blank=True)

    class Meta:
        verbose_name = _("cycle")
        verbose_name_plural = _("cycles")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(submission_starts__lt=F("review_starts"))
                & Q(review_starts__lt=F("voting_starts"))
                & Q(voting_starts__lt=F("voting_ends"))
                & Q(voting_ends__lte=F("results_starts")),
                name="cycle_phases_in_order",
            ),
            models.CheckConstraint(
                condition=Q(support_starts__isnull=True)
                | (
                    Q(support_starts__gt=F("review_starts"))
                    & Q(support_starts__lt=F("voting_starts"))
                ),
                name="cycle_support_inside_review_and_voting",
            ),
            models.CheckConstraint(
                condition=Q(implementation_starts__isnull=True)
                | Q(implementation_starts__gte=F("results_starts")),
                name="cycle_implementation_after_results",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def dates(self) -> PhaseDates:
        return PhaseDates(**{name: getattr(self, name) for name in PhaseDates.field_names()})

    @property
    def phase(self) -> Phase:
        return phase_at(self.dates, timezone.now())


class DistrictBudget(models.Model):
    """A district's annual budget, the base from which its pool is computed."""

    district = models.ForeignKey(
        District, on_delete=models.CASCADE, related_name="budgets", verbose_name=_("district")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("annual budget"), max_digits=16, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    source_url = models.URLField(
        _("source"), blank=True, help_text=_("Where the budget is published.")
    )

    class Meta:
        verbose_name = _("district budget")
        verbose_name_plural = _("district budgets")
        ordering = ["district", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "year"], name="district_budget_unique_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="district_budget_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}"


class BudgetLine(models.Model):
    """One published line of a district budget's breakdown (e.g. schools, streets)."""

    budget = models.ForeignKey(
        DistrictBudget, on_delete=models.CASCADE, related_name="lines", verbose_name=_("budget")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    label_en = models.CharField(_("label (English)"), max_length=160)
    label_bg = models.CharField(_("label (Bulgarian)"), max_length=160, blank=True)
    label_tr = models.CharField(_("label (Turkish)"), max_length=160, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["budget", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return localized(self, "label")


class BallotMethod(models.TextChoices):
    APPROVAL = "approval", _("Approval: pick projects you support")
    KNAPSACK = "knapsack", _("Knapsack: pick projects that fit the budget")
    CUMULATIVE = "cumulative", _("Cumulative: spread your points")


class TallyRule(models.TextChoices):
    GREEDY = "greedy", _("Greedy: most votes first")
    MES = "mes", _("Method of Equal Shares")
    MES_ADD1 = "mes-add1", _("Method of Equal Shares with Add1 completion")
    MES_ADD1_GREEDY = "mes-add1-greedy", _("Method of Equal Shares, Add1, then greedy")


class TieBreak(models.TextChoices):
    LEXICO = "lexico", _("Smaller project number first")
    FEWER_COST = "fewer-cost", _("Cheaper project first")
    LOT = "lot", _("Order drawn by lot from a published seed")


class Add1Stop(models.TextChoices):
    EXHAUSTIVE = "exhaustive", _("Stop at the first outcome to which no other project can be added")
    OVERSPEND = "overspend", _("Raise each voter’s budget until one more step would overspend")


# Settings of a pool that the database refuses to change once voting has opened.
LOCKED_POOL_FIELDS = (
    "amount",
    "currency",
    "share",
    "method",
    "min_choices",
    "max_choices",
    "points_total",
    "points_per_project",
    "tally_rule",
    "tie_break",
    "lot_seed",
    "min_votes",
    "add1_stop",
    "min_age",
    "points_exact",
    "voting_starts",
)


class Pool(models.Model):
    """The money a district sets aside in a cycle: its budget × share, and how it is voted.

    Phase dates default to the cycle's; a pool may override any of them. Method, limits,
    rule and amount cannot change once voting has opened (a database trigger refuses it).
    """

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="pools", verbose_name=_("cycle")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="pools", verbose_name=_("district")
    )
    share = models.DecimalField(
        _("share of the district budget"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0100"),
        validators=[MinValueValidator(Decimal("0.0001")), MaxValueValidator(Decimal("1"))],
        help_text=_("0.0100 means 1%."),
    )
    amount = models.DecimalField(
        _("pool amount"),
        max_digits=14,
        decimal_places=0,
        help_text=_("District budget × share, rounded down to whole currency units."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)

    method = models.CharField(
        _("ballot method"),
        max_length=16,
        choices=BallotMethod.choices,
        default=BallotMethod.APPROVAL,
    )
    min_choices = models.PositiveSmallIntegerField(
        _("minimum picks"),
        default=1,
        help_text=_("Approval: a ballot must pick at least this many."),
    )
    max_choices = models.PositiveSmallIntegerField(
        _("maximum picks"),
        null=True,
        blank=True,
        help_text=_("Approval: a ballot may pick at most this many; empty means no limit."),
    )
    points_total = models.PositiveSmallIntegerField(
        _("points per voter"), default=10, help_text=_("Cumulative: points each voter spreads.")
    )
    points_per_project = models.PositiveSmallIntegerField(
        _("maximum points per project"), default=5, help_text=_("Cumulative: cap for one project.")
    )
    points_exact = models.BooleanField(
        _("all points must be used"),
        default=False,
        help_text=_("Cumulative: a ballot must spread exactly the points per voter, not fewer."),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        default=16,
        validators=[MaxValueValidator(120)],
        help_text=_("Residents vote from the year in which they reach this age."),
    )
    tally_rule = models.CharField(
        _("tally rule"), max_length=20, choices=TallyRule.choices, default=TallyRule.GREEDY
    )
    tie_break = models.CharField(
        _("tie-break"), max_length=12, choices=TieBreak.choices, default=TieBreak.LEXICO
    )
    lot_seed = models.CharField(
        _("lot seed"),
        max_length=64,
        blank=True,
        help_text=_("Published before voting closes; required when ties are broken by lot."),
    )
    min_votes = models.PositiveIntegerField(
        _("minimum votes"), default=0, help_text=_("Projects with fewer votes are not funded.")
    )
    add1_stop = models.CharField(
        _("Add1 stop"), max_length=12, choices=Add1Stop.choices, default=Add1Stop.EXHAUSTIVE
    )

    support_threshold = models.PositiveIntegerField(
        _("support threshold"),
        null=True,
        blank=True,
        help_text=_("Support phase: proposals with at least this many supports go on the ballot."),
    )
    support_top_n = models.PositiveIntegerField(
        _("top proposals by support"),
        null=True,
        blank=True,
        help_text=_("Support phase: the N most supported proposals go on the ballot."),
    )

    submission_starts = models.DateTimeField(_("submission opens"), null=True, blank=True)
    review_starts = models.DateTimeField(_("review starts"), null=True, blank=True)
    support_starts = models.DateTimeField(_("support phase starts"), null=True, blank=True)
    voting_starts = models.DateTimeField(_("voting opens"), null=True, blank=True)
    voting_ends = models.DateTimeField(_("voting closes"), null=True, blank=True)
    results_starts = models.DateTimeField(_("results announced"), null=True, blank=True)
    implementation_starts = models.DateTimeField(_("implementation starts"), null=True, blank=True)

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        ordering = ["cycle", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "district"], name="pool_one_per_district_cycle"
            ),
            models.CheckConstraint(
                condition=Q(share__gt=0) & Q(share__lte=1), name="pool_share_in_range"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="pool_amount_gte_0"),
            models.CheckConstraint(
                condition=Q(max_choices__isnull=True) | Q(max_choices__gte=F("min_choices")),
                name="pool_choices_in_order",
            ),
            models.CheckConstraint(
                condition=Q(points_total__gte=1)
                & Q(points_per_project__gte=1)
                & Q(points_per_project__lte=F("points_total")),
                name="pool_points_in_range",
            ),
            models.CheckConstraint(
                condition=~Q(tie_break="lot") | ~Q(lot_seed=""), name="pool_lot_needs_seed"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} — {self.cycle.year}"

    @property
    def dates(self) -> PhaseDates:
        """The cycle's phase dates with this pool's overrides applied."""
        return PhaseDates(
            **{
                name: getattr(self, name) or getattr(self.cycle, name)
                for name in PhaseDates.field_names()
            }
        )

    def phase_at(self, now) -> Phase:
        return phase_at(self.dates, now)

    @property
    def phase(self) -> Phase:
        return self.phase_at(timezone.now())

    def timeline(self):
        return timeline(self.dates, timezone.now())

    @property
    def voting_has_opened(self) -> bool:
        return timezone.now() >= self.dates.voting_starts
