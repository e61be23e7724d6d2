"""A hand-built programme for the dashboard: 32 applications, each placed by hand.

Every figure the tests expect is counted by hand from the table below (and written out as a
literal in the tests), not recomputed from it.

    #   stage                track  province       major
    1   submitted            -      DKI Jakarta    welding
    2   submitted            -      DKI Jakarta    machining
    3   submitted            -      Jawa Barat     hospitality
    4   submitted            -      -              -
    5   screening            -      DKI Jakarta    welding       moves: A1
    6   screening            -      Jawa Timur     welding       moves: A4 (rejected, reopened)
    7   screening            -      Jawa Barat     machining
    8   documents_verified   -      DKI Jakarta    welding       moves: A2
    9   documents_verified   -      Jawa Barat     hospitality
    10  shortlisted          -      DKI Jakarta    welding
    11  shortlisted          -      Jawa Timur     machining
    12  interview_scheduled  -      Jawa Barat     welding
    13  interviewed          -      DKI Jakarta    welding       moves: A3 (interview rescheduled)
    14  interviewed          -      Jawa Timur     hospitality
    15  offered              Rusia  DKI Jakarta    welding
    16  offered              Indon  Jawa Barat     machining
    17  accepted             Rusia  DKI Jakarta    welding       training: L planned, T planned
    18  in_training          Rusia  DKI Jakarta    welding       training: L passed, T in progress
    19  in_training          Rusia  Jawa Timur     machining     training: L in progress, T planned
    20  in_training          Indon  Jawa Barat     welding       training: L in progress, T planned
    21  placed               Rusia  DKI Jakarta    welding       L, T passed; placement working
    22  placed               Indon  Jawa Barat     machining     L, T passed; placement preparing to depart
    23  returned             Rusia  DKI Jakarta    hospitality   L, T passed; placement completed
    24  waitlisted           Rusia  Jawa Timur     welding
    25  declined             -      Jawa Barat     machining
    26  rejected             -      DKI Jakarta    hospitality
    27  rejected             -      -              machining
    28  rejected             -      Jawa Timur     hospitality
    29  withdrawn            -      Jawa Barat     welding
    30  ineligible           -      DKI Jakarta    machining     moves: A5
    31  ineligible           -      -              -
    32  discontinued         -      Jawa Timur     welding       training: L failed, T discontinued

Moves (days after T0 = 5 January 2026, 08:00 WIB):

    A1  submitted 0 → screening 2
    A2  submitted 0 → screening 1 → documents verified 5¼
    A3  submitted 0 → screening 3 → documents verified 9 → shortlisted 11 → interview scheduled 12
        → interview rescheduled 13 → interviewed 15
    A4  submitted 0 → screening ½ → rejected 2½ → screening 4½ (reopened)
    A5  submitted 0 → screening 4 → not eligible 5

Complaints (due relative to now): new ×3 (two overdue), in progress ×2 (one overdue), waiting for
the worker ×1 (not due yet), resolved ×2 and closed ×1 (all past their due time: not overdue).

A second programme holds an application of each kind that must not count: its own moves
(10 days in "submitted"), enrolment, placement and complaint.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from candidates.models import ApplicationEvent, Stage
from complaints.models import Complaint, ComplaintStatus
from placements.models import Enrolment, EnrolmentStatus, Placement, PlacementStatus
from programs.models import Major, ProgramStatus, TrainingPhase
from tests.accounts.factories import PartnerUserFactory, StaffFactory, UserFactory
from tests.candidates.factories import CandidateFactory, application_at
from tests.programs.factories import ProgramFactory

T0 = datetime.datetime(2026, 1, 5, 1, 0, tzinfo=datetime.UTC)  # 08:00 WIB
W, M, H = "teknik-pengelasan", "teknik-pemesinan", "perhotelan"
R, IND = "Rusia", "Indonesia — proyek Rusia"

APPLICATIONS = [
    (Stage.SUBMITTED, None, "31", W),
    (Stage.SUBMITTED, None, "31", M),
    (Stage.SUBMITTED, None, "32", H),
    (Stage.SUBMITTED, None, None, None),
    (Stage.SCREENING, None, "31", W),
    (Stage.SCREENING, None, "35", W),
    (Stage.SCREENING, None, "32", M),
    (Stage.DOCUMENTS_VERIFIED, None, "31", W),
    (Stage.DOCUMENTS_VERIFIED, None, "32", H),
    (Stage.SHORTLISTED, None, "31", W),
    (Stage.SHORTLISTED, None, "35", M),
    (Stage.INTERVIEW_SCHEDULED, None, "32", W),
    (Stage.INTERVIEWED, None, "31", W),
    (Stage.INTERVIEWED, None, "35", H),
    (Stage.OFFERED, R, "31", W),
    (Stage.OFFERED, IND, "32", M),
    (Stage.ACCEPTED, R, "31", W),
    (Stage.IN_TRAINING, R, "31", W),
    (Stage.IN_TRAINING, R, "35", M),
    (Stage.IN_TRAINING, IND, "32", W),
    (Stage.PLACED, R, "31", W),
    (Stage.PLACED, IND, "32", M),
    (Stage.RETURNED, R, "31", H),
    (Stage.WAITLISTED, R, "35", W),
    (Stage.DECLINED, None, "32", M),
    (Stage.REJECTED, None, "31", H),
    (Stage.REJECTED, None, None, M),
    (Stage.REJECTED, None, "35", H),
    (Stage.WITHDRAWN, None, "32", W),
    (Stage.INELIGIBLE, None, "31", M),
    (Stage.INELIGIBLE, None, None, None),
    (Stage.DISCONTINUED, None, "35", W),
]

# Row number (1-based, as in the table above) → the moves, as (from, to, days after T0).
MOVES = {
    5: [("", Stage.SUBMITTED, 0), (Stage.SUBMITTED, Stage.SCREENING, 2)],
    8: [
        ("", Stage.SUBMITTED, 0),
        (Stage.SUBMITTED, Stage.SCREENING, 1),
        (Stage.SCREENING, Stage.DOCUMENTS_VERIFIED, 5.25),
    ],
    13: [
        ("", Stage.SUBMITTED, 0),
        (Stage.SUBMITTED, Stage.SCREENING, 3),
        (Stage.SCREENING, Stage.DOCUMENTS_VERIFIED, 9),
        (Stage.DOCUMENTS_VERIFIED, Stage.SHORTLISTED, 11),
        (Stage.SHORTLISTED, Stage.INTERVIEW_SCHEDULED, 12),
        (Stage.INTERVIEW_SCHEDULED, Stage.INTERVIEW_SCHEDULED, 13),
        (Stage.INTERVIEW_SCHEDULED, Stage.INTERVIEWED, 15),
    ],
    6: [
        ("", Stage.SUBMITTED, 0),
        (Stage.SUBMITTED, Stage.SCREENING, 0.5),
        (Stage.SCREENING, Stage.REJECTED, 2.5),
        (Stage.REJECTED, Stage.SCREENING, 4.5),
    ],
    30: [
        ("", Stage.SUBMITTED, 0),
        (Stage.SUBMITTED, Stage.SCREENING, 4),
        (Stage.SCREENING, Stage.INELIGIBLE, 5),
    ],
}

# Row number → the status of the enrolment in the language phase (L) and the technical phase (T).
ENROLMENTS = {
    17: (EnrolmentStatus.PLANNED, EnrolmentStatus.PLANNED),
    18: (EnrolmentStatus.PASSED, EnrolmentStatus.IN_PROGRESS),
    19: (EnrolmentStatus.IN_PROGRESS, EnrolmentStatus.PLANNED),
    20: (EnrolmentStatus.IN_PROGRESS, EnrolmentStatus.PLANNED),
    21: (EnrolmentStatus.PASSED, EnrolmentStatus.PASSED),
    22: (EnrolmentStatus.PASSED, EnrolmentStatus.PASSED),
    23: (EnrolmentStatus.PASSED, EnrolmentStatus.PASSED),
    32: (EnrolmentStatus.FAILED, EnrolmentStatus.DISCONTINUED),
}

PLACEMENTS = {21: PlacementStatus.WORKING, 22: PlacementStatus.PRE_DEPARTURE, 23: PlacementStatus.COMPLETED}

# (status, due relative to now)
COMPLAINTS = [
    (ComplaintStatus.NEW, -datetime.timedelta(days=1)),
    (ComplaintStatus.NEW, -datetime.timedelta(hours=1)),
    (ComplaintStatus.NEW, datetime.timedelta(days=2)),
    (ComplaintStatus.IN_PROGRESS, -datetime.timedelta(days=3)),
    (ComplaintStatus.IN_PROGRESS, datetime.timedelta(hours=5)),
    (ComplaintStatus.WAITING_FOR_WORKER, datetime.timedelta(days=1)),
    (ComplaintStatus.RESOLVED, -datetime.timedelta(days=4)),
    (ComplaintStatus.RESOLVED, -datetime.timedelta(days=1)),
    (ComplaintStatus.CLOSED, -datetime.timedelta(days=9)),
]


def moves_write(application, moves) -> None:
    for from_stage, to_stage, days in moves:
        ApplicationEvent.objects.create(
            application=application,
            from_stage=from_stage,
            to_stage=to_stage,
            created_at=T0 + datetime.timedelta(days=days),
        )


def enrol(application, phase, status) -> Enrolment:
    start = datetime.date(2026, 9, 1) + datetime.timedelta(days=365 * (phase.order - 1))
    return Enrolment.objects.create(
        application=application,
        phase=phase,
        starts_on=start,
        ends_on=start + datetime.timedelta(days=365),
        status=status,
        outcome_reason="Tidak lulus"
        if status in (EnrolmentStatus.FAILED, EnrolmentStatus.DISCONTINUED)
        else "",
    )


def place(application, status) -> Placement:
    return Placement.objects.create(
        application=application,
        track=application.track,
        employer=application.program.employer,
        site="Krasnoyarsk",
        position="Juru las",
        contract_starts=datetime.date(2028, 9, 1),
        contract_ends=datetime.date(2033, 9, 1),
        status=status,
    )


def complain(application, status, due_in) -> Complaint:
    now = timezone.now()
    finished = status in (ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED)
    return Complaint.objects.create(
        candidate=application.candidate,
        application=application,
        program=application.program,
        category="other",
        description="Keluhan",
        status=status,
        due_at=now + due_in,
        resolved_at=now if finished else None,
    )


def phases_for(program) -> tuple[TrainingPhase, TrainingPhase]:
    return (
        TrainingPhase.objects.create(
            program=program,
            order=1,
            title="Bahasa Rusia",
            title_en="Russian language",
            months=12,
            location="Rusia",
        ),
        TrainingPhase.objects.create(program=program, order=2, title="Teknik", months=12, location="Rusia"),
    )


@pytest.fixture
def program(db):
    program = ProgramFactory(
        code="rusal-smk-go-global-2026",
        title="SMK Go Global RUSAL",
        title_en="SMK Go Global RUSAL (en)",
        total_seats=16,
        tracks=[(R, 10), (IND, 6)],
        status=ProgramStatus.SELECTION,
    )
    tracks = {track.name: track for track in program.tracks.all()}
    majors = {major.code: major for major in Major.objects.filter(code__in=[W, M, H])}
    language, technical = phases_for(program)
    rows = {}
    for number, (stage, track, province, major) in enumerate(APPLICATIONS, start=1):
        candidate = CandidateFactory(province_id=province, major=majors.get(major))
        rows[number] = application_at(
            stage, program=program, candidate=candidate, track=tracks[track] if track else tracks[R]
        )
    for number, moves in MOVES.items():
        moves_write(rows[number], moves)
    for number, (first, second) in ENROLMENTS.items():
        enrol(rows[number], language, first)
        enrol(rows[number], technical, second)
    for number, status in PLACEMENTS.items():
        place(rows[number], status)
    for number, (status, due_in) in enumerate(COMPLAINTS, start=1):
        complain(rows[number], status, due_in)
    program.rows = rows
    return program


@pytest.fixture
def other_program(program):
    """Another programme whose applications, moves, training, contracts and complaints never count."""
    other = ProgramFactory(code="dki-las-jepang", tracks=[("Jepang", 5)], status=ProgramStatus.SELECTION)
    phase = TrainingPhase.objects.create(
        program=other, order=1, title="Bahasa Jepang", months=6, location="Jepang"
    )
    kaltim = CandidateFactory(province_id="64", major=Major.objects.get(code="perhotelan"))
    screening = application_at(Stage.SCREENING, program=other, candidate=kaltim)
    moves_write(screening, [("", Stage.SUBMITTED, 0), (Stage.SUBMITTED, Stage.SCREENING, 10)])
    placed = application_at(Stage.PLACED, program=other)
    enrol(placed, phase, EnrolmentStatus.IN_PROGRESS)
    place(placed, PlacementStatus.WORKING)
    complain(screening, ComplaintStatus.NEW, -datetime.timedelta(days=5))
    return other


def view_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="candidates", codename="view_application")


@pytest.fixture
def staff(db):
    return StaffFactory(email="staf@p2mi.go.id", full_name="Staf Dasbor")


@pytest.fixture
def staff_without_permission(db):
    """Admin staff outside the "Ministry staff" group: may log in to the admin, nothing more."""
    return UserFactory(email="magang@p2mi.go.id", role="staff", is_staff=True)


@pytest.fixture
def partner_user(program):
    return PartnerUserFactory(partner=program.employer, email="hr@rusal.example")


@pytest.fixture
def candidate_user(db):
    return CandidateFactory().user
