"""What notifications show of programmes: registered with the outbox by ``ProgramsConfig.ready()``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from notifications.models import Notification

from .models import DocumentKind, PlacementTrack, Program


def notice_context(notification: Notification, stored: Mapping[str, Any]) -> dict[str, Any]:
    """The programme, the track and the documents' names, for any kind that names them."""
    shown: dict[str, Any] = {}
    if "program_id" in stored:
        shown["program"] = Program.objects.filter(pk=stored["program_id"]).first()
    if "track_id" in stored:
        shown["track"] = PlacementTrack.objects.filter(pk=stored["track_id"]).first()
    if stored.get("document_kind") in DocumentKind.values:
        shown["document_label"] = DocumentKind(stored["document_kind"]).label
    if isinstance(stored.get("missing_documents"), list):
        shown["missing_document_labels"] = [
            str(DocumentKind(kind).label)
            for kind in stored["missing_documents"]
            if kind in DocumentKind.values
        ]
    return shown
