from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from .models import Sector
from .selectors import public_destinations, public_sectors


class ProgramFilterForm(forms.Form):
    """Filters of the public programme list; choices are what is actually on offer."""

    destination = forms.ChoiceField(label=_("Destination"), required=False)
    sector = forms.ChoiceField(label=_("Field"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sector_labels = dict(Sector.choices)
        self.fields["destination"].choices = [("", _("All destinations"))] + [
            (code, countries.name(code)) for code in public_destinations()
        ]
        self.fields["sector"].choices = [("", _("All fields"))] + [
            (code, sector_labels.get(code, code)) for code in public_sectors()
        ]

    def filters(self) -> dict[str, str]:
        """The valid filters; an unknown value is ignored rather than shown as an error."""
        if self.is_valid():
            return {name: value for name, value in self.cleaned_data.items() if value}
        return {
            name: self.data.get(name)
            for name in self.fields
            if name not in self.errors and self.data.get(name)
        }
