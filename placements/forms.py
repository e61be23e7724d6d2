# Kept whole: the staff forms of one page (the journey), one short form per service.
"""Staff forms of the journey page: each one feeds one service and shows its refusals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from candidates.models import Stage
from p2mi_portal.transitions import Actor
from programs.models import Partner, StudyField

from . import services
from .models import (
    PLACEMENT_BEFORE_DEPARTURE_STATUSES,
    AssessmentKind,
    ChecklistItem,
    Enrolment,
    EnrolmentStatus,
    LanguageLevel,
    Placement,
    Referral,
    ReferralKind,
    ReferralOutcome,
    ReintegrationWish,
)
from .pipeline import PLACEMENT_MACHINE

DATE = forms.DateInput(attrs={"type": "date"})


class JourneyForm(forms.Form):
    """A form bound to one worker's records; ``run`` calls its service."""

    action = ""
    title = ""
    submit = _("Save")
    # What the staff member needs to use the form; viewing the journey needs less.
    permission = "placements.change_placement"

    def __init__(self, *args, application, placement: Placement | None, **kwargs) -> None:
        super().__init__(*args, prefix=self.action, **kwargs)
        self.application = application
        self.placement = placement

    def enrolments(self, *statuses: str):
        enrolments = Enrolment.objects.filter(application=self.application).select_related("phase")
        if statuses:
            enrolments = enrolments.filter(status__in=statuses)
        return enrolments.order_by("phase__order")

    def run(self, actor) -> Any:  # pragma: no cover - every subclass defines it
        raise NotImplementedError


class _EnrolmentForm(JourneyForm):
    statuses: tuple[str, ...] = (EnrolmentStatus.IN_PROGRESS,)
    permission = "placements.change_enrolment"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields = {
            "enrolment": forms.ModelChoiceField(
                label=_("phase"), queryset=self.enrolments(*self.statuses), empty_label=None
            ),
            **self.fields,
        }

    def available(self) -> bool:
        return self.fields["enrolment"].queryset.exists()


class EnrolmentStartForm(_EnrolmentForm):
    action = "start"
    title = _("Start a phase")
    submit = _("Start")
    statuses = (EnrolmentStatus.PLANNED,)
    starts_on = forms.DateField(label=_("starts on"), required=False, widget=DATE)

    def run(self, actor):
        return services.enrolment_start(
            enrolment=self.cleaned_data["enrolment"], actor=actor, starts_on=self.cleaned_data["starts_on"]
        )


class FieldOfStudyForm(_EnrolmentForm):
    action = "field"
    title = _("Choose the field of study")
    statuses = (EnrolmentStatus.PLANNED, EnrolmentStatus.IN_PROGRESS)
    field_of_study = forms.ChoiceField(label=_("field of study"), choices=StudyField.choices)

    def available(self) -> bool:
        return any(len(e.phase.fields_of_study or []) > 1 for e in self.fields["enrolment"].queryset)

    def run(self, actor):
        return services.enrolment_choose_field(
            enrolment=self.cleaned_data["enrolment"], field=self.cleaned_data["field_of_study"], actor=actor
        )


class ProgressForm(_EnrolmentForm):
    action = "progress"
    title = _("Record attendance and language level")
    attendance = forms.DecimalField(label=_("attendance (%)"), min_value=0, max_value=100, decimal_places=2)
    language_level = forms.ChoiceField(
        label=_("language level reached"), choices=[("", "—"), *LanguageLevel.choices], required=False
    )

    def run(self, actor):
        data = self.cleaned_data
        return services.enrolment_record_progress(
            enrolment=data["enrolment"],
            actor=actor,
            attendance=data["attendance"],
            language_level=data["language_level"],
        )


class AssessmentForm(_EnrolmentForm):
    action = "assessment"
    title = _("Record an assessment")
    taken_on = forms.DateField(label=_("date"), widget=DATE)
    kind = forms.ChoiceField(label=_("kind"), choices=AssessmentKind.choices)
    score = forms.DecimalField(label=_("score"), decimal_places=2, max_digits=6)
    pass_mark = forms.DecimalField(label=_("pass mark"), decimal_places=2, max_digits=6)
    max_score = forms.DecimalField(
        label=_("highest possible score"), decimal_places=2, max_digits=6, initial=100
    )
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def run(self, actor):
        data = dict(self.cleaned_data)
        return services.assessment_record(enrolment=data.pop("enrolment"), actor=actor, **data)


