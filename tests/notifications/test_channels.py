"""SMS and WhatsApp backends: console, file and a real HTTP provider served on a local port."""

from __future__ import annotations

import json
import os

import pytest

from notifications.channels import (
    ConsoleBackend,
    FileBackend,
    HttpBackend,
    ProviderError,
    text_backend,
    text_send,
)
from tests.portal.test_settings import ROOT, run_django

from .provider import FakeProvider, unanswered_url

NUMBER = "+6281234567890"


def test_the_console_backend_prints_the_text_with_the_number_masked(capsys):
    message_id = ConsoleBackend(channel="sms", sender="KP2MI").send(to=NUMBER, text="KP2MI: Halo")
    printed = capsys.readouterr().out
    assert "KP2MI: Halo" in printed
    assert "sms from KP2MI to …890" in printed
    assert message_id in printed
    assert "81234567890" not in printed


@pytest.mark.skipif(
    (ROOT / ".env").exists() or any(name in os.environ for name in ("SMS_BACKEND", "WHATSAPP_BACKEND")),
    reason="a local .env file or the environment would change the defaults under test",
)
def test_console_is_the_default_backend_of_both_channels():
    result = run_django(
        "from notifications.channels import text_backend; "
        "print(type(text_backend('sms')).__name__, type(text_backend('whatsapp')).__name__)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ConsoleBackend", "ConsoleBackend"]


def test_the_file_backend_appends_one_json_line_per_message(tmp_path, settings):
    settings.SMS_BACKEND = "file"
    settings.NOTIFICATION_FILE_DIR = tmp_path / "messages"
    first = text_send(channel="sms", to=NUMBER, text="Satu")
    second = text_send(channel="sms", to="+6289876543210", text="Dua — ü")
    lines = (tmp_path / "messages" / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [(r["id"], r["to"], r["text"], r["channel"], r["sender"]) for r in records] == [
        (first, NUMBER, "Satu", "sms", "KP2MI"),
        (second, "+6289876543210", "Dua — ü", "sms", "KP2MI"),
    ]
    assert all(record["at"] for record in records)


def test_the_file_backend_that_cannot_write_raises_a_provider_error(tmp_path):
    blocked = tmp_path / "not-a-directory"
    blocked.write_text("")
    with pytest.raises(ProviderError, match="cannot write"):
        FileBackend(channel="whatsapp", sender="KP2MI", directory=blocked).send(to=NUMBER, text="x")


def test_the_http_backend_posts_json_with_the_bearer_token_and_returns_the_providers_id(settings):
    settings.WHATSAPP_BACKEND = "http"
    settings.WHATSAPP_SENDER = "KP2MI WA"
    settings.WHATSAPP_HTTP_TOKEN = "rahasia-token"
    with FakeProvider() as provider:
        settings.WHATSAPP_HTTP_URL = provider.url
        message_id = text_send(channel="whatsapp", to=NUMBER, text="Wawancara Senin, 08:00 WIB")
    assert message_id == "msg-1"
    (request,) = provider.requests
    assert request["path"] == "/messages"
    assert request["headers"]["Authorization"] == "Bearer rahasia-token"
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["json"] == {
        "to": NUMBER,
        "text": "Wawancara Senin, 08:00 WIB",
        "channel": "whatsapp",
        "sender": "KP2MI WA",
    }


def test_an_http_error_answer_is_a_provider_error_without_the_number():
    with FakeProvider(failures=1) as provider, pytest.raises(ProviderError) as refused:
        HttpBackend(channel="sms", sender="KP2MI", url=provider.url, token="t").send(to=NUMBER, text="x")
    assert str(refused.value) == "provider answered HTTP 500"
    assert len(provider.requests) == 1


def test_a_provider_that_does_not_answer_in_time_is_a_provider_error():
    with FakeProvider(delay=2) as provider, pytest.raises(ProviderError, match="unreachable"):
        HttpBackend(channel="sms", sender="KP2MI", url=provider.url, timeout=0.3).send(to=NUMBER, text="x")


def test_a_refused_connection_is_a_provider_error():
    with pytest.raises(ProviderError, match="unreachable") as refused:
        HttpBackend(channel="sms", sender="KP2MI", url=unanswered_url()).send(to=NUMBER, text="x")
    assert NUMBER not in str(refused.value)


def test_backends_are_read_from_the_settings_when_sending(settings, tmp_path):
    settings.SMS_BACKEND = "file"
    settings.NOTIFICATION_FILE_DIR = tmp_path
    backend = text_backend("sms")
    assert isinstance(backend, FileBackend)
    assert backend.directory == tmp_path


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SMS_BACKEND": "http"}, "SMS_HTTP_URL"),
        ({"WHATSAPP_BACKEND": "http", "WHATSAPP_HTTP_URL": "ftp://provider"}, "WHATSAPP_HTTP_URL"),
        ({"SMS_BACKEND": "carrier-pigeon"}, "SMS_BACKEND"),
    ],
    ids=["http-without-url", "http-with-another-scheme", "unknown-backend"],
)
def test_a_misconfigured_channel_stops_the_portal_at_start(env, named):
    result = run_django("print('started')", env)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert named in result.stderr
