from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from budgets.models import Pool, TallyRule, TieBreak
from budgets.services import PHASE_OVERRIDE_FIELDS
from districts.models import Assembly


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        # Seconds are kept so that an unchanged date is submitted back exactly as stored.
        super().__init__(attrs={"step": "1", **(attrs or {})}, format="%Y-%m-%dT%H:%M:%S")


class PoolPhasesForm(forms.ModelForm):
    """Staff override of a pool's phase dates; an empty field uses the cycle's date."""

    class Meta:
        model = Pool
        fields = list(PHASE_OVERRIDE_FIELDS)
        widgets = {name: DateTimeLocalInput() for name in PHASE_OVERRIDE_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cycle_dates = self.instance.cycle.dates
        for name, field in self.fields.items():
            field.input_formats = [
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M",
                "%Y-%m-%d",
            ]
            default = getattr(cycle_dates, name)
            shown = (
                formats.date_format(timezone.localtime(default), "SHORT_DATETIME_FORMAT")
                if default
                else _("none")
            )
            field.help_text = _("If empty, the cycle’s date (%(date)s) is used.") % {"date": shown}


class PaperEntryForm(forms.Form):
    """Who voted on paper and where; the choices come from the ballot widget itself."""

    national_id = forms.CharField(
        label=_("Voter’s national id"),
        max_length=40,
        help_text=_("Checked against the census register; only its keyed hash is looked up."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    assembly = forms.ModelChoiceField(
        label=_("Assembly"), queryset=Assembly.objects.none(), required=False
    )
    booth = forms.CharField(
        label=_("Booth"),
        max_length=80,
        required=False,
        help_text=_("Where the ballot was cast, if not at an assembly."),
    )

    def __init__(self, *args, pool: Pool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assembly"].queryset = Assembly.objects.filter(district_id=pool.district_id)

    def clean(self):
        data = super().clean()
        if not data.get("assembly") and not (data.get("booth") or "").strip():
            self.add_error("booth", _("Name the booth or choose the assembly."))
        return data


class ConflictResolveForm(forms.Form):
    keep = forms.ChoiceField(
        label=_("Which ballot counts?"),
        choices=[
            ("paper", _("The paper ballot (the online ballot is dropped)")),
            ("online", _("The online ballot (the paper ballot is set aside)")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason, for the record"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class WhatIfForm(forms.Form):
    """A staff what-if: the pool's frozen ballots counted with another rule or tie-break."""

    rule = forms.ChoiceField(label=_("Counting rule"), choices=TallyRule.choices)
    tie_break = forms.ChoiceField(
        label=_("Tie-break"),
        choices=[(k, v) for k, v in TieBreak.choices if k != TieBreak.LOT],
    )
    min_votes = forms.IntegerField(label=_("Minimum votes"), min_value=0, initial=0)

    def options(self, pool: Pool) -> dict:
        return {
            "tie_break": self.cleaned_data["tie_break"],
            "min_votes": self.cleaned_data["min_votes"],
        }


class ReportReturnForm(forms.Form):
    """The council sends a report back with what needs to change."""

    comment = forms.CharField(
        label=_("What needs to change"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The district's staff see this comment; it is kept in the audit log."),
    )


class RetallyForm(forms.Form):
    """A city admin has the ballots counted again after an approved report."""

    reason = forms.CharField(
        label=_("Reason for counting again"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Published with the new version of the report. The approved version stays "
            "public until the council approves the new one."
        ),
    )
