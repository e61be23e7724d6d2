"""The candidate's profile: who they are, their school, certificates and languages."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from p2mi_portal.indonesia import mask_nik, nik_regex
from p2mi_portal.models import TimeStampedModel
from programs.models import EducationLevel, Major


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
