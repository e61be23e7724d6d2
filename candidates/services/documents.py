"""Uploading documents and the ministry's verification of them."""

from __future__ import annotations

import hashlib

import filetype
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.models import NotificationKind
from notifications.services import notification_queue
from p2mi_portal.errors import Conflict, DomainError
from p2mi_portal.guards import require_ministry_staff
from programs.models import DocumentKind

from .. import selectors
from ..models import CandidateProfile, Document, DocumentStatus

ALLOWED_DOCUMENT_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def uploaded_file_type(upload: UploadedFile) -> str:
    """The file's real type, judged by its first bytes; refuse anything else."""
    allowed = ", ".join(ALLOWED_DOCUMENT_TYPES.values())
    limit_mb = settings.DOCUMENT_MAX_BYTES / (1024 * 1024)
    if not upload.size:
        raise DomainError(
            _("The file is empty. Upload a %(allowed)s file.") % {"allowed": allowed},
            code="empty_file",
            fields={"file": [_("The file is empty.")]},
        )
    if upload.size > settings.DOCUMENT_MAX_BYTES:
        message = _("The file is %(size).1f MB; at most %(limit).0f MB is allowed.") % {
            "size": upload.size / (1024 * 1024),
            "limit": limit_mb,
        }
        raise DomainError(message, code="file_too_large", fields={"file": [message]})
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in ALLOWED_DOCUMENT_TYPES:
        message = _(
            "This file is not a PDF, JPEG or PNG document (whatever its name says). "
            "Scan or photograph the document and upload it as %(allowed)s."
        ) % {"allowed": allowed}
        raise DomainError(message, code="file_type_not_allowed", fields={"file": [message]})
    return kind.mime


@transaction.atomic
def document_upload(*, candidate: CandidateProfile, kind: str, upload: UploadedFile) -> Document:
    """Store a document, or replace the pending or rejected one of the same kind."""
    if kind not in DocumentKind.values:
        raise DomainError(
            _("Unknown document kind."), code="invalid_kind", fields={"kind": [_("Choose a kind.")]}
        )
    content_type = uploaded_file_type(upload)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    existing = Document.objects.select_for_update().filter(candidate=candidate, kind=kind).first()
    if existing and existing.status == DocumentStatus.VERIFIED:
        raise Conflict(
            _("Your %(kind)s is already verified and cannot be replaced. Contact the ministry to change it.")
            % {"kind": DocumentKind(kind).label},
            code="document_verified",
        )
    document = existing or Document(candidate=candidate, kind=kind)
    old_file = existing.file.name if existing else None
    document.file.save(f"{kind}", upload, save=False)
    document.original_name = (upload.name or "")[:200]
    document.content_type = content_type
    document.size = upload.size
    document.sha256 = digest.hexdigest()
    document.status = DocumentStatus.PENDING
    document.rejection_reason = ""
    document.reviewed_by = None
    document.reviewed_at = None
    document.uploaded_at = timezone.now()
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError as exc:
        # Two first uploads of one kind at once: the constraint keeps one; drop this file.
        document.file.storage.delete(document.file.name)
        raise Conflict(
            _("You already uploaded a document of this kind. Reload the page to see it."),
            code="document_exists",
        ) from exc
    if old_file:
        storage = document.file.storage
        transaction.on_commit(lambda: storage.delete(old_file))
    return document


@transaction.atomic
def document_review(*, document: Document, status: str, reason: str, actor: User) -> Document:
    """Staff mark a document verified, or rejected with a reason the candidate sees.

    Only a document the staff member has opened (downloaded through the portal since its
    current file was uploaded, :func:`~candidates.selectors.document_opened_by`) is verified.
    """
    require_ministry_staff(actor, _("Only ministry staff verify documents."))
    if status not in {DocumentStatus.VERIFIED, DocumentStatus.REJECTED}:
        raise DomainError(_("Choose verify or reject."), code="invalid_status")
    reason = (reason or "").strip()
    if status == DocumentStatus.REJECTED and not reason:
        raise DomainError(
            _("Give the reason for the rejection: the candidate sees it."),
            code="reason_required",
            fields={"rejection_reason": [_("This field is required.")]},
        )
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if status == DocumentStatus.VERIFIED and not selectors.document_opened_by(actor, locked):
        raise DomainError(
            _("Open the document before you verify it: download it, check it, then verify."),
            code="document_not_opened",
        )
    locked.status = status
    locked.rejection_reason = reason if status == DocumentStatus.REJECTED else ""
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    if status == DocumentStatus.REJECTED:
        notification_queue(
            recipient=locked.candidate.user,
            kind=NotificationKind.DOCUMENT_REJECTED,
            context={"document_kind": locked.kind, "reason": reason},
        )
    return locked


@transaction.atomic
def document_return_to_review(*, document: Document, actor: User) -> Document:
    """Staff send a verified or rejected document back to "waiting for verification".

    Used when a correction changes what the document proves: it must be checked again.
    """
    require_ministry_staff(actor, _("Only ministry staff verify documents."), superuser=True)
    locked = Document.objects.select_for_update().get(pk=document.pk)
    if locked.status == DocumentStatus.PENDING:
        return locked
    locked.status = DocumentStatus.PENDING
    locked.rejection_reason = ""
    locked.reviewed_by = None
    locked.reviewed_at = None
    locked.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    return locked
