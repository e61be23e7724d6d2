"""Importing candidates and applications from BKK spreadsheets (see :mod:`.jobs`)."""

from .columns import COLUMNS, Column
from .jobs import (
    IMPORT_BATCH,
    IMPORT_CONSENT_VERSION,
    import_job_check,
    import_job_confirm,
    import_job_create,
    import_job_delete,
    import_job_run,
    previous_imports,
)

__all__ = [
    "COLUMNS",
    "IMPORT_BATCH",
    "IMPORT_CONSENT_VERSION",
    "Column",
    "import_job_check",
    "import_job_confirm",
    "import_job_create",
    "import_job_delete",
    "import_job_run",
    "previous_imports",
]
