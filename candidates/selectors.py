"""Reads of candidate data, each scoped to who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.models import Broadcast
from p2mi_portal.errors import NotFound
from programs.models import Program, ProgramStatus

from .models import (
    FINISHED_STAGES,
    AccessDoor,
    Application,
    ApplicationEvent,
    CandidateProfile,
    Document,
    DocumentStatus,
    PersonalDataAccess,
    Stage,
)
from .pipeline import PARTNER_VISIBLE_STAGES
from .proofs import PROVEN_FIELDS


def documents_of(candidate: CandidateProfile) -> QuerySet[Document]:
    return Document.objects.filter(candidate=candidate).order_by("kind")


DOCUMENT_READ_PERMISSION = "candidates.view_document"


def documents_readable_by(actor: User) -> QuerySet[Document]:
    """The one rule of who may read a candidate's document, used by every door that serves one.

    The candidate reads their own; ministry staff with ``candidates.view_document`` read any;
    a partner reads the documents staff verified of the candidates whose applications it may
    see (:func:`applications_for_partner`); nobody else reads any. The portal's download,
    the admin's document pages and the partner API all ask here, and each read by someone
    other than the candidate is logged by the door that serves it.
    """
    documents = Document.objects.select_related("candidate")
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return documents.none()
    if actor.is_ministry_staff or actor.is_superuser:
        return documents if actor.has_perm(DOCUMENT_READ_PERMISSION) else documents.none()
    if actor.role == Role.CANDIDATE:
        return documents.filter(candidate__user=actor)
    if actor.role == Role.PARTNER and actor.partner_id is not None:
        visible = applications_for_partner(partner_id=actor.partner_id).values("candidate_id")
        return documents.filter(status=DocumentStatus.VERIFIED, candidate_id__in=visible)
    return documents.none()


def document_for_download(*, actor: User, document_id: int) -> Document:
    """The document if ``actor`` may read it (:func:`documents_readable_by`); otherwise as if missing."""
    document = documents_readable_by(actor).filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("Document not found."))
    return document


def document_opened_by(actor: User, document: Document) -> bool:
    """Whether ``actor`` downloaded this document's current file, as the access log records.

    A verification rests on it: staff verify what they have looked at, not a row in a list.
    A file uploaded again after the download must be opened again.
    """
    if not getattr(actor, "pk", None) or document.pk is None:
        return False
    return PersonalDataAccess.objects.filter(
        reader_id=actor.pk,
        document_id=document.pk,
        door=AccessDoor.DOCUMENT_DOWNLOAD,
        accessed_at__gte=document.uploaded_at,
    ).exists()


def proven_fields(candidate: CandidateProfile) -> dict[str, list[Document]]:
    """The profile fields locked for the candidate, each with the verified documents proving it."""
    verified = documents_of(candidate).filter(status=DocumentStatus.VERIFIED, kind__in=list(PROVEN_FIELDS))
    proven: dict[str, list[Document]] = {}
    for document in verified:
        for field in PROVEN_FIELDS[document.kind]:
            proven.setdefault(field, []).append(document)
    return proven


def applications_of(candidate: CandidateProfile) -> QuerySet[Application]:
    return (
        Application.objects.filter(candidate=candidate)
        .select_related("program", "preferred_track", "track", "interview")
        .prefetch_related(Prefetch("events", queryset=ApplicationEvent.objects.order_by("created_at", "id")))
        .order_by("-submitted_at")
    )


def application_of(*, candidate: CandidateProfile, application_id: int) -> Application:
    application = Application.objects.filter(candidate=candidate, pk=application_id).first()
    if application is None:
        raise NotFound(_("Application not found."))
    return application


def application_for_program(*, candidate: CandidateProfile, program: Program) -> Application | None:
    return Application.objects.filter(candidate=candidate, program=program).first()


def candidate_data_export(candidate: CandidateProfile) -> dict[str, Any]:
    """Everything the portal holds about the candidate, for the candidate (UU PDP)."""
    user = candidate.user

    def when(value):
        return value.isoformat() if value else None

    return {
        "account": {
            "email": user.email,
            "full_name": user.full_name,
            "phone": user.phone,
            "language": user.language,
            "date_joined": when(user.date_joined),
            "email_verified_at": when(user.email_verified_at),
        },
        "profile": {
            "full_name": candidate.full_name,
            "nik": candidate.nik,
            "birth_place": candidate.birth_place,
            "birth_date": when(candidate.birth_date),
            "sex": candidate.sex,
            "phone": candidate.phone,
            "address": candidate.address,
            "province": candidate.province.name if candidate.province else None,
            "regency": candidate.regency,
            "education_level": candidate.education_level,
            "school_name": candidate.school_name,
            "school_npsn": candidate.school_npsn,
            "major": candidate.major.name if candidate.major else None,
            "graduation_year": candidate.graduation_year,
            "average_grade": str(candidate.average_grade) if candidate.average_grade is not None else None,
            "passport_number": candidate.passport_number,
            "passport_expiry": when(candidate.passport_expiry),
        },
        "certificates": [
            {
                "issuer": c.issuer,
                "issuer_name": c.issuer_name,
                "title": c.title,
                "number": c.number,
                "issued_on": when(c.issued_on),
            }
            for c in candidate.certificates.all()
        ],
        "languages": [{"language": s.language, "level": s.level} for s in candidate.languages.all()],
        "documents": [
            {
                "kind": d.kind,
                "file_name": d.original_name,
                "content_type": d.content_type,
                "size": d.size,
                "sha256": d.sha256,
                "status": d.status,
                "rejection_reason": d.rejection_reason,
                "uploaded_at": when(d.uploaded_at),
            }
            for d in documents_of(candidate)
        ],
        "applications": [
            {
                "program": a.program.code,
                "preferred_track": a.preferred_track.name,
                "stage": a.stage,
                "submitted_at": when(a.submitted_at),
                "consent_version": a.consent_version,
                "consent_given_at": when(a.consent_given_at),
                "history": [
                    {"from": e.from_stage, "to": e.to_stage, "at": when(e.created_at), "reason": e.reason}
                    for e in a.events.all()
                ],
            }
            for a in applications_of(candidate)
        ],
        "deletion_requests": [
            {"requested_at": when(r.requested_at), "decision": r.decision, "decided_at": when(r.decided_at)}
            for r in candidate.deletion_requests.all()
        ],
        # What the candidate sees of their complaints: staff-only notes are the ministry's.
        "complaints": [
            {
                "id": c.pk,
                "category": c.category,
                "program": c.program.code if c.program else None,
                "description": c.description,
                "attachment_name": c.attachment_name,
                "status": c.status,
                "filed_at": when(c.created_at),
                "resolved_at": when(c.resolved_at),
                "timeline": [
                    {"kind": e.kind, "at": when(e.created_at), "status": e.to_value, "text": e.text}
                    for e in c.entries.all()
                    if e.visible_to_worker
                ],
            }
            for c in candidate.complaints.select_related("program").prefetch_related("entries")
        ],
    }


def with_rank(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Annotate ``rank``: 1 + the number of active applications of the same programme scored higher.

    Counted against the whole programme, so filtering the list does not change a rank.
    Applications without a score have no rank.
    """
    higher = (
        Application.objects.filter(program=OuterRef("program"), score_total__gt=OuterRef("score_total"))
        .exclude(stage__in=FINISHED_STAGES)
        .order_by()
        .values("program")
        .annotate(count=Count("id"))
        .values("count")
    )
    return applications.annotate(
        rank=Case(
            When(score_total__isnull=True, then=Value(None)),
            default=Coalesce(Subquery(higher, output_field=IntegerField()), Value(0)) + 1,
            output_field=IntegerField(),
        )
    )


