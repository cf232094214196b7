from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ResidencyForm(forms.Form):
    national_id = forms.CharField(
        label=_("National id number"),
        max_length=32,
        help_text=_("As in the census register. It is checked and never stored."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}
        ),
    )
    birth_year = forms.IntegerField(
        label=_("Year of birth"),
        min_value=1900,
        widget=forms.NumberInput(attrs={"autocomplete": "bday-year", "inputmode": "numeric"}),
    )

    def clean_birth_year(self) -> int:
        year = self.cleaned_data["birth_year"]
        if year > timezone.now().year:
            raise forms.ValidationError(_("The year of birth cannot be in the future."))
        return year
