"""Seed a PostgreSQL database with many applications fast: COPY, not the ORM.

Everything else the API needs (partners, programmes, tracks, provinces, majors) is
made the ordinary way; the bulk rows (users, candidate profiles, applications) are
streamed with ``COPY … FROM STDIN`` in the text format, with a progress bar.
"""

from __future__ import annotations

import datetime
import random

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from tqdm import tqdm

from accounts.models import PartnerAPIKey, Role, User
from candidates.models import (
    SEAT_RESERVED_STAGES,
    SEAT_TAKEN_STAGES,
    Application,
    CandidateProfile,
    Province,
    Stage,
)
from candidates.pipeline import PARTNER_VISIBLE_STAGES
from programs.models import Major, Partner, PartnerKind, PlacementTrack, Program, ProgramStatus

BENCH_PROGRAM = "bench-rusal-2026"
OTHER_PROGRAM = "bench-lain-2026"
BENCH_KEY_NAME = "bench"
CHUNK = 20_000


def _program(code: str, employer: Partner) -> Program:
    today = timezone.localdate()
    program, _created = Program.objects.get_or_create(
        code=code,
        defaults={
            "title": f"Program {code}",
            "summary": "Bench",
            "description": "Bench",
            "employer": employer,
            "destination_country": "RU",
            "sector": "welding",
            "occupation": "Juru las",
            "total_seats": 50,
            "recruitment_opens": today - datetime.timedelta(days=60),
            "recruitment_closes": today - datetime.timedelta(days=1),
            "target_departure": today + datetime.timedelta(days=90),
            "contract_months": 60,
            "salary_currency": "RUB",
            "salary_min": 80000,
            "salary_max": 200000,
            "status": ProgramStatus.SELECTION,
            "graduation_year_min": 2020,
            "graduation_year_max": 2026,
            "age_min": 18,
            "age_max": 30,
            "age_reference_date": today,
            "min_average_grade": 70,
        },
    )
    for name in ("Rusia", "Indonesia — proyek Rusia"):
        PlacementTrack.objects.get_or_create(
            program=program, name=name, defaults={"country": "RU", "seats": 25}
        )
    return program


@transaction.atomic
def fixtures() -> tuple[Program, Program, str]:
    """The bench partner, its programme, another partner's programme, and a fresh API key."""
    rusal, _ = Partner.objects.get_or_create(
        name="RUSAL (bench)", defaults={"kind": PartnerKind.EMPLOYER, "country": "RU"}
    )
    other, _ = Partner.objects.get_or_create(
        name="Lain (bench)", defaults={"kind": PartnerKind.EMPLOYER, "country": "JP"}
    )
    user = User.objects.filter(email="bench@rusal.example").first() or User.objects.create_user(
        "bench@rusal.example", None, full_name="Bench", role=Role.PARTNER, partner=rusal
    )
    PartnerAPIKey.objects.filter(name=BENCH_KEY_NAME).delete()
    _obj, key = PartnerAPIKey.objects.create_key(name=BENCH_KEY_NAME, user=user)
    return _program(BENCH_PROGRAM, rusal), _program(OTHER_PROGRAM, other), key


def _copy(table: str, columns: list[str], lines) -> None:
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        buffer: list[str] = []
        for line in lines:
            buffer.append(line)
            if len(buffer) >= 5000:
                copy.write("".join(buffer))
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))


def _reset_sequence(model) -> None:
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # The table name comes from the model, not from input.
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 1)) FROM {table}"  # noqa: S608
        )


def _user_lines(ids: range, first_id: int, stamp: str):
    for i in ids:
        uid = first_id + i
        yield (
            f"{uid}\t!\t\\N\tf\tbench{uid}@contoh.id\tKandidat {uid}\tcandidate\t\\N\t"
            f"+62812{uid:08d}\t{stamp}\t\\N\tid\tf\tt\t{stamp}\n"
        )


