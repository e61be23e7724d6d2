"""Candidates: profile, documents and applications.

The NIK is personal data: it is never part of a ``__str__``/``repr``, is masked
wherever it is shown to anyone but its owner and staff, and log records are
scrubbed of it (``p2mi_portal.logging``).
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from p2mi_portal.indonesia import mask_nik, nik_regex
from p2mi_portal.models import TimeStampedModel
from programs.models import DocumentKind, EducationLevel, Major, PlacementTrack, Program, ScoreCriterion


class Province(models.Model):
    code = models.CharField(_("code"), max_length=2, primary_key=True)
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        verbose_name = _("province")
        verbose_name_plural = _("provinces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class CandidateProfile(TimeStampedModel):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="candidate",
    )
    full_name = models.CharField(
        _("full name"), max_length=150, help_text=_("As on your KTP. A single name is fine.")
    )
    nik = models.CharField(
        _("NIK"),
        max_length=16,
        null=True,
        blank=True,
        unique=True,
        error_messages={
            "unique": _("This NIK is already registered to another account. If it is yours, contact KP2MI.")
        },
    )
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone number"), max_length=20, blank=True)
    address = models.TextField(_("address"), blank=True)
    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, null=True, blank=True
    )
    regency = models.CharField(_("regency / city"), max_length=100, blank=True)

    education_level = models.CharField(
        _("education"), max_length=8, choices=EducationLevel.choices, default=EducationLevel.SMK
    )
    school_name = models.CharField(_("school name"), max_length=150, blank=True)
    school_npsn = models.CharField(
        _("school NPSN"),
        max_length=8,
        blank=True,
        validators=[RegexValidator(r"^\d{8}$", _("An NPSN has exactly 8 digits."))],
    )
    major = models.ForeignKey(Major, verbose_name=_("major"), on_delete=models.PROTECT, null=True, blank=True)
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    average_grade = models.DecimalField(
        _("average grade"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    passport_number = models.CharField(_("passport number"), max_length=12, blank=True)
    passport_expiry = models.DateField(_("passport expiry date"), null=True, blank=True)

    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nik__isnull=True) | models.Q(nik__regex=nik_regex()),
                name="candidate_nik_shape",
                violation_error_message=_("A NIK has 16 digits and starts with a province code."),
            ),
            models.CheckConstraint(
                condition=models.Q(school_npsn="") | models.Q(school_npsn__regex=r"^[0-9]{8}$"),
                name="candidate_npsn_shape",
                violation_error_message=_("An NPSN has exactly 8 digits."),
            ),
            models.CheckConstraint(
                condition=models.Q(average_grade__isnull=True)
                | models.Q(average_grade__gte=0, average_grade__lte=100),
                name="candidate_average_grade_0_100",
                violation_error_message=_("The average grade must be between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or _("Candidate #%(id)s") % {"id": self.pk}

    def __repr__(self) -> str:
        return f"<CandidateProfile {self.pk}>"

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.nik)

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class CertificateIssuer(models.TextChoices):
    BNSP = "bnsp", "BNSP"
    BPSDMI = "bpsdmi", "BPSDMI"
    LSP = "lsp", _("Professional certification body (LSP)")
    OTHER = "other", _("Other")


class CompetencyCertificate(models.Model):
    candidate = models.ForeignKey(
        CandidateProfile, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="certificates"
    )
    issuer = models.CharField(_("issuer"), max_length=16, choices=CertificateIssuer.choices)
    issuer_name = models.CharField(_("issuer name"), max_length=150, blank=True)
    title = models.CharField(_("competency"), max_length=150)
    number = models.CharField(_("certificate number"), max_length=60)
    issued_on = models.DateField(_("date issued"))

    class Meta:
        verbose_name = _("competency certificate")
        verbose_name_plural = _("competency certificates")
        ordering = ["-issued_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "issuer", "number"],
                name="certificate_unique_per_candidate",
                violation_error_message=_("This certificate is already in your profile."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_issuer_display()} {self.number})"


class Language(models.TextChoices):
    INDONESIAN = "id", _("Indonesian")
    ENGLISH = "en", _("English")
    RUSSIAN = "ru", _("Russian")
    JAPANESE = "ja", _("Japanese")
    KOREAN = "ko", _("Korean")
    CHINESE = "zh", _("Mandarin Chinese")
    GERMAN = "de", _("German")
    ARABIC = "ar", _("Arabic")


class LanguageLevel(models.TextChoices):
    A1 = "A1", _("A1 — beginner")
    A2 = "A2", _("A2 — elementary")
    B1 = "B1", _("B1 — intermediate")
    B2 = "B2", _("B2 — upper intermediate")
    C1 = "C1", _("C1 — advanced")
    C2 = "C2", _("C2 — proficient")
    NATIVE = "native", _("Native")


class LanguageSkill(models.Model):
    candidate = models.ForeignKey(
        CandidateProfile, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="languages"
    )
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    level = models.CharField(_("level"), max_length=8, choices=LanguageLevel.choices)

    class Meta:
        verbose_name = _("language")
        verbose_name_plural = _("languages")
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "language"],
                name="language_once_per_candidate",
                violation_error_message=_("This language is already in your profile."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_language_display()} {self.level}"


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


def document_path(document: Document, filename: str) -> str:
    # Random names: the stored path reveals neither the candidate nor the original file name.
    return f"documents/{uuid.uuid4().hex}"


class Document(models.Model):
    """One uploaded document per kind; a re-upload replaces the file."""

    candidate = models.ForeignKey(
        CandidateProfile, verbose_name=_("candidate"), on_delete=models.CASCADE, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=32, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=50)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    status = models.CharField(
        _("verification"), max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), db_default=Now())

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["candidate", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "kind"],
                name="document_one_per_kind",
                violation_error_message=_("You already uploaded a document of this kind."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DocumentStatus.REJECTED) | ~models.Q(rejection_reason=""),
                name="document_rejection_has_reason",
                violation_error_message=_("A rejected document needs a reason."),
            ),
            models.CheckConstraint(
                condition=models.Q(size__gt=0),
                name="document_not_empty",
                violation_error_message=_("The file is empty."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.candidate}"


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


class Score(models.Model):
    """One criterion of the programme's rubric, scored for one application."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        ScoreCriterion, verbose_name=_("criterion"), on_delete=models.PROTECT, related_name="scores"
    )
    value = models.DecimalField(
        _("score (0–100)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("scored by"), on_delete=models.PROTECT, related_name="+"
    )
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    scored_at = models.DateTimeField(_("scored at"), db_default=Now())

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["application", "criterion__order", "criterion_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"],
                name="score_once_per_criterion",
                violation_error_message=_("This criterion is already scored for this application."),
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0, value__lte=100),
                name="score_value_0_100",
                violation_error_message=_("A score is between 0 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.value}"


class Interview(models.Model):
    """The selection interview of an application; rescheduling updates it (the history keeps each slot)."""

    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="interview"
    )
    starts_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_link = models.URLField(_("online meeting link"), blank=True)
    interviewer = models.CharField(_("interviewer"), max_length=150)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(place="") | ~models.Q(online_link=""),
                name="interview_has_place_or_link",
                violation_error_message=_("Give a place or an online meeting link."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.application_id} {self.starts_at:%Y-%m-%d %H:%M}"


