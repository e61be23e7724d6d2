"""Applications, their stages and their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from p2mi_portal.models import TimeStampedModel
from programs.models import PlacementTrack, Program

from .profile import CandidateProfile


class Stage(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    SCREENING = "screening", _("Screening")
    DOCUMENTS_VERIFIED = "documents_verified", _("Documents verified")
    SHORTLISTED = "shortlisted", _("Shortlisted")
    INTERVIEW_SCHEDULED = "interview_scheduled", _("Interview scheduled")
    INTERVIEWED = "interviewed", _("Interviewed")
    OFFERED = "offered", _("Offered a seat")
    ACCEPTED = "accepted", _("Accepted")
    IN_TRAINING = "in_training", _("In training")
    PLACED = "placed", _("Placed under contract")
    RETURNED = "returned", _("Returned home")
    WAITLISTED = "waitlisted", _("Waitlisted")
    DECLINED = "declined", _("Declined")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    INELIGIBLE = "ineligible", _("Not eligible")
    DISCONTINUED = "discontinued", _("Discontinued")


# Stages after which the application no longer needs the candidate's personal data.
# A returned worker is still followed (reintegration), so "returned" is not one of them.
FINISHED_STAGES = frozenset(
    {Stage.DECLINED, Stage.REJECTED, Stage.WITHDRAWN, Stage.INELIGIBLE, Stage.DISCONTINUED}
)

# Stages that hold a seat on the application's track, and how: an open offer
# reserves one; an accepted offer takes it, and it stays taken through training,
# the contract and return, since the worker's cohort is counted in seats.
SEAT_RESERVED_STAGES = frozenset({Stage.OFFERED})
SEAT_TAKEN_STAGES = frozenset({Stage.ACCEPTED, Stage.IN_TRAINING, Stage.PLACED, Stage.RETURNED})


class ScoreRank(models.Func):
    """The score with "not scored" below every score (-1), for ordering best first.

    Written without parameters so the index and the queries use the very same expression,
    and portable to SQLite, whose indexes cannot say NULLS LAST.
    """

    template = "COALESCE(%(expressions)s, -1)"
    output_field = models.DecimalField(max_digits=5, decimal_places=2)


class Application(TimeStampedModel):
    candidate = models.ForeignKey(
        CandidateProfile, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="applications"
    )
    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="applications"
    )
    preferred_track = models.ForeignKey(
        PlacementTrack, verbose_name=_("preferred track"), on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(_("stage"), max_length=24, choices=Stage.choices, default=Stage.SUBMITTED)
    # Set in Python: keyset pages compare it exactly, and SQLite's Now() keeps only milliseconds.
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    consent_version = models.CharField(_("consent text version"), max_length=20)
    consent_given_at = models.DateTimeField(_("consent given at"))
    # The track the candidate is waitlisted for, offered, or placed on.
    track = models.ForeignKey(
        PlacementTrack,
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
    )
    offer_expires_at = models.DateTimeField(_("offer deadline"), null=True, blank=True)
    # Weighted total of the rubric scores, kept by the scoring service for ranking.
    score_total = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    # When the ministry first verified the documents (set by the stage service, kept after):
    # partners see an application only once this is set.
    documents_verified_at = models.DateTimeField(
        _("documents first verified at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-submitted_at"]
        permissions = [
            # Not part of the ministry staff group: given to named people (see README, Import and export).
            ("export_full_nik", _("Can export full NIK and phone numbers")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "program"],
                name="application_one_per_candidate_and_programme",
                violation_error_message=_("You have already applied to this programme."),
            ),
            models.CheckConstraint(
                condition=~models.Q(stage__in=[Stage.OFFERED, Stage.WAITLISTED, *sorted(SEAT_TAKEN_STAGES)])
                | models.Q(track__isnull=False),
                name="application_seat_stage_has_track",
                violation_error_message=_(
                    "An offered, waitlisted, accepted or placed application needs a track."
                ),
            ),
            models.CheckConstraint(
                condition=~models.Q(stage=Stage.OFFERED) | models.Q(offer_expires_at__isnull=False),
                name="application_offer_has_deadline",
                violation_error_message=_("An offer needs a deadline."),
            ),
            models.CheckConstraint(
                condition=models.Q(score_total__isnull=True)
                | models.Q(score_total__gte=0, score_total__lte=100),
                name="application_score_0_100",
                violation_error_message=_("A score is between 0 and 100."),
            ),
        ]
        indexes = [
            models.Index(fields=["program", "stage"]),
            # The partner API's list pages: one programme and stage, newest or best first, by keyset.
            models.Index(fields=["program", "stage", "-submitted_at", "-id"], name="application_by_time"),
            models.Index(
                models.F("program"),
                models.F("stage"),
                ScoreRank("score_total").desc(),
                models.F("id").desc(),
                name="application_by_score",
            ),
            models.Index(fields=["program", "-submitted_at", "-id"], name="application_by_program_time"),
            models.Index(fields=["track", "stage"]),
            models.Index(fields=["stage", "offer_expires_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.program.code}"

    @property
    def is_active(self) -> bool:
        return self.stage not in FINISHED_STAGES


class ApplicationEvent(models.Model):
    """One move of an application: who, when, from, to, why."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="events"
    )
    from_stage = models.CharField(_("from"), max_length=24, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to"), max_length=24, choices=Stage.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), db_default=Now())

    class Meta:
        verbose_name = _("application event")
        verbose_name_plural = _("application history")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_stage or '—'} → {self.to_stage}"
