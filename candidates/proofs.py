"""Which profile fields each kind of document proves, in one table.

Once staff verify a document, the fields it proves are locked for the candidate
(``selectors.proven_fields``, the profile form and ``candidate_profile_update``); a
correction by staff (``candidate_profile_correct``) sends the documents proving the
changed fields back to review and records the change in each active application's history.
"""

from __future__ import annotations

from programs.models import DocumentKind

PROVEN_FIELDS: dict[str, tuple[str, ...]] = {
    # The KTP: who the candidate is.
    DocumentKind.IDENTITY_CARD: ("nik", "full_name", "birth_place", "birth_date", "sex"),
    DocumentKind.PASSPORT: ("passport_number", "passport_expiry", "full_name"),
    # The ijazah and its transcript: the school, the major, the year and the grades.
    DocumentKind.DIPLOMA: ("school_name", "school_npsn", "major", "graduation_year", "average_grade"),
    DocumentKind.TRANSCRIPT: ("school_name", "school_npsn", "major", "average_grade"),
}


def kinds_proving(field: str) -> list[str]:
    """The document kinds that prove ``field``, in the table's order."""
    return [kind for kind, fields in PROVEN_FIELDS.items() if field in fields]