class Recommendation(models.TextChoices):
    RECOMMEND = "recommend", _("Recommend")
    NEUTRAL = "neutral", _("Neutral")
    NOT_RECOMMENDED = "not_recommended", _("Not recommended")


class Review(models.Model):
    """A partner's review of an application: a score, a recommendation and a comment."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="reviews"
    )
    partner = models.ForeignKey(
        "programs.Partner", verbose_name=_("partner"), on_delete=models.PROTECT, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.PositiveSmallIntegerField(_("score (0–100)"), validators=[MaxValueValidator(100)])
    recommendation = models.CharField(_("recommendation"), max_length=20, choices=Recommendation.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("reviewed at"), db_default=Now())

    class Meta:
        verbose_name = _("partner review")
        verbose_name_plural = _("partner reviews")
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=100),
                name="review_score_0_100",
                violation_error_message=_("A score is between 0 and 100."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.score} ({self.recommendation})"


class AccessDoor(models.TextChoices):
    """Where a read of personal data came through."""

    PARTNER_API = "partner_api", _("Partner API")
    DOCUMENT_DOWNLOAD = "document_download", _("Document download on the portal")


class PersonalDataAccess(models.Model):
    """A read of a candidate's personal details or documents by anyone but the candidate.

    Who (the account, and for the partner API the partner and its key), which application or
    document, when, and through which door. Written by the doors, read by auditors only.
    """

    reader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("read by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    door = models.CharField(_("through"), max_length=24, choices=AccessDoor.choices)
    partner = models.ForeignKey(
        "programs.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    api_key = models.ForeignKey(
        "accounts.PartnerAPIKey",
        verbose_name=_("API key"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    key_prefix = models.CharField(_("key prefix"), max_length=8, blank=True)
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    document = models.ForeignKey(
        Document,
        verbose_name=_("document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accessed_at = models.DateTimeField(_("when"), db_default=Now())

    class Meta:
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        ordering = ["-accessed_at", "-id"]
        indexes = [
            models.Index(fields=["application", "accessed_at"]),
            models.Index(fields=["document", "accessed_at"], name="data_access_by_document"),
        ]

    def __str__(self) -> str:
        subject = f"#{self.application_id}" if self.application_id else f"doc {self.document_id}"
        return f"{self.partner or self.reader_id} → {subject}"


class DeletionRequest(models.Model):
    """A candidate's withdrawal of consent and request to erase their personal data (UU PDP)."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting until no active application needs the data")
        ANONYMISED = "anonymised", _("Personal data anonymised")

    candidate = models.ForeignKey(
        CandidateProfile,
        verbose_name=_("candidate"),
        on_delete=models.CASCADE,
        related_name="deletion_requests",
    )
    requested_at = models.DateTimeField(_("requested at"), db_default=Now())
    reason = models.TextField(_("reason"), blank=True)
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deletion request")
        verbose_name_plural = _("deletion requests")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.decision}"


