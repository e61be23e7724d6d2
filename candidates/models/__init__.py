"""Candidates: profile, documents and applications.

The NIK is personal data: it is never part of a ``__str__``/``repr``, is masked
wherever it is shown to anyone but its owner and staff, and log records are
scrubbed of it (``p2mi_portal.logging``).

The models are kept by subject in the modules of this package; every name is importable
from here, as migrations and the other apps import them.
"""

from .applications import (
    FINISHED_STAGES,
    SEAT_RESERVED_STAGES,
    SEAT_TAKEN_STAGES,
    Application,
    ApplicationEvent,
    ScoreRank,
    Stage,
)
from .data_rights import (
    AccessDoor,
    DeletionRequest,
    PersonalDataAccess,
)
from .documents import (
    Document,
    DocumentStatus,
    document_path,
)
from .profile import (
    CandidateProfile,
    CertificateIssuer,
    CompetencyCertificate,
    Language,
    LanguageLevel,
    LanguageSkill,
    Province,
    Sex,
)
from .selection import (
    Interview,
    Recommendation,
    Review,
    Score,
)
from .transfer import (
    ApplicationExport,
    ImportJob,
    ImportOutcome,
    ImportRow,
    ImportStatus,
    SpreadsheetFormat,
    import_path,
)

__all__ = [
    "FINISHED_STAGES",
    "SEAT_RESERVED_STAGES",
    "SEAT_TAKEN_STAGES",
    "AccessDoor",
    "Application",
    "ApplicationEvent",
    "ApplicationExport",
    "CandidateProfile",
    "CertificateIssuer",
    "CompetencyCertificate",
    "DeletionRequest",
    "Document",
    "DocumentStatus",
    "ImportJob",
    "ImportOutcome",
    "ImportRow",
    "ImportStatus",
    "Interview",
    "Language",
    "LanguageLevel",
    "LanguageSkill",
    "PersonalDataAccess",
    "Province",
    "Recommendation",
    "Review",
    "Score",
    "ScoreRank",
    "Sex",
    "SpreadsheetFormat",
    "Stage",
    "document_path",
    "import_path",
]
