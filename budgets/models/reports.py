"""The official results report of a pool, its PDFs, the council's decision and the audit log.

An approved report, its files and the tally it reports never change again: database
triggers refuse every update and delete (migration 0007). A later version replaces it on
the results page only once the council approves that version; the old one stays public,
marked superseded.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from budgets.models.pools import Cycle, Pool
from budgets.models.tallies import Tally


class Report(models.Model):
    """One version of a pool's results report: the tally it reports and the council's word."""

    class State(models.TextChoices):
        RENDERING = "rendering", _("being rendered")
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("sent back")
        FAILED = "failed", _("rendering failed")

    pool = models.ForeignKey(
        Pool, on_delete=models.PROTECT, related_name="reports", verbose_name=_("pool")
    )
    tally = models.ForeignKey(
        Tally, on_delete=models.PROTECT, related_name="reports", verbose_name=_("tally")
    )
    version = models.PositiveSmallIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.RENDERING
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.TextField(_("error"), blank=True)
    reason = models.TextField(
        _("reason for this version"),
        blank=True,
        help_text=_("Why the results were counted again (required after an approval)."),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    comment = models.TextField(_("council's comment"), blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["pool", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["pool", "version"], name="report_version_unique"),
            models.CheckConstraint(
                condition=~Q(state="approved")
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="report_approval_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(state="returned") | ~Q(comment=""),
                name="report_return_has_comment",
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.pool} v{self.version}"


class ReportFile(models.Model):
    """A report's PDF in one language, with its SHA-256."""

    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, related_name="files", verbose_name=_("report")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    file = models.FileField(_("file"), upload_to="reports/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    rendered_at = models.DateTimeField(_("rendered at"))

    class Meta:
        verbose_name = _("report file")
        verbose_name_plural = _("report files")
        constraints = [
            models.UniqueConstraint(fields=["report", "language"], name="report_file_language")
        ]

    def __str__(self) -> str:
        return f"{self.report} ({self.language})"


class CycleSummary(models.Model):
    """The council's summary of a cycle across districts, in one language (re-rendered as
    district reports are approved; it only restates approved reports)."""

    cycle = models.ForeignKey(
        Cycle, on_delete=models.PROTECT, related_name="summaries", verbose_name=_("cycle")
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    file = models.FileField(_("file"), upload_to="reports/")
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    rendered_at = models.DateTimeField(_("rendered at"))

    class Meta:
        verbose_name = _("cycle summary")
        verbose_name_plural = _("cycle summaries")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "language"], name="cycle_summary_language")
        ]

    def __str__(self) -> str:
        return f"{self.cycle} ({self.language})"


class AuditEvent(models.Model):
    """Who did what to which tally or report, and when. Append-only (a trigger)."""

    class Action(models.TextChoices):
        TALLY_FINISHED = "tally_finished", _("official tally finished")
        RETALLY = "retally", _("counted again")
        REPORT_REQUESTED = "report_requested", _("report requested")
        REPORT_RENDERED = "report_rendered", _("report rendered")
        REPORT_FAILED = "report_failed", _("report rendering failed")
        REPORT_APPROVED = "report_approved", _("report approved")
        REPORT_RETURNED = "report_returned", _("report sent back")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    pool = models.ForeignKey(
        Pool, on_delete=models.PROTECT, related_name="+", verbose_name=_("pool")
    )
    tally = models.ForeignKey(
        Tally,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tally"),
    )
    report = models.ForeignKey(
        Report,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("report"),
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"
