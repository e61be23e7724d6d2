"""An e-mail backend for the worker tests: fails a set number of times, then writes files.

Shared through a directory (``FLAKY_EMAIL_DIR``) so the test process can see what the
worker process sent: ``failures_left`` holds how many sends must still fail, and every
delivered message becomes one JSON file under ``sent/``.
"""

from __future__ import annotations

import fcntl
import json
import os
import smtplib
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class FlakyFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        root = Path(os.environ["FLAKY_EMAIL_DIR"])
        counter = root / "failures_left"
        with open(root / "lock", "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            left = int(counter.read_text()) if counter.exists() else 0
            if left > 0:
                counter.write_text(str(left - 1))
                raise smtplib.SMTPServerDisconnected("provider unavailable (test)")
        sent = root / "sent"
        sent.mkdir(exist_ok=True)
        for message in email_messages:
            (sent / f"{uuid.uuid4().hex}.json").write_text(
                json.dumps({"to": message.to, "subject": message.subject, "body": message.body})
            )
        return len(email_messages)
