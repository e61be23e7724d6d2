# Kept whole: the forms of this app's pages, each short and independent of the others.
from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from p2mi_portal.forms import clean_indonesian_phone
from p2mi_portal.indonesia import nik_problems
from programs.eligibility import REQUIRED_PROFILE_FIELDS
from programs.models import DocumentKind, Major, PlacementTrack, Program, ProgramStatus
from programs.selectors import program_tracks, track_in_program

from .consent import CONSENT_TEXT
from .models import CandidateProfile, CompetencyCertificate, LanguageSkill

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# The profile form's sections, in order; the form has exactly these fields.
PROFILE_FIELDSETS = (
    (
        _("About you"),
        (
            "full_name",
            "nik",
            "birth_place",
            "birth_date",
            "sex",
            "phone",
            "address",
            "province",
            "regency",
        ),
    ),
    (_("School"), ("school_name", "school_npsn", "major", "graduation_year", "average_grade")),
    (_("Passport"), ("passport_number", "passport_expiry")),
)


@dataclass(frozen=True)
class LockedField:
    """A profile field a verified document proves: shown as text on the profile page."""

    name: str
    label: str
    value: str
    proven_by: str
    is_locked: bool = True


def _shown(candidate: CandidateProfile, name: str) -> str:
    display = getattr(candidate, f"get_{name}_display", None)
    value = display() if display and getattr(candidate, name) else getattr(candidate, name)
    if value is None or value == "":
        return "—"
    return str(formats.localize(value))


class ProfileForm(forms.ModelForm):
    class Meta:
        model = CandidateProfile
        fields = [name for _legend, names in PROFILE_FIELDSETS for name in names]
        widgets = {
            "birth_date": DATE_INPUT,
            "passport_expiry": DATE_INPUT,
            "address": forms.Textarea(attrs={"rows": 3}),
            "nik": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 16}),
            "school_npsn": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 8}),
            "phone": forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
            "average_grade": forms.NumberInput(attrs={"step": "0.01", "min": 0, "max": 100}),
        }
        help_texts = {
            "nik": _("The 16-digit number on your KTP."),
            "average_grade": _("The average of your diploma grades, from 0 to 100."),
            "passport_number": _("Optional until selection."),
        }

    def fieldsets(self):
        return [
            (legend, [self.locked_fields.get(name) or self[name] for name in names])
            for legend, names in PROFILE_FIELDSETS
        ]

    def __init__(self, *args, locked: Mapping[str, list] | None = None, **kwargs):
        """``locked``: the fields verified documents prove (``selectors.proven_fields``), shown as text."""
        super().__init__(*args, **kwargs)
        self.fields["major"].queryset = Major.objects.filter(is_active=True).order_by("name")
        # Everything an application needs (programs.eligibility.REQUIRED_PROFILE_FIELDS).
        for name, _label in REQUIRED_PROFILE_FIELDS:
            self.fields[name.removesuffix("_id")].required = True
        self.fields["sex"].choices = [("", "—"), *self.fields["sex"].choices[1:]]
        # Proven fields leave the form: they are shown as text, and a value sent for one is refused.
        self.locked_fields: dict[str, LockedField] = {}
        self._locked_form_fields: dict[str, forms.Field] = {}
        for name, documents in (locked or {}).items():
            if name in self.fields:
                field = self._locked_form_fields[name] = self.fields.pop(name)
                self.locked_fields[name] = LockedField(
                    name=name,
                    label=field.label,
                    value=_shown(self.instance, name),
                    proven_by=", ".join(str(document.get_kind_display()) for document in documents),
                )

    def clean_full_name(self) -> str:
        return " ".join(self.cleaned_data["full_name"].split())

    def clean_nik(self) -> str:
        return "".join((self.cleaned_data.get("nik") or "").split())

    def clean_phone(self) -> str:
        return clean_indonesian_phone(self.cleaned_data["phone"])

    def clean_birth_date(self) -> datetime.date:
        born = self.cleaned_data["birth_date"]
        today = timezone.localdate()
        if born > today or today.year - born.year < 14 or today.year - born.year > 80:
            raise forms.ValidationError(_("Check your date of birth."))
        return born

    def clean_graduation_year(self) -> int | None:
        year = self.cleaned_data.get("graduation_year")
        if year is not None and not 1980 <= year <= timezone.localdate().year + 1:
            raise forms.ValidationError(_("Check your graduation year."))
        return year

    def clean_passport_number(self) -> str:
        return "".join((self.cleaned_data.get("passport_number") or "").split()).upper()

    def _tampered(self, name: str) -> bool:
        """Whether the request sent a value for the locked field ``name`` other than the saved one."""
        key = self.add_prefix(name)
        if key not in self.data:
            return False
        field = self._locked_form_fields[name]
        try:
            sent = field.clean(field.widget.value_from_datadict(self.data, self.files, key))
        except forms.ValidationError:
            return True
        saved = getattr(self.instance, name)
        if isinstance(saved, str) and isinstance(sent, str):
            return "".join(saved.split()).upper() != "".join(sent.split()).upper()
        return getattr(sent, "pk", sent) != getattr(saved, "pk", saved)

    def clean(self):
        cleaned = super().clean()
        for name, locked in self.locked_fields.items():
            if self._tampered(name):
                self.add_error(
                    None,
                    _(
                        "%(field)s is proven by your verified %(documents)s and cannot be changed here. "
                        "Nothing was saved. To correct it, file a complaint or contact KP2MI."
                    )
                    % {"field": locked.label, "documents": locked.proven_by},
                )
        nik = cleaned.get("nik")
        if nik and "nik" not in self.errors:
            for problem in nik_problems(nik, birth_date=cleaned.get("birth_date"), sex=cleaned.get("sex")):
                self.add_error("nik", problem)
        return cleaned