class PassForm(_EnrolmentForm):
    action = "pass"
    title = _("Mark a phase passed")
    submit = _("Mark passed")
    language_level = forms.ChoiceField(
        label=_("language level reached"), choices=[("", "—"), *LanguageLevel.choices], required=False
    )

    def run(self, actor):
        return services.enrolment_pass(
            enrolment=self.cleaned_data["enrolment"],
            actor=actor,
            language_level=self.cleaned_data["language_level"],
        )


class EndEarlyForm(_EnrolmentForm):
    action = "end"
    title = _("Record a failed or discontinued phase")
    submit = _("Record")
    statuses = (EnrolmentStatus.PLANNED, EnrolmentStatus.IN_PROGRESS)
    status = forms.ChoiceField(
        label=_("outcome"),
        choices=[
            (EnrolmentStatus.FAILED, EnrolmentStatus.FAILED.label),
            (
                EnrolmentStatus.DISCONTINUED,
                EnrolmentStatus.DISCONTINUED.label,
            ),
        ],
    )
    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def run(self, actor):
        data = self.cleaned_data
        return services.enrolment_end_early(
            enrolment=data["enrolment"], actor=actor, status=data["status"], reason=data["reason"]
        )


class CertificateForm(_EnrolmentForm):
    action = "certificate"
    title = _("Add a certificate")
    statuses = (EnrolmentStatus.IN_PROGRESS, EnrolmentStatus.PASSED)
    issuer = forms.CharField(
        label=_("issuer"), max_length=150, help_text=_("For example BPSDMI or the partner.")
    )
    number = forms.CharField(label=_("certificate number"), max_length=80)
    issued_on = forms.DateField(label=_("issued on"), widget=DATE)
    file = forms.FileField(label=_("scan (PDF, JPG or PNG)"), required=False)

    def run(self, actor):
        data = self.cleaned_data
        return services.certificate_add(
            enrolment=data["enrolment"],
            actor=actor,
            issuer=data["issuer"],
            number=data["number"],
            issued_on=data["issued_on"],
            upload=data["file"],
        )


class PlacementCreateForm(JourneyForm):
    action = "place"
    title = _("Create the placement")
    submit = _("Create")
    permission = "placements.add_placement"
    site = forms.CharField(label=_("work site"), max_length=200)
    position = forms.CharField(label=_("position"), max_length=150)
    contract_starts = forms.DateField(label=_("contract starts"), widget=DATE)
    contract_ends = forms.DateField(
        label=_("contract ends"),
        required=False,
        widget=DATE,
        help_text=_("Empty: the programme's contract length from the start."),
    )
    employer = forms.ModelChoiceField(
        label=_("employer"),
        queryset=Partner.objects.all(),
        required=False,
        help_text=_("Empty: the programme's employer."),
    )

    def available(self) -> bool:
        return self.placement is None and self.application.stage in (Stage.ACCEPTED, Stage.IN_TRAINING)

    def run(self, actor):
        return services.placement_create(application=self.application, actor=actor, **self.cleaned_data)


class _PlacementForm(JourneyForm):
    def available(self) -> bool:
        return self.placement is not None

    def clean(self) -> dict[str, Any]:
        # The page offers these forms only with a placement; a stale page or a crafted post may not.
        if self.placement is None:
            raise forms.ValidationError(_("This worker has no placement yet: create it first."))
        return super().clean()


