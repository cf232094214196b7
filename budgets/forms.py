from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from budgets.models import Pool
from budgets.services import PHASE_OVERRIDE_FIELDS


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
