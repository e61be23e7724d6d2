"""Partner API: the applications to a partner's programmes, reviews and stage moves.

A partner sees an application from "documents verified" on, and only for the
programmes it employs for; anything else answers 404 exactly like a missing object.
List pages are built from plain rows (``values()``) with a keyset cursor, so their
cost does not grow with the page size or the depth of the page.
"""

from .applications import ApplicationDetailView, ApplicationListView
from .documents import ApplicationDocumentView
from .reviews import ApplicationReviewView, ApplicationTransitionView

__all__ = [
    "ApplicationDetailView",
    "ApplicationDocumentView",
    "ApplicationListView",
    "ApplicationReviewView",
    "ApplicationTransitionView",
]
