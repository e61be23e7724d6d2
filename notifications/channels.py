"""Text-message channels (SMS, WhatsApp): one small interface, a backend per provider.

A backend sends one text to one phone number and returns the provider's message id, or
raises :class:`ProviderError`. Each message carries a key that stays the same on every try
of the same delivery, so a provider that honours ``Idempotency-Key`` sends it once even when
a worker dies after the provider took it and before the portal recorded that. Each channel
is configured on its own (``SMS_BACKEND``, ``WHATSAPP_BACKEND``: ``console``, ``file``,
``http`` or ``locmem``); e-mail stays on Django's e-mail backend (``EMAIL_URL``).
"""

from __future__ import annotations

import datetime
import fcntl
import http.client
import json
import sys
import threading
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from django.conf import settings

BACKENDS = ("console", "file", "http", "locmem")


class ProviderError(Exception):
    """The provider did not take the message; the delivery is tried again later."""


def mask_phone(number: str) -> str:
    """The last three digits only: enough to tell messages apart, not to reach anyone."""
    digits = [c for c in number if c.isdigit()]
    return "…" + "".join(digits[-3:]) if digits else ""


@dataclass(frozen=True)
class TextBackend:
    channel: str
    sender: str

    def send(self, *, to: str, text: str, key: str = "") -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class ConsoleBackend(TextBackend):
    """Prints each message, for local use (like Django's console e-mail backend).

    The number is masked: in production the console is the log.
    """

    def send(self, *, to: str, text: str, key: str = "") -> str:
        message_id = uuid.uuid4().hex
        sys.stdout.write(
            f"--- {self.channel} from {self.sender} to {mask_phone(to)} [{message_id}]\n{text}\n---\n"
        )
        sys.stdout.flush()
        return message_id


@dataclass(frozen=True)
class FileBackend(TextBackend):
    """Appends one JSON line per message to ``<directory>/<channel>.jsonl`` (staging, demos)."""

    directory: Path = Path()

    def send(self, *, to: str, text: str, key: str = "") -> str:
        message_id = uuid.uuid4().hex
        line = json.dumps(
            {
                "id": message_id,
                "channel": self.channel,
                "sender": self.sender,
                "to": to,
                "text": text,
                "key": key,
                "at": datetime.datetime.now(datetime.UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(self.directory / f"{self.channel}.jsonl", "a", encoding="utf-8") as file:
                # Several worker processes append to the same file.
                fcntl.flock(file, fcntl.LOCK_EX)
                file.write(line + "\n")
        except OSError as exc:
            raise ProviderError(f"cannot write to the message file: {exc.strerror}") from exc
        return message_id


@dataclass(frozen=True)
class HttpBackend(TextBackend):
    """POSTs ``{"to", "text", "channel", "sender", "idempotency_key"}`` as JSON with a bearer token.

    The key is also sent as the ``Idempotency-Key`` header: the same on every try of one
    delivery, so the provider can answer a repeated request with the message it already
    took instead of sending it again. A 2xx answer is success; its JSON ``id`` (or
    ``message_id``), when there is one, is the provider's message id. Anything else, a
    timeout or a refused connection is a ``ProviderError``, whose text never contains the
    number.
    """

    url: str = ""
    token: str = ""
    timeout: float = 10.0

    def send(self, *, to: str, text: str, key: str = "") -> str:
        payload = {"to": to, "text": text, "channel": self.channel, "sender": self.sender}
        headers = {"Content-Type": "application/json; charset=utf-8", "Accept": "application/json"}
        if key:
            payload["idempotency_key"] = headers["Idempotency-Key"] = key
        body = json.dumps(payload, ensure_ascii=False).encode()
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only, checked in settings
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - as above
                answer = response.read(65536)
        except urllib.error.HTTPError as exc:
            raise ProviderError(f"provider answered HTTP {exc.code}") from exc
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ProviderError(f"provider unreachable: {type(reason).__name__}") from exc
        return _message_id(answer)


def _message_id(answer: bytes) -> str:
    try:
        data = json.loads(answer or b"null")
    except ValueError:
        return ""
    if isinstance(data, dict):
        value = data.get("id") or data.get("message_id") or ""
        return str(value)[:200]
    return ""


@dataclass(frozen=True)
class LocmemBackend(TextBackend):
    """Keeps messages in ``LocmemBackend.outbox`` (tests), like Django's locmem e-mail backend."""

    outbox: ClassVar[list[dict[str, str]]] = []
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def send(self, *, to: str, text: str, key: str = "") -> str:
        message_id = uuid.uuid4().hex
        with self._lock:
            self.outbox.append(
                {
                    "id": message_id,
                    "channel": self.channel,
                    "sender": self.sender,
                    "to": to,
                    "text": text,
                    "key": key,
                }
            )
        return message_id


def text_backend(channel: str) -> TextBackend:
    """The backend configured for ``channel`` (``sms`` or ``whatsapp``), read from settings now."""
    prefix = channel.upper()
    name = getattr(settings, f"{prefix}_BACKEND")
    sender = getattr(settings, f"{prefix}_SENDER")
    if name == "console":
        return ConsoleBackend(channel=channel, sender=sender)
    if name == "file":
        return FileBackend(channel=channel, sender=sender, directory=Path(settings.NOTIFICATION_FILE_DIR))
    if name == "http":
        return HttpBackend(
            channel=channel,
            sender=sender,
            url=getattr(settings, f"{prefix}_HTTP_URL"),
            token=getattr(settings, f"{prefix}_HTTP_TOKEN"),
            timeout=settings.NOTIFICATION_HTTP_TIMEOUT,
        )
    if name == "locmem":
        return LocmemBackend(channel=channel, sender=sender)
    raise ValueError(f"{prefix}_BACKEND must be one of {', '.join(BACKENDS)}")


def text_send(*, channel: str, to: str, text: str, key: str = "") -> str:
    """Send one text on ``channel``; the provider's message id, or ``ProviderError``.

    ``key`` names the message for the provider, the same on every try (see ``HttpBackend``).
    """
    return text_backend(channel).send(to=to, text=text, key=key)
