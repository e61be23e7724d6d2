"""Keeps NIKs and passport numbers out of every log line."""

from __future__ import annotations

import logging
import re

# A NIK is 16 digits; an Indonesian passport number one or two letters and 7 digits.
PERSONAL_NUMBERS = re.compile(r"(?<!\d)\d{16}(?!\d)|\b[A-Z]{1,2}\d{7}\b")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    return PERSONAL_NUMBERS.sub(REDACTED, text)


class RedactPersonalData(logging.Filter):
    """Rewrites the record's message (arguments and traceback included) with numbers redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = redact(message)
        record.args = ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
