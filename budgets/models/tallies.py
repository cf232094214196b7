"""One run of a tally rule over a pool's frozen ballots."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from budgets.models.pools import Pool, TallyRule


class Tally(models.Model):
    """A rule run over the frozen ballots whose SHA-256 is `digest`.

    Unique per (pool, digest, rule, options), so a retried or duplicated task finishes with
    exactly one row. It is official when its rule and options are the pool's published
    ones; any other run is a staff what-if, stored but never published.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("counting")
        DONE = "done", _("finished")
        FAILED = "failed", _("failed")

    pool = models.ForeignKey(
        Pool, on_delete=models.PROTECT, related_name="tallies", verbose_name=_("pool")
    )
    digest = models.CharField(_("SHA-256 of the ballots"), max_length=64)
    rule = models.CharField(_("rule"), max_length=20, choices=TallyRule.choices)
    options = models.JSONField(_("options"), default=dict)
    options_key = models.CharField(_("options (canonical)"), max_length=200, editable=False)
    official = models.BooleanField(_("official"), default=False)
    run = models.PositiveSmallIntegerField(
        _("run"), default=1, help_text=_("Above 1: counted again after an approved report.")
    )
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    result = models.JSONField(_("result"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tally")
        verbose_name_plural = _("tallies")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pool", "digest", "rule", "options_key", "run"], name="tally_unique_run"
            ),
            models.CheckConstraint(
                condition=~Q(state="done") | Q(result__isnull=False), name="tally_done_has_result"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="tally_progress_le_100"),
        ]

    def __str__(self) -> str:
        return f"{self.pool} {self.rule} ({self.get_state_display()})"

    @property
    def selected(self) -> list[str]:
        return list((self.result or {}).get("selected", []))