class ChecklistForm(_PlacementForm):
    action = "checklist"
    title = _("Confirm a checklist item")
    submit = _("Confirm")
    confirmed_on = forms.DateField(label=_("confirmed on"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        items = ChecklistItem.objects.filter(placement=self.placement, confirmed_on__isnull=True)
        self.fields = {
            "item": forms.ModelChoiceField(label=_("item"), queryset=items, empty_label=None),
            **self.fields,
        }

    def available(self) -> bool:
        return (
            self.placement is not None
            and self.placement.status in PLACEMENT_BEFORE_DEPARTURE_STATUSES
            and self.fields["item"].queryset.exists()
        )

    def run(self, actor):
        data = self.cleaned_data
        return services.checklist_confirm(
            item=data["item"], actor=actor, confirmed_on=data["confirmed_on"], note=data["note"]
        )


class StatusForm(_PlacementForm):
    action = "status"
    title = _("Change the placement's status")
    on_date = forms.DateField(label=_("date"), required=False, widget=DATE, help_text=_("Empty: today."))
    reason = forms.CharField(
        label=_("reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed for an early end."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        statuses = (
            PLACEMENT_MACHINE.allowed_targets(self.placement.status, Actor.STAFF) if self.placement else []
        )
        self.fields = {
            "status": forms.ChoiceField(
                label=_("new status"), choices=[(s.value, s.label) for s in statuses]
            ),
            **self.fields,
        }

    def available(self) -> bool:
        return bool(self.fields["status"].choices)

    def run(self, actor):
        data = self.cleaned_data
        return services.placement_change_status(
            placement=self.placement,
            to_status=data["status"],
            actor=actor,
            on_date=data["on_date"],
            reason=data["reason"],
        )


class GradeForm(_PlacementForm):
    action = "grade"
    title = _("Record a grade change")
    grade = forms.IntegerField(label=_("new grade"), min_value=1, max_value=100)
    effective_on = forms.DateField(label=_("effective from"), widget=DATE)
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)

    def available(self) -> bool:
        return self.placement is not None and not self.placement.is_final

    def run(self, actor):
        data = self.cleaned_data
        return services.placement_change_grade(
            placement=self.placement,
            to_grade=data["grade"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            actor=actor,
        )


class WishForm(_PlacementForm):
    action = "wish"
    title = _("What the returned worker wants")
    wish = forms.ChoiceField(
        label=_("after return, the worker wants"),
        choices=[(value, label) for value, label in ReintegrationWish.choices if value],
    )

    def available(self) -> bool:
        return self.placement is not None and self.placement.returned_on is not None

    def run(self, actor):
        return services.placement_record_wish(
            placement=self.placement, wish=self.cleaned_data["wish"], actor=actor
        )


class ReferralForm(WishForm):
    action = "referral"
    title = _("Refer to a partner ministry's programme")
    submit = _("Refer")
    wish = None
    kind = forms.ChoiceField(label=_("referred to"), choices=ReferralKind.choices)
    partner = forms.ModelChoiceField(
        label=_("receiving institution"), queryset=Partner.objects.all(), required=False
    )
    referred_on = forms.DateField(label=_("referred on"), required=False, widget=DATE)
    note = forms.CharField(label=_("note"), max_length=300, required=False)

    def run(self, actor):
        return services.referral_create(placement=self.placement, actor=actor, **self.cleaned_data)


class ReferralOutcomeForm(_PlacementForm):
    action = "outcome"
    title = _("Record a referral's outcome")
    outcome = forms.ChoiceField(
        label=_("outcome"),
        choices=[
            (value, label) for value, label in ReferralOutcome.choices if value != ReferralOutcome.PENDING
        ],
    )
    outcome_on = forms.DateField(label=_("outcome date"), required=False, widget=DATE)
    note = forms.CharField(label=_("outcome note"), max_length=300, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        referrals = (
            self.placement.referrals.filter(outcome=ReferralOutcome.PENDING) if self.placement else None
        )
        self.fields = {
            "referral": forms.ModelChoiceField(
                label=_("referral"),
                queryset=referrals if referrals is not None else Referral.objects.none(),
                empty_label=None,
            ),
            **self.fields,
        }

    def available(self) -> bool:
        return self.placement is not None and self.fields["referral"].queryset.exists()

    def run(self, actor):
        data = self.cleaned_data
        return services.referral_record_outcome(
            referral=data["referral"],
            outcome=data["outcome"],
            outcome_on=data["outcome_on"],
            note=data["note"],
            actor=actor,
        )


JOURNEY_FORMS: tuple[type[JourneyForm], ...] = (
    FieldOfStudyForm,
    EnrolmentStartForm,
    ProgressForm,
    AssessmentForm,
    PassForm,
    EndEarlyForm,
    CertificateForm,
    PlacementCreateForm,
    ChecklistForm,
    StatusForm,
    GradeForm,
    WishForm,
    ReferralForm,
    ReferralOutcomeForm,
)
