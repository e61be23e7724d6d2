"""Importing candidates and applications from BKK spreadsheets (see :mod:`.jobs`)."""

from .check import import_job_check
from .columns import COLUMNS, Column
from .jobs import (
    IMPORT_BATCH,
    import_job_confirm,
    import_job_create,
    import_job_fail,
    import_job_resume,
    import_job_run,
    import_job_stalled,
    previous_imports,
)
from .retention import import_files_forget, import_job_delete
from .write import IMPORT_CONSENT_VERSION

__all__ = [
    "COLUMNS",
    "IMPORT_BATCH",
    "IMPORT_CONSENT_VERSION",
    "Column",
    "import_files_forget",
    "import_job_check",
    "import_job_confirm",
    "import_job_create",
    "import_job_delete",
    "import_job_fail",
    "import_job_resume",
    "import_job_run",
    "import_job_stalled",
    "previous_imports",
]
