"""The consent text applicants agree to (UU No. 27/2022 on personal data protection).

Change ``CONSENT_VERSION`` whenever the text changes: every application records the
version its candidate agreed to.
"""

from django.utils.translation import gettext_lazy as _

CONSENT_VERSION = "2026-05"

CONSENT_TEXT = _(
    "I agree that KP2MI processes the personal data in my profile and documents to select "
    "candidates for this programme, shares them with the programme's employer and partner "
    "institutions from the verified-documents stage onwards, and keeps them while my "
    "application and any placement last. I can download my data and withdraw this consent "
    "at any time from my account."
)
