"""The committed catalogues are complete, compiled and in step with the source."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("id", "en")
SKIP_DIRS = {
    ".venv",
    ".git",
    "staticfiles",
    "private-media",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    "tests",
}
MAKEMESSAGES_IGNORE = ["--ignore=.venv", "--ignore=tests", "--ignore=staticfiles"]


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def msgids(po: polib.POFile) -> set[tuple[str, str]]:
    return {(entry.msgctxt or "", entry.msgid) for entry in po if not entry.obsolete}


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_is_complete(language):
    po = catalogue(language)
    assert len(po) > 100
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    assert [e.msgid for e in po.obsolete_entries()] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_matches_the_source(language):
    po = catalogue(language)
    mo = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt or "", e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items()))) for e in mo}
    for entry in po:
        key = (entry.msgctxt or "", entry.msgid)
        assert key in compiled, f"{language}: {entry.msgid!r} is not compiled; run compilemessages"
        assert compiled[key] == (entry.msgstr, tuple(sorted(entry.msgstr_plural.items()))), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language):
    for entry in catalogue(language):
        if entry.msgid_plural:
            expected = placeholders(entry.msgid_plural)
            translations = list(entry.msgstr_plural.values())
        else:
            expected = placeholders(entry.msgid)
            translations = [entry.msgstr]
        for translated in translations:
            assert placeholders(translated) == expected, entry.msgid


def placeholders(text: str) -> list[str]:
    return sorted(set(re.findall(r"%\(\w+\)[sd]", text)))


@pytest.mark.gettext
def test_catalogues_hold_every_string_of_the_source(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(*SKIP_DIRS, "*.sqlite3"))
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "id",
            "--add-location=file",
            *MAKEMESSAGES_IGNORE,
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    fresh = msgids(polib.pofile(str(copy / "locale" / "id" / "LC_MESSAGES" / "django.po")))
    committed = msgids(catalogue("id"))
    assert sorted(fresh - committed) == [], "strings missing from the catalogue: run makemessages"
    assert sorted(committed - fresh) == [], "strings no longer in the source: run makemessages"
