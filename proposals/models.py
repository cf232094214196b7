from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from budgets.models import Pool
from civic.i18n import TranslatedNameMixin

TITLE_MAX = 140
SUMMARY_MAX = 300
BODY_MAX = 10_000
COMMENT_MAX = 2_000
REASON_MAX = 2_000


class Category(TranslatedNameMixin):
    """A kind of project (parks, streets, schools…), managed by city admins."""

    slug = models.SlugField(_("slug"), unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["position", "name_en"]


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    FEASIBLE = "feasible", _("Feasible")
    INFEASIBLE = "infeasible", _("Not feasible")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ON_BALLOT = "on_ballot", _("On the ballot")
    SELECTED = "selected", _("Selected for funding")
    NOT_SELECTED = "not_selected", _("Not selected")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


# Statuses the public may see; drafts stay with their author.
PUBLIC_STATUSES = [s for s in Status.values if s != Status.DRAFT]


class Proposal(models.Model):
    """A resident's project idea for one district's pool, reviewed by that district's staff.

    `body` is the author's Markdown; `body_html` is its sanitised rendering, made once by
    the service at save time — templates show only `body_html`.
    """

    pool = models.ForeignKey(
        Pool, on_delete=models.PROTECT, related_name="proposals", verbose_name=_("pool")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="proposals",
        verbose_name=_("author"),
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    summary = models.CharField(_("summary"), max_length=SUMMARY_MAX)
    body = models.TextField(_("description"), max_length=BODY_MAX)
    body_html = models.TextField(_("description (rendered)"), editable=False)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        related_name="proposals",
        verbose_name=_("category"),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    address = models.CharField(_("address or place"), max_length=200, blank=True)
    author_cost = models.DecimalField(_("estimated cost"), max_digits=14, decimal_places=0)
    staff_cost = models.DecimalField(
        _("cost estimated by the district"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="duplicates",
        verbose_name=_("duplicate of"),
    )
    external_id = models.CharField(
        _("project id in an imported file"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Set for projects imported from a pabulib file; tallies use it as the id."),
    )
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["pool", "status"], name="proposal_pool_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(author_cost__gt=0), name="proposal_cost_positive"),
            models.CheckConstraint(
                condition=Q(staff_cost__isnull=True) | Q(staff_cost__gt=0),
                name="proposal_staff_cost_positive",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="proposal_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="proposal_hidden_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(duplicate_of__isnull=True) | ~Q(duplicate_of=F("id")),
                name="proposal_not_duplicate_of_itself",
            ),
            models.CheckConstraint(
                condition=(Q(latitude__isnull=True) & Q(longitude__isnull=True))
                | (Q(latitude__isnull=False) & Q(longitude__isnull=False)),
                name="proposal_location_complete",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def cost(self):
        """The cost that counts on the ballot: the district's estimate once it exists."""
        return self.staff_cost if self.staff_cost is not None else self.author_cost

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


def proposal_image_path(instance: "ProposalImage", filename: str) -> str:
    return f"proposals/{instance.proposal_id}/{filename}"


class ProposalImage(models.Model):
    """An image re-encoded by the service (EXIF and GPS stripped) with its thumbnail."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="images", verbose_name=_("proposal")
    )
    image = models.ImageField(_("image"), upload_to=proposal_image_path)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=proposal_image_path)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    alt_text = models.CharField(_("image description"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt_text or self.image.name


class Review(models.Model):
    """One decision on a proposal: who, when, from which status to which, and why.

    The public sees `public_reason`; `internal_note` is for the district's staff only.
    """

    class Action(models.TextChoices):
        SUBMIT = "submit", _("submitted")
        EDIT = "edit", _("edited")
        START_REVIEW = "start_review", _("review started")
        REQUEST_CHANGES = "request_changes", _("changes requested")
        MARK_FEASIBLE = "mark_feasible", _("marked feasible")
        MARK_INFEASIBLE = "mark_infeasible", _("marked not feasible")
        MARK_DUPLICATE = "mark_duplicate", _("marked as a duplicate")
        WITHDRAW = "withdraw", _("withdrawn")
        HIDE = "hide", _("hidden")
        UNHIDE = "unhide", _("shown again")
        PUT_ON_BALLOT = "put_on_ballot", _("put on the ballot")
        SELECT = "select", _("selected by the tally")
        NOT_SELECT = "not_select", _("not selected by the tally")

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("proposal")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    public_reason = models.TextField(_("public reason"), max_length=REASON_MAX, blank=True)
    internal_note = models.TextField(_("internal note"), max_length=REASON_MAX, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    notified_at = models.DateTimeField(_("author notified at"), null=True, blank=True)
    # Written with the review when the author is to be told, cleared once the e-mail is sent:
    # a notice whose task never reached the broker is sent by the sweep (tasks.py).
    notice_due = models.BooleanField(_("author notice due"), default=False)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["id"], condition=Q(notice_due=True), name="review_notice_due"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.from_status} → {self.to_status}"


class Comment(models.Model):
    """A comment on a proposal, threaded one level (a reply has a parent, never a grandparent)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="comments", verbose_name=_("proposal")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="comments",
        verbose_name=_("author"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("reply to"),
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.CharField(_("reason for hiding"), max_length=REASON_MAX, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hidden by"),
    )

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="comment_hidden_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}#{self.pk}"

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class Flag(models.Model):
    """A reader's report that a comment breaks the rules; one per reader per comment."""

    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, related_name="flags", verbose_name=_("comment")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("flagged by"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="flag_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"flag {self.comment_id}"


class Support(models.Model):
    """A verified resident's support for a proposal in the support phase (public, not a vote)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="supports", verbose_name=_("proposal")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="supports",
        verbose_name=_("supporter"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("support")
        verbose_name_plural = _("supports")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="support_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"support {self.proposal_id}"
