"""What the partner API takes and gives: the documented shapes."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Recommendation, Stage
from ..pipeline import PARTNER_VISIBLE_STAGES

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
ORDERINGS = ("-submitted_at", "submitted_at", "-score", "score")
VISIBLE_STAGE_CHOICES = [(stage.value, stage.label) for stage in Stage if stage in PARTNER_VISIBLE_STAGES]


# --- Serializers: input -----------------------------------------------------------


class DateTimeField(serializers.DateTimeField):
    """A date and time (WIB when no offset is given) that refuses years the portal cannot hold."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")


class ApplicationFilter(serializers.Serializer):
    program = serializers.SlugField(required=False, max_length=60, help_text="Programme code.")
    stage = serializers.ChoiceField(choices=VISIBLE_STAGE_CHOICES, required=False)
    track = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="Track id: the assigned track, or the preferred one while none is assigned.",
    )
    province = serializers.RegexField(r"^\d{2}$", required=False, help_text="Two-digit province code.")
    major = serializers.SlugField(required=False, max_length=60, help_text="SMK major code.")
    min_score = serializers.DecimalField(
        required=False, max_digits=5, decimal_places=2, min_value=0, max_value=100
    )
    search = serializers.CharField(required=False, max_length=100, help_text="Part of the candidate's name.")
    ordering = serializers.ChoiceField(choices=ORDERINGS, required=False, default="-submitted_at")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_SIZE_MAX, default=PAGE_SIZE_DEFAULT
    )
    cursor = serializers.CharField(required=False, max_length=200)


class ReviewIn(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class InterviewIn(serializers.Serializer):
    starts_at = DateTimeField(help_text="ISO 8601; without an offset the time is read as WIB.")
    place = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    online_link = serializers.URLField(required=False, allow_blank=True, max_length=200, default="")
    interviewer = serializers.CharField(max_length=150)


class TransitionIn(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    track = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    interview = InterviewIn(required=False, allow_null=True)
    offer_deadline = DateTimeField(
        required=False, allow_null=True, help_text="ISO 8601; without an offset the time is read as WIB."
    )


# --- Serializers: output (the documented shapes) --------------------------------------


class CandidateSummaryOut(serializers.Serializer):
    full_name = serializers.CharField()
    province = serializers.CharField(allow_null=True)
    major = serializers.CharField(allow_null=True)
    graduation_year = serializers.IntegerField(allow_null=True)
    average_grade = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class ApplicationSummaryOut(serializers.Serializer):
    id = serializers.IntegerField()
    program = serializers.CharField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    preferred_track = serializers.IntegerField()
    track = serializers.IntegerField(allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    submitted_at = serializers.DateTimeField()
    candidate = CandidateSummaryOut()


class ApplicationPageOut(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = ApplicationSummaryOut(many=True)


class ProfileOut(serializers.Serializer):
    full_name = serializers.CharField()
    nik = serializers.CharField(help_text="Masked.")
    sex = serializers.CharField()
    birth_date = serializers.DateField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    regency = serializers.CharField()


class SchoolOut(serializers.Serializer):
    name = serializers.CharField()
    npsn = serializers.CharField()
    education_level = serializers.CharField()
    major = serializers.CharField(allow_null=True)
    graduation_year = serializers.IntegerField(allow_null=True)
    average_grade = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)


class CertificateOut(serializers.Serializer):
    issuer = serializers.CharField()
    issuer_name = serializers.CharField()
    title = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField()


class LanguageOut(serializers.Serializer):
    language = serializers.CharField()
    level = serializers.CharField()


class ScoreOut(serializers.Serializer):
    criterion = serializers.CharField()
    weight = serializers.IntegerField()
    value = serializers.DecimalField(max_digits=5, decimal_places=2)


class ReviewOut(serializers.Serializer):
    id = serializers.IntegerField()
    score = serializers.IntegerField()
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    comment = serializers.CharField()
    reviewer = serializers.CharField()
    created_at = serializers.DateTimeField()


class EventOut(serializers.Serializer):
    from_stage = serializers.CharField()
    to_stage = serializers.CharField()
    at = serializers.DateTimeField()
    by = serializers.ChoiceField(choices=["staff", "partner", "candidate", "system"])
    reason = serializers.CharField()


class InterviewOut(serializers.Serializer):
    starts_at = DateTimeField()
    place = serializers.CharField()
    online_link = serializers.CharField()
    interviewer = serializers.CharField()


class DocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    download_url = serializers.URLField()


class ApplicationDetailOut(ApplicationSummaryOut):
    offer_expires_at = serializers.DateTimeField(allow_null=True)
    allowed_moves = serializers.ListField(child=serializers.CharField())
    profile = ProfileOut()
    school = SchoolOut()
    certificates = CertificateOut(many=True)
    languages = LanguageOut(many=True)
    scores = ScoreOut(many=True)
    reviews = ReviewOut(many=True)
    history = EventOut(many=True)
    interview = InterviewOut(allow_null=True)
    documents = DocumentOut(many=True)
