"""Forms of the district staff pages: queue filters, review decisions, hiding, moderation.

The forms only shape input; the services decide (transitions, reasons, costs) and their
ValidationErrors are put back on the form fields by `add_service_errors`.
"""

from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from proposals.models import REASON_MAX, Category, Review, Status

Action = Review.Action

REASON_ROWS = 3


def _textarea(rows: int = REASON_ROWS) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "maxlength": REASON_MAX})


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the matching fields, the rest on the whole form."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class QueueFilterForm(forms.Form):
    """GET filters of the review queue; every field optional."""

    pool = forms.TypedChoiceField(label=_("Cycle"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    older_than = forms.IntegerField(
        label=_("Submitted more than … days ago"),
        required=False,
        min_value=0,
        max_value=3650,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, pools=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pool"].choices = [(pool.pk, pool.cycle.title) for pool in pools]
        self.fields["status"].choices = [("", _("All statuses"))] + [
            (value, label) for value, label in Status.choices if value != Status.DRAFT
        ]

    def submitted_before(self):
        """The cut-off for the age filter, or None."""
        days = self.cleaned_data.get("older_than") if self.is_valid() else None
        if days is None:
            return None
        return timezone.now() - timedelta(days=days)


class DecisionForm(forms.Form):
    """Base of the review decisions: an optional note that only staff read."""

    action: str = ""
    internal_note = forms.CharField(
        label=_("Internal note (staff only)"),
        required=False,
        max_length=REASON_MAX,
        widget=_textarea(2),
    )

    def __init__(self, *args, proposal=None, **kwargs):
        # Field names stay plain (the service's names); ids get the action so that every
        # decision form can sit on the same page.
        kwargs.setdefault("auto_id", f"id_{self.action}_%s")
        super().__init__(*args, **kwargs)
        self.proposal = proposal

    def service_arguments(self) -> dict:
        return {"action": self.action, **self.cleaned_data}


class StartReviewForm(DecisionForm):
    action = Action.START_REVIEW
    title = _("Start the review")
    submit_label = _("Start review")


class RequestChangesForm(DecisionForm):
    action = Action.REQUEST_CHANGES
    title = _("Ask the author for changes")
    submit_label = _("Send back to the author")
    public_reason = forms.CharField(
        label=_("Message to the author (public)"),
        help_text=_("Say what needs to change. The author and the public see this."),
        max_length=REASON_MAX,
        widget=_textarea(),
    )
    field_order = ["public_reason", "internal_note"]


class FeasibleForm(DecisionForm):
    action = Action.MARK_FEASIBLE
    title = _("Mark as feasible")
    submit_label = _("Mark feasible")
    staff_cost = forms.DecimalField(
        label=_("District's cost estimate"),
        help_text=_("Whole currency units. This is the cost used on the ballot."),
        min_value=1,
        max_digits=14,
        decimal_places=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1"}),
    )
    public_reason = forms.CharField(
        label=_("Public note"),
        help_text=_("What the estimate includes, or any condition. Shown to everyone."),
        max_length=REASON_MAX,
        widget=_textarea(),
    )
    field_order = ["staff_cost", "public_reason", "internal_note"]


class InfeasibleForm(DecisionForm):
    action = Action.MARK_INFEASIBLE
    title = _("Mark as not feasible")
    submit_label = _("Mark not feasible")
    public_reason = forms.CharField(
        label=_("Public reason"),
        help_text=_("Why the district cannot carry it out. Shown to everyone."),
        max_length=REASON_MAX,
        widget=_textarea(),
    )
    field_order = ["public_reason", "internal_note"]


class DuplicateForm(DecisionForm):
    action = Action.MARK_DUPLICATE
    title = _("Mark as a duplicate")
    submit_label = _("Mark duplicate")
    duplicate_of = forms.ModelChoiceField(
        label=_("Duplicate of"),
        queryset=None,
        empty_label=_("Choose a proposal"),
    )
    public_reason = forms.CharField(
        label=_("Public reason (optional)"),
        help_text=_("If left empty, the reason will name the other proposal."),
        required=False,
        max_length=REASON_MAX,
        widget=_textarea(2),
    )
    field_order = ["duplicate_of", "public_reason", "internal_note"]

    def __init__(self, *args, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["duplicate_of"]
        field.queryset = candidates
        field.label_from_instance = lambda p: f"#{p.pk} {p.title}"


DECISION_FORMS: dict[str, type[DecisionForm]] = {
    form.action: form
    for form in (StartReviewForm, RequestChangesForm, FeasibleForm, InfeasibleForm, DuplicateForm)
}


class HideProposalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        help_text=_("The author sees this reason. Hide only what breaks the rules."),
        max_length=REASON_MAX,
        widget=_textarea(),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_hide_%s")
        super().__init__(*args, **kwargs)


class ModerateCommentForm(forms.Form):
    """Hide a flagged comment (with a reason) or keep it."""

    HIDE = "hide"
    KEEP = "keep"

    action = forms.ChoiceField(
        choices=[(HIDE, _("Hide")), (KEEP, _("Keep"))], widget=forms.HiddenInput
    )
    reason = forms.CharField(
        label=_("Reason for hiding"),
        help_text=_("The author of the comment sees this reason."),
        required=False,
        max_length=REASON_MAX,
        widget=_textarea(2),
    )

    def __init__(self, *args, comment_id: int, **kwargs):
        kwargs.setdefault("auto_id", f"id_comment{comment_id}_%s")
        super().__init__(*args, **kwargs)
