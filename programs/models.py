# Kept whole: one aggregate, the programme with its tracks, phases, grades and criteria.
"""Programmes and the partners behind them.

A programme's structure must stay consistent. Rules about one row are database
constraints here; rules across rows (track seats adding up to the programme's
seats, an ordered grade ladder) are checked in :mod:`programs.services`, which
the admin and every other writer share.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from p2mi_portal.models import TimeStampedModel


class Bilingual:
    """Text fields written in Indonesian with an optional ``<field>_en`` twin.

    ``localized("title")`` gives the English text to English readers when staff
    wrote one, and the Indonesian text otherwise.
    """

    def localized(self, field: str) -> str:
        if (get_language() or "id").startswith("en"):
            english = getattr(self, f"{field}_en", "")
            if english:
                return english
        return getattr(self, field)


class Currency(models.TextChoices):
    IDR = "IDR", _("Indonesian rupiah")
    RUB = "RUB", _("Russian rouble")
    JPY = "JPY", _("Japanese yen")
    KRW = "KRW", _("South Korean won")
    CNY = "CNY", _("Chinese yuan")
    EUR = "EUR", _("Euro")
    USD = "USD", _("US dollar")


class Sector(models.TextChoices):
    WELDING = "welding", _("Welding and metalwork")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    CONSTRUCTION = "construction", _("Construction")
    ENERGY = "energy", _("Energy")
    HOSPITALITY = "hospitality", _("Hospitality")
    CAREGIVING = "caregiving", _("Caregiving")
    AGRICULTURE = "agriculture", _("Agriculture")
    FISHERIES = "fisheries", _("Fisheries and maritime")
    ICT = "ict", _("Information technology")


class StudyField(models.TextChoices):
    LANGUAGE = "language", _("Language")
    CONSTRUCTION = "construction", _("Construction")
    MACHINERY = "machinery", _("Machinery")
    MATERIALS_SCIENCE = "materials_science", _("Materials science")
    TRANSPORT = "transport", _("Transport")
    ELECTRICAL_ENERGY = "electrical_energy", _("Electrical energy")
    WELDING = "welding", _("Welding")
    HOSPITALITY = "hospitality", _("Hospitality")
    WORK_CULTURE = "work_culture", _("Work culture and safety")


class DocumentKind(models.TextChoices):
    """Kinds of document a candidate uploads; programmes name the ones they require."""

    DIPLOMA = "diploma", _("Diploma (ijazah)")
    TRANSCRIPT = "transcript", _("Transcript")
    IDENTITY_CARD = "identity_card", _("Identity card (KTP)")
    PASSPORT = "passport", _("Passport")
    HEALTH_CERTIFICATE = "health_certificate", _("Health certificate")
    POLICE_CERTIFICATE = "police_certificate", _("Police certificate (SKCK)")
    FAMILY_CONSENT = "family_consent", _("Family consent letter")
    COMPETENCY_CERTIFICATE = "competency_certificate", _("Competency certificate")
    PHOTO = "photo", _("Photo")


class EducationLevel(models.TextChoices):
    SMK = "smk", _("Vocational high school (SMK)")
    SMA = "sma", _("General high school (SMA)")
    D3 = "d3", _("Diploma (D3)")
    S1 = "s1", _("Bachelor's degree (S1)")


class PartnerKind(models.TextChoices):
    EMPLOYER = "employer", _("Employer")
    TRAINING_PROVIDER = "training_provider", _("Training provider")
    GOVERNMENT_AGENCY = "government_agency", _("Government agency")
    REGIONAL_GOVERNMENT = "regional_government", _("Regional government")


class Partner(Bilingual, TimeStampedModel):
    """A company or institution the ministry works with."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=32, choices=PartnerKind.choices)
    country = CountryField(_("country"))
    website = models.URLField(_("website"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Major(Bilingual, models.Model):
    """An SMK major (kompetensi keahlian), a list the ministry maintains."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150, unique=True)
    name_en = models.CharField(_("name in English"), max_length=150, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("SMK major")
        verbose_name_plural = _("SMK majors")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.localized("name")


class ProgramStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RECRUITMENT_CLOSED = "recruitment_closed", _("Recruitment closed")
    SELECTION = "selection", _("Selection")
    TRAINING = "training", _("Training")
    DEPLOYED = "deployed", _("Deployed")
    CLOSED = "closed", _("Closed")


class RecruitmentState(models.TextChoices):
    UPCOMING = "upcoming", _("Opens soon")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


program_code_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
    _("Use lower-case letters, digits and single hyphens, e.g. rusal-2026."),
)


class ProgramQuerySet(models.QuerySet["Program"]):
    def public(self) -> ProgramQuerySet:
        return self.filter(status=ProgramStatus.PUBLISHED)


class Program(Bilingual, TimeStampedModel):
    code = models.CharField(
        _("code"),
        max_length=60,
        unique=True,
        validators=[program_code_validator],
        help_text=_("Stable identifier used in web addresses and the API; do not change it once published."),
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    summary = models.CharField(_("summary"), max_length=300)
    summary_en = models.CharField(_("summary in English"), max_length=300, blank=True)
    description = models.TextField(_("description"))
    description_en = models.TextField(_("description in English"), blank=True)
    employer = models.ForeignKey(
        Partner, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="employed_programs"
    )
    supporting_partners = models.ManyToManyField(
        Partner, verbose_name=_("supporting partners"), blank=True, related_name="supported_programs"
    )
    destination_country = CountryField(_("destination country"))
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    occupation = models.CharField(_("occupation"), max_length=150)
    occupation_en = models.CharField(_("occupation in English"), max_length=150, blank=True)
    total_seats = models.PositiveIntegerField(_("total seats"))
    recruitment_opens = models.DateField(_("recruitment opens"), help_text=_("Date (WIB)."))
    recruitment_closes = models.DateField(_("recruitment closes"), help_text=_("Last day (WIB)."))
    target_departure = models.DateField(_("target departure"))
    contract_months = models.PositiveSmallIntegerField(_("contract length (months)"))
    salary_currency = models.CharField(_("salary currency"), max_length=3, choices=Currency.choices)
    salary_min = models.DecimalField(_("lowest monthly salary"), max_digits=14, decimal_places=2)
    salary_max = models.DecimalField(_("highest monthly salary"), max_digits=14, decimal_places=2)
    status = models.CharField(
        _("status"), max_length=24, choices=ProgramStatus.choices, default=ProgramStatus.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    # Eligibility rules.
    education_level = models.CharField(
        _("education level"), max_length=8, choices=EducationLevel.choices, default=EducationLevel.SMK
    )
    allowed_majors = models.ManyToManyField(
        Major,
        verbose_name=_("allowed majors"),
        blank=True,
        related_name="programs",
        help_text=_("Leave empty to accept every major."),
    )
    graduation_year_min = models.PositiveSmallIntegerField(_("earliest graduation year"))
    graduation_year_max = models.PositiveSmallIntegerField(_("latest graduation year"))
    age_min = models.PositiveSmallIntegerField(_("minimum age"))
    age_max = models.PositiveSmallIntegerField(_("maximum age"))
    age_reference_date = models.DateField(
        _("age reference date"), help_text=_("Ages are counted on this date.")
    )
    min_average_grade = models.DecimalField(
        _("minimum average grade"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    required_document_kinds = models.JSONField(_("required documents"), default=list, blank=True)

    # Selection.
    offer_response_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Used when an offer is made without a deadline, e.g. to the next on the waiting list."),
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["recruitment_opens", "code"]
        indexes = [models.Index(fields=["status", "recruitment_closes"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[a-z0-9]+(-[a-z0-9]+)*$"),
                name="program_code_slug",
                violation_error_message=_(
                    "Use lower-case letters, digits and single hyphens, e.g. rusal-2026."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(total_seats__gt=0),
                name="program_seats_positive",
                violation_error_message=_("A programme needs at least one seat."),
            ),
            models.CheckConstraint(
                condition=models.Q(recruitment_closes__gte=models.F("recruitment_opens")),
                name="program_recruitment_closes_after_opens",
                violation_error_message=_("Recruitment cannot close before it opens."),
            ),
            models.CheckConstraint(
                condition=models.Q(target_departure__gt=models.F("recruitment_closes")),
                name="program_departure_after_recruitment",
                violation_error_message=_("The target departure must come after recruitment closes."),
            ),
            models.CheckConstraint(
                condition=models.Q(contract_months__gt=0),
                name="program_contract_positive",
                violation_error_message=_("The contract must last at least one month."),
            ),
            models.CheckConstraint(
                condition=models.Q(salary_min__gte=0, salary_max__gte=models.F("salary_min")),
                name="program_salary_range_valid",
                violation_error_message=_(
                    "The salary range is invalid: the lowest salary must be zero or more "
                    "and not above the highest."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(graduation_year_max__gte=models.F("graduation_year_min")),
                name="program_graduation_years_ordered",
                violation_error_message=_("The latest graduation year cannot be before the earliest."),
            ),
            models.CheckConstraint(
                condition=models.Q(age_min__gte=15, age_max__gte=models.F("age_min")),
                name="program_age_range_valid",
                violation_error_message=_(
                    "The age range is invalid: the minimum age must be at least 15 and not above the maximum."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(min_average_grade__gte=0, min_average_grade__lte=100),
                name="program_min_grade_0_100",
                violation_error_message=_("The minimum average grade must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(offer_response_days__gte=1, offer_response_days__lte=60),
                name="program_offer_response_days_1_60",
                violation_error_message=_("Candidates get between 1 and 60 days to answer an offer."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} — {self.localized('title')}"

    def clean(self) -> None:
        super().clean()
        kinds = self.required_document_kinds
        if not isinstance(kinds, list) or not set(kinds) <= set(DocumentKind.values):
            raise ValidationError({"required_document_kinds": _("Choose document kinds from the list.")})

    def recruitment_state(self, today: datetime.date | None = None) -> RecruitmentState:
        today = today or timezone.localdate()
        if today < self.recruitment_opens:
            return RecruitmentState.UPCOMING
        if today > self.recruitment_closes or self.status != ProgramStatus.PUBLISHED:
            return RecruitmentState.CLOSED
        return RecruitmentState.OPEN

    def required_document_labels(self) -> list[str]:
        labels = dict(DocumentKind.choices)
        return [labels[kind] for kind in self.required_document_kinds if kind in labels]


class PlacementTrack(Bilingual, models.Model):
    """Where workers of a programme are placed, and how many seats go there."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="tracks"
    )
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    country = CountryField(_("country of placement"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_en = models.CharField(_("description in English"), max_length=300, blank=True)
    seats = models.PositiveIntegerField(_("seats"))
    # Kept by the selection service under a row lock; the constraint below is the
    # last word, so no interleaving of requests can oversell a track.
    seats_reserved = models.PositiveIntegerField(
        _("seats reserved by open offers"), default=0, editable=False
    )
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)

    class Meta:
        verbose_name = _("placement track")
        verbose_name_plural = _("placement tracks")
        ordering = ["program", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"],
                name="track_name_unique_per_program",
                violation_error_message=_("A programme cannot have two tracks with the same name."),
            ),
            models.CheckConstraint(
                condition=models.Q(seats__gte=0),
                name="track_seats_not_negative",
                violation_error_message=_("Seats cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    seats_reserved__gte=0,
                    seats_taken__gte=0,
                    seats__gte=models.F("seats_reserved") + models.F("seats_taken"),
                ),
                name="track_seats_within_capacity",
                violation_error_message=_(
                    "A track cannot have fewer seats than are already offered or taken."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.localized("name")

    @property
    def seats_free(self) -> int:
        return max(self.seats - self.seats_reserved - self.seats_taken, 0)


class ScoreCriterion(Bilingual, models.Model):
    """One part of a programme's selection rubric; the weights of a rubric add up to 100."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="criteria"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)
    weight = models.PositiveSmallIntegerField(
        _("weight (%)"), validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring rubric")
        ordering = ["program", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "name"],
                name="criterion_name_unique_per_program",
                violation_error_message=_("A rubric cannot list the same criterion twice."),
            ),
            models.CheckConstraint(
                condition=models.Q(weight__gte=1, weight__lte=100),
                name="criterion_weight_1_100",
                violation_error_message=_("A criterion's weight is between 1 and 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.localized('name')} ({self.weight}%)"


class TrainingPhase(Bilingual, models.Model):
    """A phase of training every worker of the programme goes through, in order."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="phases"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=150)
    title_en = models.CharField(_("title in English"), max_length=150, blank=True)
    months = models.PositiveSmallIntegerField(_("length (months)"))
    location = models.CharField(_("location"), max_length=150)
    location_en = models.CharField(_("location in English"), max_length=150, blank=True)
    fields_of_study = models.JSONField(
        _("fields of study"),
        default=list,
        blank=True,
        help_text=_("When several are listed, each worker follows one of them."),
    )
    # Pass rules: a phase is passed only when both hold.
    min_attendance = models.PositiveSmallIntegerField(
        _("minimum attendance (%)"),
        default=80,
        validators=[MaxValueValidator(100)],
        help_text=_("A worker below this attendance cannot pass the phase."),
    )
    final_assessment_required = models.BooleanField(
        _("needs a passed final assessment"),
        default=True,
        help_text=_("The phase is passed only after a final assessment at or above its pass mark."),
    )

    class Meta:
        verbose_name = _("training phase")
        verbose_name_plural = _("training phases")
        ordering = ["program", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "order"],
                name="phase_order_unique_per_program",
                violation_error_message=_(
                    "Two training phases of a programme cannot have the same order number."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(order__gte=1),
                name="phase_order_from_one",
                violation_error_message=_("Phases are numbered from 1."),
            ),
            models.CheckConstraint(
                condition=models.Q(months__gt=0),
                name="phase_months_positive",
                violation_error_message=_("A training phase must last at least one month."),
            ),
            models.CheckConstraint(
                condition=models.Q(min_attendance__lte=100),
                name="phase_min_attendance_0_100",
                violation_error_message=_("The minimum attendance is a percentage from 0 to 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.localized('title')}"

    def clean(self) -> None:
        super().clean()
        fields = self.fields_of_study
        if not isinstance(fields, list) or not set(fields) <= set(StudyField.values):
            raise ValidationError({"fields_of_study": _("Choose fields of study from the list.")})

    def field_labels(self) -> list[str]:
        labels = dict(StudyField.choices)
        return [labels[field] for field in self.fields_of_study if field in labels]


class GradeLevel(models.Model):
    """One step of a programme's grade ladder: grade → monthly salary."""

    program = models.ForeignKey(
        Program, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="grades"
    )
    grade = models.PositiveSmallIntegerField(_("grade"))
    monthly_salary = models.DecimalField(_("monthly salary"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("grade")
        verbose_name_plural = _("grade ladder")
        ordering = ["program", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "grade"],
                name="grade_unique_per_program",
                violation_error_message=_("Each grade can appear only once in a programme's ladder."),
            ),
            models.CheckConstraint(
                condition=models.Q(grade__gte=1),
                name="grade_from_one",
                violation_error_message=_("Grades are numbered from 1."),
            ),
            models.CheckConstraint(
                condition=models.Q(monthly_salary__gt=0),
                name="grade_salary_positive",
                violation_error_message=_("A grade's salary must be more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program.code} grade {self.grade}"


class ExchangeRate(TimeStampedModel):
    """What one unit of a currency was worth in rupiah on a date, kept by staff."""

    currency = models.CharField(_("currency"), max_length=3, choices=Currency.choices)
    rate_to_idr = models.DecimalField(_("rate to IDR"), max_digits=14, decimal_places=4)
    date = models.DateField(_("date"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exchange rate")
        verbose_name_plural = _("exchange rates")
        ordering = ["currency", "-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "date"],
                name="exchange_rate_unique_per_day",
                violation_error_message=_("There is already a rate for this currency on this date."),
            ),
            models.CheckConstraint(
                condition=models.Q(rate_to_idr__gt=0),
                name="exchange_rate_positive",
                violation_error_message=_("The rate must be more than zero."),
            ),
            models.CheckConstraint(
                condition=~models.Q(currency="IDR"),
                name="exchange_rate_not_idr",
                violation_error_message=_("Rupiah needs no exchange rate."),
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.currency} = {self.rate_to_idr} IDR ({self.date:%Y-%m-%d})"

    def to_idr(self, amount: Decimal) -> Decimal:
        return (amount * self.rate_to_idr).quantize(Decimal("1"))