def _profile_lines(ids: range, first_id: int, first_user: int, stamp: str, rng, provinces, majors):
    for i in ids:
        pid, uid = first_id + i, first_user + i
        province = rng.choice(provinces)
        day, month, serial = 1 + (pid // 10000) % 28, 1 + (pid // 280000) % 12, pid % 10000
        nik = f"{province}0101{day:02d}{month:02d}04{serial:04d}"
        grade = rng.randint(7000, 9800) / 100
        yield (
            f"{pid}\t{stamp}\t{stamp}\t{uid}\tKandidat {uid}\t{nik}\tJakarta\t2004-{month:02d}-{day:02d}\t"
            f"M\t+62812{uid:08d}\tJl. Uji {uid}\t{province}\tKota\tsmk\tSMK Negeri 1\t20100001\t"
            f"{rng.choice(majors)}\t{rng.randint(2020, 2026)}\t{grade:.2f}\t\t\\N\t\\N\n"
        )


def _application_lines(ids: range, first_id: int, first_profile: int, stamp: str, rng, programs, now):
    # No seat-holding stages (an offer; accepted, in training, placed, returned): the tracks'
    # seat counters stay true to the rows, and those stages need a track.
    stages = [s.value for s in Stage if s not in SEAT_RESERVED_STAGES | SEAT_TAKEN_STAGES]
    visible = [s for s in stages if s in PARTNER_VISIBLE_STAGES]
    for i in ids:
        aid, pid = first_id + i, first_profile + i
        program_id, tracks = programs[0] if rng.random() < 0.9 else programs[1]
        preferred = rng.choice(tracks)
        stage = rng.choice(visible) if rng.random() < 0.7 else rng.choice(stages)
        track = str(preferred) if stage == Stage.WAITLISTED else "\\N"
        score = f"{rng.randint(3000, 10000) / 100:.2f}" if rng.random() < 0.8 else "\\N"
        submitted = (now - datetime.timedelta(seconds=rng.randint(0, 90 * 86400))).isoformat()
        verified = submitted if stage in visible else "\\N"
        yield (
            f"{aid}\t{stamp}\t{stamp}\t{pid}\t{program_id}\t{preferred}\t{stage}\t{submitted}\t"
            f"2026-05\t{submitted}\t{track}\t\\N\t{score}\t{verified}\n"
        )


USER_COLUMNS = [
    "id", "password", "last_login", "is_superuser", "email", "full_name", "role", "partner_id", "phone",
    "email_verified_at", "phone_verified_at", "language", "is_staff", "is_active", "date_joined",
]  # fmt: skip
PROFILE_COLUMNS = [
    "id", "created_at", "updated_at", "user_id", "full_name", "nik", "birth_place", "birth_date", "sex",
    "phone", "address", "province_id", "regency", "education_level", "school_name", "school_npsn",
    "major_id", "graduation_year", "average_grade", "passport_number", "passport_expiry", "anonymised_at",
]  # fmt: skip
APPLICATION_COLUMNS = [
    "id", "created_at", "updated_at", "candidate_id", "program_id", "preferred_track_id", "stage",
    "submitted_at", "consent_version", "consent_given_at", "track_id", "offer_expires_at", "score_total",
    "documents_verified_at",
]  # fmt: skip


def _next_id(model) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


def seed(total: int, *, rng_seed: int = 2026) -> None:
    """Add applications until the bench programmes hold ``total`` of them (90% to the bench partner)."""
    bench, other, _key = fixtures()
    existing = Application.objects.filter(program__in=[bench, other]).count()
    # Rows seeded before applications recorded their first verification: mark the visible ones.
    Application.objects.filter(
        program__in=[bench, other], stage__in=PARTNER_VISIBLE_STAGES, documents_verified_at__isnull=True
    ).update(documents_verified_at=F("submitted_at"))
    missing = total - existing
    if missing <= 0:
        print(f"{existing:,} applications already seeded")
        return
    rng = random.Random(rng_seed + existing)
    provinces = list(Province.objects.values_list("code", flat=True))
    majors = list(Major.objects.values_list("id", flat=True))
    programs = [(p.pk, list(p.tracks.values_list("id", flat=True))) for p in (bench, other)]
    first_user, first_profile, first_application = (
        _next_id(User),
        _next_id(CandidateProfile),
        _next_id(Application),
    )
    now = timezone.now()
    stamp = now.isoformat()
    with tqdm(total=missing * 3, unit="row", desc="COPY", mininterval=1) as bar:
        for chunk_start in range(0, missing, CHUNK):
            ids = range(chunk_start, min(chunk_start + CHUNK, missing))
            with transaction.atomic():
                _copy("accounts_user", USER_COLUMNS, _user_lines(ids, first_user, stamp))
                bar.update(len(ids))
                _copy(
                    "candidates_candidateprofile",
                    PROFILE_COLUMNS,
                    _profile_lines(ids, first_profile, first_user, stamp, rng, provinces, majors),
                )
                bar.update(len(ids))
                _copy(
                    "candidates_application",
                    APPLICATION_COLUMNS,
                    _application_lines(ids, first_application, first_profile, stamp, rng, programs, now),
                )
                bar.update(len(ids))
    for model in (User, CandidateProfile, Application):
        _reset_sequence(model)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE accounts_user, candidates_candidateprofile, candidates_application")


# --- What the staff dashboard needs at scale -------------------------------------------------

# The stages an application went through to reach its current one (every move allowed by
# candidates.pipeline), and roughly how many hours it stays in each before moving on.
_SELECTION = [
    Stage.SUBMITTED,
    Stage.SCREENING,
    Stage.DOCUMENTS_VERIFIED,
    Stage.SHORTLISTED,
    Stage.INTERVIEW_SCHEDULED,
    Stage.INTERVIEWED,
]
_CONTRACT = [*_SELECTION, Stage.OFFERED, Stage.ACCEPTED, Stage.IN_TRAINING]
STAGE_PATHS: dict[str, list[str]] = {
    **{stage: _SELECTION[: i + 1] for i, stage in enumerate(_SELECTION)},
    Stage.WAITLISTED: [*_SELECTION, Stage.WAITLISTED],
    Stage.OFFERED: [*_SELECTION, Stage.OFFERED],
    Stage.DECLINED: [*_SELECTION, Stage.OFFERED, Stage.DECLINED],
    Stage.ACCEPTED: [*_SELECTION, Stage.OFFERED, Stage.ACCEPTED],
    Stage.IN_TRAINING: _CONTRACT,
    Stage.PLACED: [*_CONTRACT, Stage.PLACED],
    Stage.RETURNED: [*_CONTRACT, Stage.PLACED, Stage.RETURNED],
    Stage.DISCONTINUED: [*_CONTRACT, Stage.DISCONTINUED],
    Stage.INELIGIBLE: [Stage.SUBMITTED, Stage.SCREENING, Stage.INELIGIBLE],
    Stage.REJECTED: [*_SELECTION[:4], Stage.REJECTED],
    Stage.WITHDRAWN: [Stage.SUBMITTED, Stage.SCREENING, Stage.WITHDRAWN],
}
STAY_HOURS = {
    Stage.SUBMITTED: 48,
    Stage.SCREENING: 240,
    Stage.DOCUMENTS_VERIFIED: 120,
    Stage.SHORTLISTED: 168,
    Stage.INTERVIEW_SCHEDULED: 96,
    Stage.INTERVIEWED: 72,
    Stage.OFFERED: 72,
    Stage.ACCEPTED: 720,
    Stage.IN_TRAINING: 8760,
    Stage.PLACED: 17520,
}
# Each stay is its typical length plus up to this many hours, so moves stay in order.
STAY_JITTER_HOURS = 47
# Per track of each bench programme: applications holding a seat, by stage.
SEAT_HOLDERS = {
    Stage.OFFERED: 2,
    Stage.ACCEPTED: 3,
    Stage.IN_TRAINING: 8,
    Stage.PLACED: 6,
    Stage.RETURNED: 2,
    Stage.DISCONTINUED: 2,
}
COMPLAINTS_PER_PROGRAM = 600


def _events_insert(program_ids: list[int]) -> int:
    """Write every stage move of the bench applications that have none yet, in one statement.

    A move's time is the submission time plus the typical stays of the stages before it,
    each lengthened by a pseudo-random number of hours taken from the application id.
    """
    rows, params = [], []
    for stage, path in STAGE_PATHS.items():
        offsets, total = [], 0
        for step in path:
            offsets.append(total)
            total += STAY_HOURS.get(step, 0)
        rows.append("(%s, %s::varchar[], %s::int[])")
        params += [stage, path, offsets]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(MAX(e.application_id), 0) FROM candidates_applicationevent e "
            "JOIN candidates_application a ON a.id = e.application_id WHERE a.program_id = ANY(%s)",
            [program_ids],
        )
        (after,) = cursor.fetchone()
        # Moves are generated from the fixed table above; only ids and numbers are parameters.
        cursor.execute(
            f"""
            INSERT INTO candidates_applicationevent
                (application_id, from_stage, to_stage, actor_id, reason, data, created_at)
            SELECT a.id, COALESCE(p.path[s.n - 1], ''), p.path[s.n], NULL, '', '{{}}'::jsonb,
                   a.submitted_at + make_interval(
                       hours => p.offsets[s.n] + CASE WHEN s.n = 1 THEN 0
                                ELSE ((a.id * 7919 + s.n * 104729) %% {STAY_JITTER_HOURS + 1})::int END
                   )
            FROM candidates_application a
            JOIN (VALUES {", ".join(rows)}) AS p(stage, path, offsets) ON p.stage = a.stage
            CROSS JOIN LATERAL generate_series(1, cardinality(p.path)) AS s(n)
            WHERE a.program_id = ANY(%s) AND a.id > %s
            ORDER BY a.id, s.n
            """,  # noqa: S608
            [*params, program_ids, after],
        )
        return cursor.rowcount