class CertificateForm(forms.ModelForm):
    class Meta:
        model = CompetencyCertificate
        fields = ["issuer", "issuer_name", "title", "number", "issued_on"]
        widgets = {"issued_on": DATE_INPUT}

    def clean_issued_on(self) -> datetime.date:
        issued = self.cleaned_data["issued_on"]
        if issued > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return issued


class LanguageForm(forms.ModelForm):
    class Meta:
        model = LanguageSkill
        fields = ["language", "level"]


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("PDF, JPEG or PNG, at most %(limit)s MB.") % {
            "limit": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)
        }


class ApplyForm(forms.Form):
    track = forms.ModelChoiceField(
        label=_("Preferred placement"),
        queryset=PlacementTrack.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
    )
    consent = forms.BooleanField(label=CONSENT_TEXT, required=False)

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].queryset = program_tracks(program=program)
        self.fields["track"].label_from_instance = lambda track: track.localized("name")
        self.fields["track"].error_messages["invalid_choice"] = _(
            "Choose one of this programme's placement tracks."
        )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class DeletionRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my personal data and documents will be erased and cannot be restored."),
        required=True,
    )


# --- Staff: selection ---------------------------------------------------------

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class MoveForm(forms.Form):
    """Staff move one application; the service decides what is allowed."""

    to_stage = forms.ChoiceField(label=_("Move to"))
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required for rejections and reopening; the candidate sees it."),
    )
    track = forms.ModelChoiceField(
        label=_("Track"),
        queryset=PlacementTrack.objects.none(),
        required=False,
        help_text=_(
            "For an offer or the waiting list. Empty: the track already chosen, or the preferred one."
        ),
    )
    offer_deadline = forms.DateTimeField(
        label=_("Deadline to answer the offer (WIB)"),
        required=False,
        widget=DATETIME_INPUT,
        help_text=_(
            "At least one day from now, at most the end of the programme's answer period. "
            "Empty: the end of that period."
        ),
    )
    interview_starts_at = forms.DateTimeField(
        label=_("Interview date and time (WIB)"), required=False, widget=DATETIME_INPUT
    )
    interview_place = forms.CharField(label=_("Interview place"), required=False, max_length=300)
    interview_online_link = forms.URLField(
        label=_("Online meeting link"), required=False, assume_scheme="https"
    )
    interviewer = forms.CharField(label=_("Interviewer"), required=False, max_length=150)

    # Where the service's field names land on this form.
    SERVICE_FIELDS = {
        "to": "to_stage",
        "interview": "interview_starts_at",
        "interview.starts_at": "interview_starts_at",
        "interview.place": "interview_place",
        "interview.interviewer": "interviewer",
    }

    def __init__(self, *args, application, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [(stage.value, stage.label) for stage in targets]
        self.fields["track"].queryset = program_tracks(program=application.program_id)

    def interview_slot(self):
        from .services import InterviewSlot

        data = self.cleaned_data
        if not any(
            data.get(name)
            for name in ("interview_starts_at", "interview_place", "interview_online_link", "interviewer")
        ):
            return None
        return InterviewSlot(
            starts_at=data.get("interview_starts_at"),
            place=data.get("interview_place") or "",
            online_link=data.get("interview_online_link") or "",
            interviewer=data.get("interviewer") or "",
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Every candidate concerned sees it."),
    )


class ScoreForm(forms.Form):
    """One field per criterion of the programme's rubric."""

    def __init__(self, *args, criteria, scores, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for criterion in self.criteria:
            score = scores.get(criterion.pk)
            self.fields[f"criterion_{criterion.pk}"] = forms.DecimalField(
                label=str(criterion),
                required=False,
                min_value=0,
                max_value=100,
                max_digits=5,
                decimal_places=2,
                initial=score.value if score else None,
                help_text=(
                    _("Scored by %(scorer)s") % {"scorer": score.scorer.full_name or score.scorer.email}
                    if score
                    else ""
                ),
            )

    def scores(self) -> dict:
        return {
            criterion.pk: self.cleaned_data.get(f"criterion_{criterion.pk}") for criterion in self.criteria
        }


class ShortlistSizeForm(forms.Form):
    size = forms.IntegerField(label=_("Propose the best"), min_value=1, max_value=10000, required=False)


# --- Staff: importing a BKK spreadsheet ----------------------------------------------------------


class ImportUploadForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Programme"),
        queryset=Program.objects.none(),
        help_text=_("Only programmes recruiting now: an imported application meets the same rules."),
    )
    track = forms.ModelChoiceField(
        label=_("Track for rows without one"),
        queryset=PlacementTrack.objects.none(),
        required=False,
        help_text=_(
            "Used for rows whose “Penempatan” cell is empty; needed when the programme has more "
            "than one track and the sheet names none."
        ),
    )
    file = forms.FileField(label=_("Spreadsheet"))
    consent = forms.BooleanField(
        label=_(
            "The BKK holds the written consent of every student in this file to share their data with KP2MI "
            "for this programme."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        programs = Program.objects.filter(status=ProgramStatus.PUBLISHED).order_by(
            "-recruitment_opens", "code"
        )
        self.fields["program"].queryset = programs
        self.fields["program"].label_from_instance = lambda program: f"{program.code} — {program.title}"
        self.fields["track"].queryset = PlacementTrack.objects.filter(program__in=programs).select_related(
            "program"
        )
        self.fields["track"].label_from_instance = lambda track: f"{track.program.code} — {track.name}"
        self.fields["file"].widget.attrs["accept"] = (
            ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        self.fields["file"].help_text = _("CSV (UTF-8) or XLSX, at most %(limit)s MB.") % {
            "limit": settings.IMPORT_MAX_BYTES // (1024 * 1024)
        }

    def clean(self):
        cleaned = super().clean()
        program, track = cleaned.get("program"), cleaned.get("track")
        if program is not None and track is not None and not track_in_program(track=track, program=program):
            self.add_error("track", _("Choose one of this programme's placement tracks."))
        elif program is not None and track is None:
            tracks = list(program_tracks(program=program)[:2])
            if len(tracks) == 1:
                cleaned["track"] = tracks[0]
        return cleaned
