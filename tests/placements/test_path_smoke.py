"""The whole path of one worker, accepted to referral, through the services, checking each step lands."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from candidates.models import ApplicationEvent, Stage
from notifications.models import Notification, NotificationKind
from placements import services
from placements.models import (
    AssessmentKind,
    EnrolmentStatus,
    PlacementEvent,
    PlacementStatus,
    ReferralKind,
    ReferralOutcome,
    ReintegrationWish,
)
from placements.selectors import placement_pay, worker_journey
from programs.models import PlacementTrack


def test_whole_path(worker, staff, partner_user, trainer_user, program):
    today = timezone.localdate()
    track = PlacementTrack.objects.get(pk=worker.track_id)
    assert (worker.stage, track.seats_taken) == (Stage.ACCEPTED, 1)
    language, technical = worker.enrolments.order_by("phase__order")
    assert (language.status, technical.status) == (EnrolmentStatus.PLANNED, EnrolmentStatus.PLANNED)

    # Training, phase 1: the employer starts it, the training institution reports on it.
    services.enrolment_start(enrolment=language, actor=staff, starts_on=today - datetime.timedelta(days=360))
    worker.refresh_from_db()
    assert worker.stage == Stage.IN_TRAINING
    services.enrolment_record_progress(enrolment=language, actor=trainer_user, attendance=Decimal("92.5"))
    services.assessment_record(
        enrolment=language,
        actor=trainer_user,
        taken_on=today,
        kind=AssessmentKind.FINAL,
        score=78,
        pass_mark=60,
    )
    services.certificate_add(
        enrolment=language, actor=trainer_user, issuer="BPSDMI", number="TRKI-1/0001", issued_on=today
    )
    services.enrolment_choose_field(enrolment=technical, field="machinery", actor=staff)
    services.enrolment_pass(enrolment=language, actor=staff, language_level="torfl_1")

    # Phase 2 started by itself on the day phase 1 was passed.
    technical.refresh_from_db()
    assert (technical.status, technical.starts_on) == (EnrolmentStatus.IN_PROGRESS, today)
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
    assert Notification.objects.filter(kind=NotificationKind.TRAINING_RESULT).count() == 4

    # Placement: a five-year contract that ended a few days ago, so every step can be dated
    # in the past and the contract completed today.
    start = today - datetime.timedelta(days=365 * 5 + 5)
    placement = services.placement_create(
        application=worker, actor=staff, site="Krasnoyarsk", position="Welder", contract_starts=start
    )
    worker.refresh_from_db()
    assert (worker.stage, placement.contract_ends) == (Stage.PLACED, services.add_months(start, 60))
    services.placement_change_status(
        placement=placement,
        to_status=PlacementStatus.PRE_DEPARTURE,
        actor=staff,
        on_date=start - datetime.timedelta(days=10),
    )
    assert Notification.objects.filter(kind=NotificationKind.CHECKLIST_OPEN).count() == 1
    for item in placement.checklist.all():
        services.checklist_confirm(item=item, actor=staff, confirmed_on=start - datetime.timedelta(days=8))
    services.placement_change_status(
        placement=placement,
        to_status=PlacementStatus.DEPARTED,
        actor=staff,
        on_date=start - datetime.timedelta(days=5),
    )
    services.placement_change_status(
        placement=placement, to_status=PlacementStatus.WORKING, actor=partner_user, on_date=start
    )

    # Grades, one step at a time, and the pay they bring.
    services.placement_change_grade(placement=placement, to_grade=1, effective_on=start, actor=partner_user)
    services.placement_change_grade(
        placement=placement, to_grade=2, effective_on=start + datetime.timedelta(days=400), actor=partner_user
    )
    placement.refresh_from_db()
    pay = placement_pay(placement)
    assert (pay.grade, pay.monthly, pay.monthly_idr) == (2, Decimal("100000"), Decimal("21900000"))

    # Return.
    services.placement_change_status(
        placement=placement, to_status=PlacementStatus.COMPLETED, actor=partner_user, on_date=today
    )
    worker.refresh_from_db()
    placement.refresh_from_db()
    assert (worker.stage, placement.returned_on, placement.departed_on) == (
        Stage.RETURNED,
        today,
        start - datetime.timedelta(days=5),
    )
    track.refresh_from_db()
    assert track.seats_taken == 1

    # Reintegration.
    services.placement_record_wish(placement=placement, wish=ReintegrationWish.BUSINESS, actor=staff)
    referral = services.referral_create(placement=placement, kind=ReferralKind.BUSINESS_SUPPORT, actor=staff)
    services.referral_record_outcome(referral=referral, outcome=ReferralOutcome.ACCEPTED, actor=staff)
    referral.refresh_from_db()
    assert (referral.outcome, referral.outcome_on) == (ReferralOutcome.ACCEPTED, today)

    # The journey holds every record, in order.
    journey = worker_journey(actor=staff, application_id=worker.pk)
    assert [e.to_stage for e in journey.events][-4:] == [
        Stage.ACCEPTED,
        Stage.IN_TRAINING,
        Stage.PLACED,
        Stage.RETURNED,
    ]
    assert [e.status for e in journey.enrolments] == [EnrolmentStatus.PASSED, EnrolmentStatus.PASSED]
    assert [len(e.assessments.all()) for e in journey.enrolments] == [1, 1]
    assert [c.to_grade for c in journey.grade_changes] == [1, 2]
    assert all(not item.is_open for item in journey.checklist)
    assert [r.kind for r in journey.referrals] == [ReferralKind.BUSINESS_SUPPORT]
    assert journey.pay == pay
    assert PlacementEvent.objects.filter(placement=placement).count() == 5
    assert ApplicationEvent.objects.filter(application=worker).count() == 4