def _seat_holders(program: Program, now: datetime.datetime) -> None:
    """Move a few interviewed applications on to offers, training, contracts and return,
    with their enrolments and placements, and the tracks' seat counters to match."""
    from placements.models import Enrolment, EnrolmentStatus, Placement, PlacementStatus
    from programs.models import TrainingPhase

    language, _ = TrainingPhase.objects.get_or_create(
        program=program, order=1, defaults={"title": "Bahasa Rusia", "months": 12, "location": "Rusia"}
    )
    technical, _ = TrainingPhase.objects.get_or_create(
        program=program, order=2, defaults={"title": "Teknik", "months": 12, "location": "Rusia"}
    )
    today = now.date()
    year = datetime.timedelta(days=365)
    enrolments, placements = [], []
    for track in program.tracks.order_by("id"):
        chosen = list(
            Application.objects.filter(program=program, stage=Stage.INTERVIEWED)
            .order_by("id")
            .values_list("id", flat=True)[: sum(SEAT_HOLDERS.values())]
        )
        for stage, count in SEAT_HOLDERS.items():
            ids, chosen = chosen[:count], chosen[count:]
            Application.objects.filter(id__in=ids).update(
                stage=stage,
                track=track,
                offer_expires_at=now + datetime.timedelta(days=5) if stage == Stage.OFFERED else None,
            )
            for n, application_id in enumerate(ids):
                if stage in (Stage.IN_TRAINING, Stage.DISCONTINUED):
                    first = (
                        EnrolmentStatus.DISCONTINUED
                        if stage == Stage.DISCONTINUED
                        else (EnrolmentStatus.PASSED if n % 2 else EnrolmentStatus.IN_PROGRESS)
                    )
                    second = (
                        EnrolmentStatus.IN_PROGRESS
                        if first == EnrolmentStatus.PASSED
                        else EnrolmentStatus.PLANNED
                    )
                    for phase, status, start in ((language, first, today - year), (technical, second, today)):
                        enrolments.append(
                            Enrolment(
                                application_id=application_id,
                                phase=phase,
                                starts_on=start,
                                ends_on=start + year,
                                status=status,
                                outcome_reason="Bench" if status == EnrolmentStatus.DISCONTINUED else "",
                            )
                        )
                elif stage in (Stage.PLACED, Stage.RETURNED):
                    for phase, start in ((language, today - 3 * year), (technical, today - 2 * year)):
                        enrolments.append(
                            Enrolment(
                                application_id=application_id,
                                phase=phase,
                                starts_on=start,
                                ends_on=start + year,
                                status=EnrolmentStatus.PASSED,
                            )
                        )
                    status = (
                        PlacementStatus.COMPLETED
                        if stage == Stage.RETURNED
                        else [
                            PlacementStatus.WORKING,
                            PlacementStatus.DEPARTED,
                            PlacementStatus.PRE_DEPARTURE,
                        ][n % 3]
                    )
                    placements.append(
                        Placement(
                            application_id=application_id,
                            track=track,
                            employer=program.employer,
                            site="Krasnoyarsk",
                            position="Juru las",
                            contract_starts=today - year,
                            contract_ends=today + 4 * year,
                            status=status,
                        )
                    )
        PlacementTrack.objects.filter(pk=track.pk).update(
            seats_reserved=SEAT_HOLDERS[Stage.OFFERED],
            seats_taken=sum(count for stage, count in SEAT_HOLDERS.items() if stage in SEAT_TAKEN_STAGES),
        )
    Enrolment.objects.bulk_create(enrolments)
    Placement.objects.bulk_create(placements)


