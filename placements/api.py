# Kept whole: the placement half of the partner API, its serializers next to its views.
"""Partner API for training and placement: enrolments and their results, placements, grades, status.

Scoping follows :mod:`placements.selectors`: the employer of a programme and the
training institutions it names read and post training results; only the employer
reads placements and posts grades and status. Every write records the key used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from p2mi_portal.api import (
    BAD_REQUEST,
    CONFLICT,
    NOT_FOUND,
    THROTTLED,
    UNAUTHORIZED,
    Cursor,
    invalid_cursor,
    iso,
    keyset_page,
    validated,
)
from p2mi_portal.transitions import Actor
from programs.models import StudyField

from . import selectors, services
from .models import (
    Assessment,
    AssessmentKind,
    Enrolment,
    EnrolmentStatus,
    LanguageLevel,
    Placement,
    PlacementStatus,
)
from .pipeline import PLACEMENT_MACHINE

PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 100
MAX_ID = 2**31 - 1


# --- Input ---------------------------------------------------------------------------------


class _PageFilter(serializers.Serializer):
    program = serializers.SlugField(required=False, max_length=60, help_text="Programme code.")
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=PAGE_SIZE_MAX, default=PAGE_SIZE_DEFAULT
    )
    cursor = serializers.CharField(required=False, max_length=200)


class EnrolmentFilter(_PageFilter):
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices, required=False)


class PlacementFilter(_PageFilter):
    status = serializers.ChoiceField(choices=PlacementStatus.choices, required=False)


def _decimal_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, max_value=9999, **kwargs)


class AssessmentIn(serializers.Serializer):
    taken_on = serializers.DateField(help_text="Inside the phase, not in the future.")
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    score = _decimal_field()
    pass_mark = _decimal_field()
    max_score = _decimal_field(required=False, default=100, help_text="Top of the scale; 100 by default.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class GradeChangeIn(serializers.Serializer):
    grade = serializers.IntegerField(min_value=1, max_value=100, help_text="One step up or down the ladder.")
    effective_on = serializers.DateField(help_text="Inside the contract, not before the last change.")
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class StatusIn(serializers.Serializer):
    status = serializers.ChoiceField(choices=PlacementStatus.choices)
    on_date = serializers.DateField(required=False, help_text="Today by default.")
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=1000, default="", help_text="Needed for an early end."
    )


# --- Output (the documented shapes) ------------------------------------------------------


class AssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    taken_on = serializers.DateField()
    kind = serializers.ChoiceField(choices=AssessmentKind.choices)
    score = serializers.DecimalField(max_digits=6, decimal_places=2)
    max_score = serializers.DecimalField(max_digits=6, decimal_places=2)
    pass_mark = serializers.DecimalField(max_digits=6, decimal_places=2)
    passed = serializers.BooleanField()
    note = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class EnrolmentCertificateOut(serializers.Serializer):
    issuer = serializers.CharField()
    number = serializers.CharField()
    issued_on = serializers.DateField()


class PhaseOut(serializers.Serializer):
    order = serializers.IntegerField()
    title = serializers.CharField()
    months = serializers.IntegerField()
    min_attendance = serializers.IntegerField()
    final_assessment_required = serializers.BooleanField()


class EnrolmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField()
    program = serializers.CharField()
    worker = serializers.CharField()
    phase = PhaseOut()
    field_of_study = serializers.ChoiceField(choices=[("", "—"), *StudyField.choices])
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    status = serializers.ChoiceField(choices=EnrolmentStatus.choices)
    attendance = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    language_level = serializers.ChoiceField(choices=[("", "—"), *LanguageLevel.choices])
    assessments = AssessmentOut(many=True)
    certificates = EnrolmentCertificateOut(many=True)


class EnrolmentPageOut(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = EnrolmentOut(many=True)


class GradeChangeOut(serializers.Serializer):
    id = serializers.IntegerField()
    from_grade = serializers.IntegerField(allow_null=True)
    to_grade = serializers.IntegerField()
    effective_on = serializers.DateField()
    reason = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class PlacementOut(serializers.Serializer):
    id = serializers.IntegerField()
    application = serializers.IntegerField()
    program = serializers.CharField()
    worker = serializers.CharField()
    track = serializers.IntegerField()
    employer = serializers.CharField()
    site = serializers.CharField()
    position = serializers.CharField()
    contract_starts = serializers.DateField()
    contract_ends = serializers.DateField()
    status = serializers.ChoiceField(choices=PlacementStatus.choices)
    status_reason = serializers.CharField()
    departed_on = serializers.DateField(allow_null=True)
    returned_on = serializers.DateField(allow_null=True)
    grade = serializers.IntegerField(allow_null=True)
    open_checklist_items = serializers.ListField(child=serializers.CharField())
    allowed_statuses = serializers.ListField(child=serializers.ChoiceField(choices=PlacementStatus.choices))


class PlacementPageOut(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = PlacementOut(many=True)


# --- Shaping ---------------------------------------------------------------------------


def _two_places(value: Decimal | None) -> str | None:
    """As the schema documents them: always two decimals, as the database keeps them."""
    return None if value is None else f"{value:.2f}"


def _assessment(assessment: Assessment) -> dict[str, Any]:
    return {
        "id": assessment.pk,
        "taken_on": iso(assessment.taken_on),
        "kind": assessment.kind,
        "score": _two_places(assessment.score),
        "max_score": _two_places(assessment.max_score),
        "pass_mark": _two_places(assessment.pass_mark),
        "passed": assessment.passed,
        "note": assessment.note,
        "recorded_at": iso(assessment.created_at),
    }


def _enrolment(enrolment: Enrolment) -> dict[str, Any]:
    phase = enrolment.phase
    return {
        "id": enrolment.pk,
        "application": enrolment.application_id,
        "program": enrolment.application.program.code,
        "worker": enrolment.application.candidate.full_name,
        "phase": {
            "order": phase.order,
            "title": phase.localized("title"),
            "months": phase.months,
            "min_attendance": phase.min_attendance,
            "final_assessment_required": phase.final_assessment_required,
        },
        "field_of_study": enrolment.field_of_study,
        "starts_on": iso(enrolment.starts_on),
        "ends_on": iso(enrolment.ends_on),
        "status": enrolment.status,
        "attendance": _two_places(enrolment.attendance),
        "language_level": enrolment.language_level,
        "assessments": [_assessment(a) for a in enrolment.assessments.all()],
        "certificates": [
            {"issuer": c.issuer, "number": c.number, "issued_on": iso(c.issued_on)}
            for c in enrolment.certificates.all()
        ],
    }


def _placement(placement: Placement) -> dict[str, Any]:
    return {
        "id": placement.pk,
        "application": placement.application_id,
        "program": placement.application.program.code,
        "worker": placement.application.candidate.full_name,
        "track": placement.track_id,
        "employer": str(placement.employer),
        "site": placement.site,
        "position": placement.position,
        "contract_starts": iso(placement.contract_starts),
        "contract_ends": iso(placement.contract_ends),
        "status": placement.status,
        "status_reason": placement.status_reason,
        "departed_on": iso(placement.departed_on),
        "returned_on": iso(placement.returned_on),
        "grade": placement.grade,
        "open_checklist_items": [item.item for item in placement.checklist.all() if item.is_open],
        "allowed_statuses": [
            str(s) for s in PLACEMENT_MACHINE.allowed_targets(placement.status, Actor.PARTNER)
        ],
    }


def _page(request: Request, rows_query, params: dict[str, Any], shape) -> Response:
    """A page ordered by id, continued by an opaque cursor holding the last id."""
    if "cursor" in params:
        values = Cursor.decode(params["cursor"])
        if len(values) != 1 or not isinstance(values[0], int) or not 0 < values[0] <= MAX_ID:
            raise invalid_cursor()
        rows_query = rows_query.filter(pk__gt=values[0])
    return keyset_page(
        request, rows_query.order_by("pk"), size=params["page_size"], key=lambda row: [row.pk], shape=shape
    )


# --- Views ---------------------------------------------------------------------------------


@extend_schema(tags=["training"])
class EnrolmentListView(APIView):
    @extend_schema(
        operation_id="enrolments_list",
        summary="Training enrolments of your programmes' workers, with assessments and certificates",
        parameters=[EnrolmentFilter],
        responses={200: EnrolmentPageOut, 400: BAD_REQUEST, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def get(self, request: Request) -> Response:
        params = validated(EnrolmentFilter, request.query_params)
        enrolments = selectors.enrolments_for_partner(
            partner_id=request.user.partner_id, program_code=params.get("program")
        )
        if "status" in params:
            enrolments = enrolments.filter(status=params["status"])
        enrolments = selectors.enrolments_with_results(enrolments).select_related("application__candidate")
        return _page(request, enrolments, params, _enrolment)


@extend_schema(tags=["training"])
class AssessmentCreateView(APIView):
    @extend_schema(
        operation_id="enrolments_assessments_create",
        summary="Post an assessment result for a phase in progress",
        request=AssessmentIn,
        responses={
            201: AssessmentOut,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            409: CONFLICT,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, enrolment_id: int) -> Response:
        enrolment = selectors.enrolment_for_partner(
            partner_id=request.user.partner_id, enrolment_id=enrolment_id
        )
        data = validated(AssessmentIn, request.data)
        assessment = services.assessment_record(
            enrolment=enrolment, actor=request.user, api_key=request.auth, **data
        )
        return Response(_assessment(assessment), status=201)


@extend_schema(tags=["placements"])
class PlacementListView(APIView):
    @extend_schema(
        operation_id="placements_list",
        summary="Placements of your programmes' workers",
        parameters=[PlacementFilter],
        responses={200: PlacementPageOut, 400: BAD_REQUEST, 401: UNAUTHORIZED, 429: THROTTLED},
    )
    def get(self, request: Request) -> Response:
        params = validated(PlacementFilter, request.query_params)
        placements = selectors.placements_for_partner(
            partner_id=request.user.partner_id, program_code=params.get("program")
        )
        if "status" in params:
            placements = placements.filter(status=params["status"])
        placements = placements.select_related(
            "application__program", "application__candidate", "employer"
        ).prefetch_related("checklist")
        return _page(request, placements, params, _placement)


@extend_schema(tags=["placements"])
class GradeChangeCreateView(APIView):
    @extend_schema(
        operation_id="placements_grade_changes_create",
        summary="Record a grade change, one step up or down the programme's ladder",
        request=GradeChangeIn,
        responses={
            201: GradeChangeOut,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            409: CONFLICT,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, placement_id: int) -> Response:
        placement = selectors.placement_for_partner(
            partner_id=request.user.partner_id, placement_id=placement_id
        )
        data = validated(GradeChangeIn, request.data)
        change = services.placement_change_grade(
            placement=placement,
            to_grade=data["grade"],
            effective_on=data["effective_on"],
            reason=data["reason"],
            actor=request.user,
            api_key=request.auth,
        )
        return Response(
            {
                "id": change.pk,
                "from_grade": change.from_grade,
                "to_grade": change.to_grade,
                "effective_on": iso(change.effective_on),
                "reason": change.reason,
                "recorded_at": iso(change.created_at),
            },
            status=201,
        )


@extend_schema(tags=["placements"])
class PlacementStatusView(APIView):
    @extend_schema(
        operation_id="placements_status_create",
        summary="Record departure, start of work, completion or an early end",
        request=StatusIn,
        responses={
            200: PlacementOut,
            400: BAD_REQUEST,
            401: UNAUTHORIZED,
            404: NOT_FOUND,
            409: CONFLICT,
            429: THROTTLED,
        },
    )
    def post(self, request: Request, placement_id: int) -> Response:
        placement = selectors.placement_for_partner(
            partner_id=request.user.partner_id, placement_id=placement_id
        )
        data = validated(StatusIn, request.data)
        changed = services.placement_change_status(
            placement=placement,
            to_status=data["status"],
            on_date=data.get("on_date"),
            reason=data["reason"],
            actor=request.user,
            api_key=request.auth,
        )
        return Response(_placement(changed))
