"""The candidates' admin pages, by subject; importing the modules registers them."""

from .applications import ApplicationAdmin
from .audit import ApplicationExportAdmin, DeletionRequestAdmin, PersonalDataAccessAdmin
from .documents import DocumentAdmin
from .imports import ImportJobAdmin
from .profiles import CandidateProfileAdmin, ProvinceAdmin

__all__ = [
    "ApplicationAdmin",
    "ApplicationExportAdmin",
    "CandidateProfileAdmin",
    "DeletionRequestAdmin",
    "DocumentAdmin",
    "ImportJobAdmin",
    "PersonalDataAccessAdmin",
    "ProvinceAdmin",
]