def _complaints(program: Program, now: datetime.datetime, rng: random.Random) -> None:
    from complaints.models import (
        DUE_WITHIN,
        OPEN_STATUSES,
        Complaint,
        ComplaintCategory,
        ComplaintPriority,
        ComplaintStatus,
    )

    applications = list(
        Application.objects.filter(program=program)
        .order_by("-id")
        .values_list("id", "candidate_id")[:COMPLAINTS_PER_PROGRAM]
    )
    complaints = []
    for application_id, candidate_id in applications:
        priority = rng.choice(ComplaintPriority.values)
        filed = now - datetime.timedelta(hours=rng.randint(1, 60 * 24))
        status = rng.choice(ComplaintStatus.values)
        complaints.append(
            Complaint(
                candidate_id=candidate_id,
                application_id=application_id,
                program=program,
                category=rng.choice(ComplaintCategory.values),
                description="Bench",
                status=status,
                priority=priority,
                due_at=filed + DUE_WITHIN[priority],
                created_at=filed,
                updated_at=filed,
                resolved_at=None if status in OPEN_STATUSES else now,
            )
        )
    Complaint.objects.bulk_create(complaints)


def seed_dashboard() -> None:
    """Stage moves for every bench application (added once per application), and once: seat
    holders with their training and contracts, and complaints, on both bench programmes.
    Run after :func:`seed`."""
    from placements.models import Placement

    programs = list(Program.objects.filter(code__in=[BENCH_PROGRAM, OTHER_PROGRAM]).order_by("id"))
    now = timezone.now()
    if not Placement.objects.filter(application__program__in=programs).exists():
        with transaction.atomic():
            for program in programs:
                _seat_holders(program, now)
                _complaints(program, now, random.Random(program.pk))
    with transaction.atomic():
        added = _events_insert([p.pk for p in programs])
    if added:
        print(f"{added:,} stage moves added")
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE candidates_applicationevent")
