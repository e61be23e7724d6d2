"""Selection: scores, interviews and the partners' reviews."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _

from programs.models import ScoreCriterion

from .applications import Application


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