def ranked(applications: QuerySet[Application]) -> QuerySet[Application]:
    """Best first: highest score, then the earliest application."""
    return applications.order_by(F("score_total").desc(nulls_last=True), "submitted_at", "id")


def shortlist_proposal(*, program: Program, size: int | None = None) -> tuple[list[Application], int]:
    """The applications with verified documents, best first, and how many of them to shortlist.

    The proposal defaults to twice the programme's seats: enough candidates for the
    interviews to choose from without inviting everyone.
    """
    size = size or 2 * program.total_seats
    candidates = list(
        with_rank(
            ranked(
                Application.objects.filter(program=program, stage=Stage.DOCUMENTS_VERIFIED).select_related(
                    "candidate", "candidate__province", "candidate__major", "preferred_track"
                )
            )
        )
    )
    return candidates, min(size, len(candidates))


# --- Partner reviewers ------------------------------------------------------------


def on_track(applications: QuerySet[Application], *, track_id: int) -> QuerySet[Application]:
    """On a track: the assigned one once there is one (offer, waiting list), else the preferred one."""
    return applications.filter(Q(track_id=track_id) | Q(track__isnull=True, preferred_track_id=track_id))


def broadcast_audience(broadcast: Broadcast, *, after_user_id: int = 0) -> QuerySet[User]:
    """Active accounts with an application to the programme (at the stage, on the track).

    Registered as the audience of broadcasts (``notifications.registry``) by
    ``CandidatesConfig.ready()``. ``after_user_id`` starts the audience past the accounts
    already reached. It bounds the applications as well as the accounts: on its own, the
    account bound lets PostgreSQL walk every application from the first account on for each
    batch, and a 100,000-person fan-out slows to seconds per batch towards its end.
    """
    applications = Application.objects.filter(program_id=broadcast.program_id)
    if broadcast.stage:
        applications = applications.filter(stage=broadcast.stage)
    if broadcast.track_id:
        applications = on_track(applications, track_id=broadcast.track_id)
    if after_user_id:
        applications = applications.filter(candidate__user_id__gt=after_user_id)
    return User.objects.filter(
        is_active=True, pk__gt=after_user_id, pk__in=applications.values("candidate__user_id")
    ).order_by("pk")


