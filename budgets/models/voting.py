"""Ballots, paper-ballot double entry, and the freeze of a pool's ballots when voting closes.

Privacy: a ballot names its voter (a census record) only while voting is open — to keep one
ballot per resident and let them change it. Freezing the pool cuts that link and deletes
the paper entries, so afterwards nobody, admin included, can tell who chose what.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models.pools import Pool
from districts.models import Assembly, CensusRecord, Neighbourhood


class Channel(models.TextChoices):
    ONLINE = "online", _("online")
    PAPER = "paper", _("paper")


class AgeBand(models.TextChoices):
    """Coarse age groups kept on a ballot for turnout reports (never the birth year)."""

    UNDER_18 = "u18", _("under 18")
    FROM_18 = "18-29", _("18–29")
    FROM_30 = "30-44", _("30–44")
    FROM_45 = "45-64", _("45–64")
    FROM_65 = "65+", _("65 and over")


class Ballot(models.Model):
    """One resident's counted choices in one pool: the latest version only.

    `census_record` is the voter link: unique per pool while voting is open, cleared when
    the pool is frozen. `held` ballots (online ballot of a resident for whom a paper ballot
    was also recorded) are not counted until staff resolve the conflict.
    """

    pool = models.ForeignKey(
        Pool, on_delete=models.PROTECT, related_name="ballots", verbose_name=_("pool")
    )
    census_record = models.ForeignKey(
        CensusRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballots",
        verbose_name=_("voter"),
    )
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    receipt = models.CharField(_("receipt code"), max_length=64)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("neighbourhood"),
    )
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices, blank=True)
    held = models.BooleanField(
        _("held"),
        default=False,
        help_text=_("Not counted until a paper/online conflict is resolved."),
    )
    # The receipt e-mail's outbox. Written with each version of the ballot; a relay task
    # (tasks.ballot_receipts_relay) claims waiting receipts in batches, stamping
    # `receipt_queued_at`, and hands them to a worker, which clears `receipt_unsent` once the
    # e-mail is sent. A claim that was never sent (worker lost) is claimed again after a lease.
    receipt_unsent = models.BooleanField(_("receipt not e-mailed yet"), default=False)
    receipt_queued_at = models.DateTimeField(_("receipt e-mail queued at"), null=True, blank=True)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        indexes = [
            models.Index(
                fields=["pool"], condition=Q(receipt_unsent=True), name="ballot_receipt_unsent"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "census_record"],
                condition=Q(census_record__isnull=False),
                name="ballot_one_per_voter_and_pool",
            ),
            models.UniqueConstraint(fields=["pool", "receipt"], name="ballot_receipt_unique"),
        ]

    def __str__(self) -> str:
        # Never the receipt: it ties a voter to their line in the published ballot file.
        return gettext("ballot #%(id)s") % {"id": self.pk}


class BallotLine(models.Model):
    """One project chosen on a ballot, with its weight (1, or the points given)."""

    ballot = models.ForeignKey(
        Ballot, on_delete=models.CASCADE, related_name="lines", verbose_name=_("ballot")
    )
    proposal = models.ForeignKey(
        "proposals.Proposal",
        on_delete=models.PROTECT,
        related_name="ballot_lines",
        verbose_name=_("proposal"),
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        verbose_name = _("ballot line")
        verbose_name_plural = _("ballot lines")
        constraints = [
            models.UniqueConstraint(fields=["ballot", "proposal"], name="ballot_line_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="ballot_line_weight_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}×{self.weight}"


class PaperBallot(models.Model):
    """A paper ballot from an assembly or booth, typed in blind by two staff members.

    Counted (as a `Ballot`) only when two entries by different people match; a mismatch
    waits for a third entry; a resident who also voted online is a conflict for staff.
    """

    class State(models.TextChoices):
        AWAITING_SECOND = "awaiting", _("awaiting second entry")
        MISMATCH = "mismatch", _("entries differ: third check needed")
        CONFLICT = "conflict", _("also voted online: needs a decision")
        COUNTED = "counted", _("counted")
        DISCARDED = "discarded", _("not counted (online ballot kept)")

    pool = models.ForeignKey(
        Pool, on_delete=models.PROTECT, related_name="paper_ballots", verbose_name=_("pool")
    )
    census_record = models.ForeignKey(
        CensusRecord,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paper_ballots",
        verbose_name=_("voter"),
    )
    assembly = models.ForeignKey(
        Assembly,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="paper_ballots",
        verbose_name=_("assembly"),
    )
    booth = models.CharField(_("booth"), max_length=80, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.AWAITING_SECOND
    )
    ballot = models.OneToOneField(
        Ballot,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="paper",
        verbose_name=_("counted ballot"),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("resolution note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("paper ballot")
        verbose_name_plural = _("paper ballots")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "census_record"],
                condition=Q(census_record__isnull=False),
                name="paper_ballot_one_per_voter_and_pool",
            ),
            models.CheckConstraint(
                condition=Q(assembly__isnull=False) | ~Q(booth=""),
                name="paper_ballot_has_source",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} ({self.get_state_display()})"

    @property
    def source(self) -> str:
        return str(self.assembly) if self.assembly_id else self.booth


class PaperEntry(models.Model):
    """One staff member's typing of a paper ballot; deleted when the pool is frozen."""

    paper_ballot = models.ForeignKey(
        PaperBallot,
        on_delete=models.CASCADE,
        related_name="entries",
        verbose_name=_("paper ballot"),
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("entered by"),
    )
    choices = models.JSONField(_("choices"), help_text=_("Proposal id → weight, as typed."))
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("paper ballot entry")
        verbose_name_plural = _("paper ballot entries")
        ordering = ["entered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["paper_ballot", "entered_by"], name="paper_entry_once_per_staff"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.paper_ballot_id} / {self.entered_by_id}"


class BallotFreeze(models.Model):
    """The closing of a pool's voting: one per pool, with the digest of the anonymised ballots.

    `ballots_pb` is the pabulib file of the counted ballots under their receipt codes;
    `digest` is its SHA-256, printed on the results page and in the report.
    """

    pool = models.OneToOneField(
        Pool, on_delete=models.PROTECT, related_name="freeze", verbose_name=_("pool")
    )
    frozen_at = models.DateTimeField(_("frozen at"), auto_now_add=True)
    digest = models.CharField(_("SHA-256 of the ballots"), max_length=64)
    ballots_pb = models.TextField(_("anonymised ballots (pabulib)"))
    online = models.PositiveIntegerField(_("online ballots"))
    paper = models.PositiveIntegerField(_("paper ballots"))
    held = models.PositiveIntegerField(_("ballots not counted (unresolved conflicts)"), default=0)
    paper_unmatched = models.PositiveIntegerField(
        _("paper ballots not counted (no matching pair)"), default=0
    )

    class Meta:
        verbose_name = _("ballot freeze")
        verbose_name_plural = _("ballot freezes")

    def __str__(self) -> str:
        return f"{self.pool} {self.digest[:12]}"

    @property
    def ballots(self) -> int:
        return self.online + self.paper


class VotingReminder(models.Model):
    """The reminder e-mail round of a pool: one per pool, so two beats send it once."""

    pool = models.OneToOneField(
        Pool, on_delete=models.CASCADE, related_name="reminder", verbose_name=_("pool")
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("voting reminder")
        verbose_name_plural = _("voting reminders")

    def __str__(self) -> str:
        return f"{self.pool} {self.sent_at:%Y-%m-%d}"
