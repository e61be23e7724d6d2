from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from p2mi_portal.errors import DomainError

from . import services
from .models import (
    DocumentKind,
    ExchangeRate,
    GradeLevel,
    Major,
    Partner,
    PlacementTrack,
    Program,
    ProgramStatus,
    ScoreCriterion,
    StudyField,
    TrainingPhase,
)


def _kept_forms(formset: BaseInlineFormSet) -> list[forms.ModelForm]:
    """Forms that will be saved: filled in, valid so far, and not marked for deletion."""
    return [
        form
        for form in formset.forms
        if form.has_changed() or form.instance.pk
        if not formset._should_delete_form(form) and hasattr(form, "cleaned_data")
    ]


class TrackFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in _kept_forms(self) if "seats" in form.cleaned_data]
        errors = services.track_seat_errors(
            total_seats=self.instance.total_seats, track_seats=[form.cleaned_data["seats"] for form in kept]
        )
        for form in kept:
            # The seat counters are not on the form, so model validation skips the
            # capacity constraint; check it here rather than fail on save.
            track = form.instance
            in_use = track.seats_reserved + track.seats_taken
            if form.cleaned_data["seats"] < in_use:
                errors.append(
                    _("Track %(track)s already has %(count)s seats offered or taken.")
                    % {"track": form.cleaned_data.get("name") or track.name, "count": in_use}
                )
        if errors:
            raise forms.ValidationError(errors)


class GradeLadderFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        ladder = [
            (form.cleaned_data["grade"], form.cleaned_data["monthly_salary"])
            for form in _kept_forms(self)
            if {"grade", "monthly_salary"} <= form.cleaned_data.keys()
        ]
        errors = services.grade_ladder_errors(
            ladder=ladder,
            salary_min=self.instance.salary_min,
            salary_max=self.instance.salary_max,
            currency=self.instance.salary_currency,
        )
        if errors:
            raise forms.ValidationError(errors)


class RubricFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        weights = [form.cleaned_data["weight"] for form in _kept_forms(self) if "weight" in form.cleaned_data]
        errors = services.rubric_errors(weights=weights)
        if errors:
            raise forms.ValidationError(errors)


class TrainingPhaseForm(forms.ModelForm):
    fields_of_study = forms.MultipleChoiceField(
        label=_("fields of study"),
        choices=StudyField.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("When several are chosen, each worker follows one of them."),
    )

    class Meta:
        model = TrainingPhase
        fields = "__all__"


class PlacementTrackInline(admin.TabularInline):
    model = PlacementTrack
    formset = TrackFormSet
    extra = 0
    min_num = 1
    fields = (
        "name",
        "name_en",
        "country",
        "seats",
        "seats_reserved",
        "seats_taken",
        "description",
        "description_en",
    )
    readonly_fields = ("seats_reserved", "seats_taken")


class TrainingPhaseInline(admin.StackedInline):
    model = TrainingPhase
    form = TrainingPhaseForm
    extra = 0
    fields = (
        ("order", "months"),
        ("title", "title_en"),
        ("location", "location_en"),
        "fields_of_study",
        ("min_attendance", "final_assessment_required"),
    )


class GradeLevelInline(admin.TabularInline):
    model = GradeLevel
    formset = GradeLadderFormSet
    extra = 0


class ScoreCriterionInline(admin.TabularInline):
    model = ScoreCriterion
    formset = RubricFormSet
    extra = 0
    fields = ("order", "name", "name_en", "weight")


class ProgramAdminForm(forms.ModelForm):
    required_document_kinds = forms.MultipleChoiceField(
        label=_("required documents"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Program
        fields = "__all__"


def _status_action(target: ProgramStatus, label: str):
    def action(modeladmin: ProgramAdmin, request: HttpRequest, queryset: QuerySet[Program]) -> None:
        moved = 0
        for program in queryset.order_by("code"):
            try:
                services.program_change_status(program=program, to_status=target, actor=request.user)
            except DomainError as exc:
                modeladmin.message_user(request, exc.message, messages.ERROR)
            else:
                moved += 1
        if moved:
            modeladmin.message_user(
                request,
                ngettext(
                    "%(count)d programme is now %(status)s.",
                    "%(count)d programmes are now %(status)s.",
                    moved,
                )
                % {"count": moved, "status": target.label},
                messages.SUCCESS,
            )

    action.__name__ = f"make_{target.value}"
    return admin.action(description=label, permissions=["change"])(action)


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    form = ProgramAdminForm
    inlines = [PlacementTrackInline, TrainingPhaseInline, GradeLevelInline, ScoreCriterionInline]
    list_display = (
        "code",
        "title",
        "employer",
        "destination_country",
        "total_seats",
        "recruitment_opens",
        "recruitment_closes",
        "status",
    )
    list_filter = ("status", "sector", "destination_country", "employer")
    search_fields = ("code", "title", "title_en", "occupation", "employer__name")
    date_hierarchy = "recruitment_opens"
    readonly_fields = ("status", "published_at", "created_at", "updated_at")
    filter_horizontal = ("supporting_partners", "allowed_majors")
    save_on_top = True
    fieldsets = (
        (None, {"fields": ("code", "status", "published_at")}),
        (
            _("Description"),
            {"fields": (("title", "title_en"), ("summary", "summary_en"), "description", "description_en")},
        ),
        (
            _("Partners and work"),
            {
                "fields": (
                    "employer",
                    "supporting_partners",
                    "destination_country",
                    "sector",
                    ("occupation", "occupation_en"),
                )
            },
        ),
        (
            _("Seats, dates and pay"),
            {
                "fields": (
                    "total_seats",
                    ("recruitment_opens", "recruitment_closes"),
                    "target_departure",
                    "contract_months",
                    ("salary_currency", "salary_min", "salary_max"),
                )
            },
        ),
        (
            _("Eligibility"),
            {
                "fields": (
                    "education_level",
                    "allowed_majors",
                    ("graduation_year_min", "graduation_year_max"),
                    ("age_min", "age_max", "age_reference_date"),
                    "min_average_grade",
                    "required_document_kinds",
                )
            },
        ),
        (_("Selection"), {"fields": ("offer_response_days",)}),
        (_("Record dates"), {"classes": ("collapse",), "fields": ("created_at", "updated_at")}),
    )
    actions = [
        _status_action(ProgramStatus.PUBLISHED, _("Publish the selected programmes")),
        _status_action(ProgramStatus.DRAFT, _("Return the selected programmes to draft")),
        _status_action(ProgramStatus.RECRUITMENT_CLOSED, _("Close recruitment")),
        _status_action(ProgramStatus.SELECTION, _("Start selection")),
        _status_action(ProgramStatus.TRAINING, _("Start training")),
        _status_action(ProgramStatus.DEPLOYED, _("Mark as deployed")),
        _status_action(ProgramStatus.CLOSED, _("Close the selected programmes")),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Program]:
        return super().get_queryset(request).select_related("employer")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "kind", "country", "contact_email")
    list_filter = ("kind", "country")
    search_fields = ("name", "name_en", "short_name", "contact_name", "contact_email")


@admin.register(Major)
class MajorAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "code", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "name_en", "code")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ("currency", "rate_to_idr", "date", "source")
    list_filter = ("currency",)
    date_hierarchy = "date"