def applications_for_partner(*, partner_id: int, program_code: str | None = None) -> QuerySet[Application]:
    """Applications to the partner's programmes that the ministry has let partners see.

    The one rule of what a partner sees of applications: a programme the partner employs
    for (not a draft), an application whose documents the ministry once verified (its
    ``documents_verified_at``, set by the stage service from that move on) and that stands
    at a stage partners follow. An application withdrawn or rejected before its documents
    were verified never reaches a partner. API, reviews and stage moves all ask here.

    With ``program_code`` the programme is resolved in a subquery, so PostgreSQL knows the
    programme before it plans the scan and walks the (programme, stage, time) index in order
    instead of sorting every matching row; ``documents_verified_at`` is then checked on the
    rows the walk reads (it is set on every application at a visible stage but those that
    left before verification, so the walk skips few rows).
    """
    programs = Program.objects.filter(employer_id=partner_id).exclude(status=ProgramStatus.DRAFT).order_by()
    visible = Q(stage__in=PARTNER_VISIBLE_STAGES, documents_verified_at__isnull=False)
    if program_code is not None:
        return Application.objects.filter(
            visible, program_id=Subquery(programs.filter(code=program_code).values("id")[:1])
        )
    return Application.objects.filter(visible, program_id__in=programs.values("id"))


def partner_may_see(*, partner_id: int, application_id: int) -> bool:
    """Whether the partner may see the application: :func:`applications_for_partner`, for one row."""
    return applications_for_partner(partner_id=partner_id).filter(pk=application_id).exists()


def application_for_partner(*, partner_id: int, application_id: int) -> Application:
    """One application the partner may see; another partner's, an earlier stage or none: NotFound."""
    application = (
        applications_for_partner(partner_id=partner_id)
        .select_related(
            "program",
            "preferred_track",
            "track",
            "candidate",
            "candidate__province",
            "candidate__major",
            "interview",
        )
        .filter(pk=application_id)
        .first()
    )
    if application is None:
        raise NotFound(_("Application not found."))
    return application


def documents_for_partner(*, actor: User, application: Application) -> QuerySet[Document]:
    """The documents of the application's candidate the partner may read: those staff verified."""
    return documents_readable_by(actor).filter(candidate_id=application.candidate_id).order_by("kind")


def document_for_partner(
    *, actor: User, application_id: int, document_id: int
) -> tuple[Application, Document]:
    application = application_for_partner(partner_id=actor.partner_id, application_id=application_id)
    document = documents_for_partner(actor=actor, application=application).filter(pk=document_id).first()
    if document is None:
        raise NotFound(_("Document not found."))
    return application, document


# --- Staff: the application list as a file ---------------------------------------------------

# The columns of an export, read in one query (joins, no query per row).
EXPORT_FIELDS = (
    "pk",
    "program__code",
    "preferred_track__name",
    "track__name",
    "stage",
    "submitted_at",
    "candidate__full_name",
    "candidate__nik",
    "candidate__sex",
    "candidate__birth_date",
    "candidate__province__name",
    "candidate__school_name",
    "candidate__school_npsn",
    "candidate__major__name",
    "candidate__graduation_year",
    "candidate__phone",
)
EXPORT_CHUNK = 2000


def application_export_rows(*, actor: User, applications: QuerySet[Application]):
    """The rows of ``applications`` for an export, fetched in chunks through a server-side cursor.

    Only ministry staff export; for anyone else there is nothing.
    """
    if not actor.is_ministry_staff:
        raise NotFound(_("Application not found."))
    return applications.values_list(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