# --- Import and export ------------------------------------------------------------


class SpreadsheetFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


def import_path(job: ImportJob, filename: str) -> str:
    # A random name: the stored path says nothing about the school or the people in it.
    return f"imports/{uuid.uuid4().hex}"


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking the file")
    CHECKED = "checked", _("Checked: waiting for confirmation")
    IMPORTING = "importing", _("Importing")
    FINISHED = "finished", _("Finished")
    # Given up by staff after it stopped (its worker died): what it created stays.
    FAILED = "failed", _("Stopped before the end")


class ImportJob(models.Model):
    """A spreadsheet of candidates from a BKK (an SMK's job-placement unit): checked, then imported.

    The uploaded file is kept under a random name until the import finishes, then deleted
    (or, if it never finishes, ``IMPORT_KEEP_DAYS`` after the job last changed); its SHA-256
    stays, so a second upload of the same file is recognised.
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="import_jobs"
    )
    track = models.ForeignKey(
        PlacementTrack,
        verbose_name=_("track"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("For rows that name no track."),
    )
    file = models.FileField(_("file"), upload_to=import_path, max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=8, choices=SpreadsheetFormat.choices)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    consent_confirmed_at = models.DateTimeField(_("consent confirmed at"))
    # The report is written in the language of the page the file was uploaded from.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="id")
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.CHECKING
    )
    # Problems of the whole file (a missing column): reported once, and the file cannot be imported.
    file_errors = models.JSONField(_("problems with the file"), default=list, blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_new = models.PositiveIntegerField(_("rows to create"), default=0)
    rows_existing = models.PositiveIntegerField(_("rows already there"), default=0)
    rows_failed = models.PositiveIntegerField(_("rows with errors"), default=0)
    rows_created = models.PositiveIntegerField(_("applications created"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    in_background = models.BooleanField(_("run by a worker"), default=False)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    started_at = models.DateTimeField(_("import started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # Moved on by every step and every batch: a running job whose time stands still has stopped.
    updated_at = models.DateTimeField(_("last progress"), default=timezone.now)
    # A job left unfinished loses its file and its row-by-row report (names, e-mail addresses)
    # after IMPORT_KEEP_DAYS; its counts stay.
    file_removed_at = models.DateTimeField(_("file and report removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports from BKK spreadsheets")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")),
                name="import_rows_done_within_total",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.original_name}"

    @property
    def percent_done(self) -> int:
        return 100 * self.rows_done // self.rows_total if self.rows_total else 100

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING)


class ImportOutcome(models.TextChoices):
    NEW = "new", _("Will create the candidate and the application")
    NEW_APPLICATION = "new_application", _("Will create the application (the candidate is registered)")
    EXISTS = "exists", _("Already there: nothing to do")
    ERROR = "error", _("Not imported")
    CREATED = "created", _("Candidate and application created")
    CREATED_APPLICATION = "created_application", _("Application created for the registered candidate")


class ImportRow(models.Model):
    """What the check (and then the import) found for one row of the file.

    Holds the name and the masked NIK only, never the full NIK.
    """

    job = models.ForeignKey(
        ImportJob, verbose_name=_("import"), on_delete=models.CASCADE, related_name="rows"
    )
    row_number = models.PositiveIntegerField(_("row"))
    outcome = models.CharField(_("outcome"), max_length=24, choices=ImportOutcome.choices)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    masked_nik = models.CharField(_("NIK"), max_length=16, blank=True)
    messages = models.JSONField(_("messages"), default=list, blank=True)
    application = models.ForeignKey(
        Application,
        verbose_name=_("application"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["job", "row_number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "row_number"], name="import_row_once_per_job"),
        ]
        indexes = [models.Index(fields=["job", "outcome", "row_number"], name="import_row_by_outcome")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.outcome}"


class ApplicationExport(models.Model):
    """One export of the application list: who, when, which filters, how many rows, NIK in full or not."""

    exported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("exported by"), on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file_format = models.CharField(_("format"), max_length=8, choices=SpreadsheetFormat.choices)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    full_nik = models.BooleanField(_("NIK and phone in full"), default=False)

    class Meta:
        verbose_name = _("application export")
        verbose_name_plural = _("application exports")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_file_format_display()} {self.started_at:%Y-%m-%d %H:%M}"
