# Kept whole: one aggregate, a worker's journey (enrolment, placement, return).
"""Training enrolments and placements: a worker's path from an accepted offer to return home.

Rules about one row are constraints here. Rules that need other rows (pass rules,
the departure checklist, the grade ladder, the track whose seat the worker holds)
are checked in :mod:`placements.services`, the only writer of these tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from p2mi_portal.models import TimeStampedModel
from programs.models import StudyField


class EnrolmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    PASSED = "passed", _("Passed")
    FAILED = "failed", _("Failed")
    DISCONTINUED = "discontinued", _("Discontinued")


ENROLMENT_OPEN_STATUSES = frozenset({EnrolmentStatus.PLANNED, EnrolmentStatus.IN_PROGRESS})


class LanguageLevel(models.TextChoices):
    """Russian test levels (TORFL / ТРКИ) with their CEFR equivalents, and plain CEFR levels."""

    TORFL_ELEMENTARY = "torfl_elementary", _("TORFL Elementary (ТЭУ, A1)")
    TORFL_BASIC = "torfl_basic", _("TORFL Basic (ТБУ, A2)")
    TORFL_1 = "torfl_1", _("TORFL-1 (ТРКИ-1, B1)")
    TORFL_2 = "torfl_2", _("TORFL-2 (ТРКИ-2, B2)")
    TORFL_3 = "torfl_3", _("TORFL-3 (ТРКИ-3, C1)")
    TORFL_4 = "torfl_4", _("TORFL-4 (ТРКИ-4, C2)")
    CEFR_A1 = "cefr_a1", _("CEFR A1")
    CEFR_A2 = "cefr_a2", _("CEFR A2")
    CEFR_B1 = "cefr_b1", _("CEFR B1")
    CEFR_B2 = "cefr_b2", _("CEFR B2")
    CEFR_C1 = "cefr_c1", _("CEFR C1")
    CEFR_C2 = "cefr_c2", _("CEFR C2")


class Enrolment(TimeStampedModel):
    """One worker in one training phase of the programme."""

    application = models.ForeignKey(
        "candidates.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    phase = models.ForeignKey(
        "programs.TrainingPhase", verbose_name=_("training phase"), on_delete=models.PROTECT, related_name="+"
    )
    field_of_study = models.CharField(
        _("field of study"), max_length=32, choices=StudyField.choices, blank=True
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    status = models.CharField(
        _("status"), max_length=16, choices=EnrolmentStatus.choices, default=EnrolmentStatus.PLANNED
    )
    attendance = models.DecimalField(
        _("attendance (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    language_level = models.CharField(
        _("language level reached"), max_length=20, choices=LanguageLevel.choices, blank=True
    )
    outcome_reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("training enrolment")
        verbose_name_plural = _("training enrolments")
        ordering = ["application", "phase__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "phase"],
                name="enrolment_once_per_phase",
                violation_error_message=_("The worker is already enrolled in this phase."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("starts_on")),
                name="enrolment_ends_after_start",
                violation_error_message=_("A phase must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(attendance__isnull=True)
                | models.Q(attendance__gte=0, attendance__lte=100),
                name="enrolment_attendance_0_100",
                violation_error_message=_("Attendance is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["failed", "discontinued"]) | ~models.Q(outcome_reason=""),
                name="enrolment_failure_has_reason",
                violation_error_message=_("A failed or discontinued phase needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["status", "ends_on"])]

    def __str__(self) -> str:
        return f"#{self.application_id} · {self.phase}"


class AssessmentKind(models.TextChoices):
    TEST = "test", _("Test")
    PRACTICAL = "practical", _("Practical assessment")
    LANGUAGE_EXAM = "language_exam", _("Language examination")
    FINAL = "final", _("Final assessment")


class Assessment(models.Model):
    """A graded assessment within a phase, posted by staff or a partner's key."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="assessments"
    )
    taken_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=16, choices=AssessmentKind.choices)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    max_score = models.DecimalField(_("highest possible score"), max_digits=6, decimal_places=2, default=100)
    pass_mark = models.DecimalField(_("pass mark"), max_digits=6, decimal_places=2)
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    recorded_with_key = models.ForeignKey(
        "accounts.PartnerAPIKey",
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), db_default=Now())

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["enrolment", "taken_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_score__gt=0, score__gte=0, score__lte=models.F("max_score")),
                name="assessment_score_within_scale",
                violation_error_message=_("The score must be between 0 and the highest possible score."),
            ),
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=0, pass_mark__lte=models.F("max_score")),
                name="assessment_pass_mark_within_scale",
                violation_error_message=_("The pass mark must be between 0 and the highest possible score."),
            ),
            models.CheckConstraint(
                condition=models.Q(passed=True, score__gte=models.F("pass_mark"))
                | models.Q(passed=False, score__lt=models.F("pass_mark")),
                name="assessment_result_follows_pass_mark",
                violation_error_message=_("The result must follow from the score and the pass mark."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.score}/{self.max_score}"


def certificate_path(certificate: Certificate, filename: str) -> str:
    # Random names, as for candidates' documents: the path reveals nothing.
    return f"certificates/{uuid.uuid4().hex}"


class Certificate(models.Model):
    """A certificate earned in a phase (e.g. from BPSDMI or the partner)."""

    enrolment = models.ForeignKey(
        Enrolment, verbose_name=_("enrolment"), on_delete=models.CASCADE, related_name="certificates"
    )
    issuer = models.CharField(_("issuer"), max_length=150)
    number = models.CharField(_("certificate number"), max_length=80)
    issued_on = models.DateField(_("issued on"))
    file = models.FileField(_("file"), upload_to=certificate_path, max_length=200, blank=True)
    content_type = models.CharField(_("file type"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), db_default=Now())

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["enrolment", "issued_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "number"],
                name="certificate_number_unique_per_issuer",
                violation_error_message=_("This issuer's certificate with this number is already recorded."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.number}"


class PlacementStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PRE_DEPARTURE = "pre_departure", _("Preparing to depart")
    DEPARTED = "departed", _("Departed")
    WORKING = "working", _("Working")
    COMPLETED = "completed", _("Contract completed")
    TERMINATED = "terminated", _("Terminated early")
    REPATRIATED = "repatriated", _("Repatriated")


PLACEMENT_FINAL_STATUSES = frozenset(
    {PlacementStatus.COMPLETED, PlacementStatus.TERMINATED, PlacementStatus.REPATRIATED}
)
# Before the worker leaves: the contract and the checklist can still change, and an end
# means the worker never went.
PLACEMENT_BEFORE_DEPARTURE_STATUSES = frozenset({PlacementStatus.PLANNED, PlacementStatus.PRE_DEPARTURE})
# Abroad: an end brings the worker home.
PLACEMENT_ABROAD_STATUSES = frozenset({PlacementStatus.DEPARTED, PlacementStatus.WORKING})


class ReintegrationWish(models.TextChoices):
    UNDECIDED = "", _("Not asked yet")
    NONE = "none", _("No support wanted")
    BUSINESS = "business", _("Business support (micro-business, UMKM)")
    STRATEGIC_JOB = "strategic_job", _("A job on a national strategic project")


class Placement(TimeStampedModel):
    """The worker's contract: where, as what, from when to when, and how it is going."""

    application = models.OneToOneField(
        "candidates.Application",
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="placement",
    )
    track = models.ForeignKey(
        "programs.PlacementTrack",
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        related_name="placements",
    )
    employer = models.ForeignKey(
        "programs.Partner", verbose_name=_("employer"), on_delete=models.PROTECT, related_name="placements"
    )
    site = models.CharField(_("work site"), max_length=200)
    position = models.CharField(_("position"), max_length=150)
    contract_starts = models.DateField(_("contract starts"))
    contract_ends = models.DateField(_("contract ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=PlacementStatus.choices, default=PlacementStatus.PLANNED
    )
    status_reason = models.TextField(_("reason for the status"), blank=True)
    departed_on = models.DateField(_("departed on"), null=True, blank=True)
    returned_on = models.DateField(_("returned on"), null=True, blank=True)
    grade = models.PositiveSmallIntegerField(_("current grade"), null=True, blank=True)
    reintegration_wish = models.CharField(
        _("after return, the worker wants"),
        max_length=16,
        choices=ReintegrationWish.choices,
        default=ReintegrationWish.UNDECIDED,
        blank=True,
    )
    # Set when the worker's passport runs out before the contract does, for staff to follow up.
    passport_flagged_at = models.DateTimeField(_("passport flagged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-contract_starts", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(contract_ends__gt=models.F("contract_starts")),
                name="placement_contract_ends_after_start",
                violation_error_message=_("The contract must end after it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(returned_on__isnull=True)
                | models.Q(departed_on__isnull=True)
                | models.Q(returned_on__gte=models.F("departed_on")),
                name="placement_return_after_departure",
                violation_error_message=_("The worker cannot return before departing."),
            ),
            models.CheckConstraint(
                condition=models.Q(grade__isnull=True) | models.Q(grade__gte=1),
                name="placement_grade_from_one",
                violation_error_message=_("Grades are numbered from 1."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["terminated", "repatriated"]) | ~models.Q(status_reason=""),
                name="placement_early_end_has_reason",
                violation_error_message=_("An early termination or repatriation needs a reason."),
            ),
        ]
        indexes = [models.Index(fields=["status", "contract_ends"])]

    def __str__(self) -> str:
        return f"#{self.application_id} · {self.position} · {self.site}"

    @property
    def is_final(self) -> bool:
        return self.status in PLACEMENT_FINAL_STATUSES


class RecordedChange(models.Model):
    """Who recorded a change (staff, or a partner's user) and with which API key, if any."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    api_key = models.ForeignKey(
        "accounts.PartnerAPIKey",
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), db_default=Now())

    class Meta:
        abstract = True


class PlacementEvent(RecordedChange):
    """One change of a placement's status: who (and with which key), when, why."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=PlacementStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=PlacementStatus.choices)
    on_date = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("placement event")
        verbose_name_plural = _("placement history")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"


class GradeChange(RecordedChange):
    """A step on the programme's grade ladder, effective from a date."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="grade_changes"
    )
    from_grade = models.PositiveSmallIntegerField(_("from grade"), null=True, blank=True)
    to_grade = models.PositiveSmallIntegerField(_("to grade"))
    effective_on = models.DateField(_("effective from"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("grade change")
        verbose_name_plural = _("grade history")
        ordering = ["placement", "effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(to_grade__gte=1),
                name="grade_change_to_grade_from_one",
                violation_error_message=_("Grades are numbered from 1."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_grade or '—'} → {self.to_grade} ({self.effective_on:%Y-%m-%d})"


class ChecklistItemKind(models.TextChoices):
    PASSPORT = "passport", _("Passport valid for the whole contract")
    VISA = "visa", _("Work visa")
    HEALTH_CHECK = "health_check", _("Health check")
    ORIENTATION = "orientation", _("Pre-departure orientation")
    SOCIAL_INSURANCE = "social_insurance", _("Social insurance (BPJS Ketenagakerjaan)")
    SIGNED_CONTRACT = "signed_contract", _("Signed work contract")


class ChecklistItem(models.Model):
    """One item of the pre-departure checklist; open until staff confirm it with a date."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="checklist"
    )
    item = models.CharField(_("item"), max_length=20, choices=ChecklistItemKind.choices)
    confirmed_on = models.DateField(_("confirmed on"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("pre-departure checklist")
        ordering = ["placement", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "item"],
                name="checklist_item_once_per_placement",
                violation_error_message=_("This checklist item is already on the placement."),
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_on__isnull=True) | models.Q(confirmed_by__isnull=False),
                name="checklist_confirmation_has_confirmer",
                violation_error_message=_("A confirmed item records who confirmed it."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_item_display()

    @property
    def is_open(self) -> bool:
        return self.confirmed_on is None


class ReferralKind(models.TextChoices):
    BUSINESS_SUPPORT = "business_support", _("Business support (Ministry of Cooperatives and SMEs)")
    ENERGY_PROJECT = "energy_project", _("Strategic energy project (Ministry of Energy, ESDM)")
    INDUSTRY_PROJECT = "industry_project", _("Strategic industry project (Ministry of Industry)")


class ReferralOutcome(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted into the programme")
    SUCCEEDED = "succeeded", _("Business started or job taken")
    DECLINED = "declined", _("Not accepted")
    WITHDRAWN = "withdrawn", _("The worker withdrew")


class Referral(models.Model):
    """A returned worker referred to a partner ministry's programme, and what came of it."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="referrals"
    )
    kind = models.CharField(_("referred to"), max_length=20, choices=ReferralKind.choices)
    partner = models.ForeignKey(
        "programs.Partner",
        verbose_name=_("receiving institution"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
    )
    referred_on = models.DateField(_("referred on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=ReferralOutcome.choices, default=ReferralOutcome.PENDING
    )
    outcome_on = models.DateField(_("outcome date"), null=True, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["placement", "referred_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "kind"],
                name="referral_once_per_kind",
                violation_error_message=_("The worker is already referred to this programme."),
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="pending", outcome_on__isnull=True)
                | (~models.Q(outcome="pending") & models.Q(outcome_on__gte=models.F("referred_on"))),
                name="referral_outcome_dated",
                violation_error_message=_("An outcome needs a date on or after the referral."),
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()
