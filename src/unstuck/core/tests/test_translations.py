"""Every user-facing string of every app has a zh-Hans translation (Chinese is the default UI language).

The test extracts the strings afresh from a copy of the sources with Django's `makemessages` (GNU
gettext's xgettext) and reads what each app's committed catalogue says about them, so a string added
without a translation, or left fuzzy after its English changed, fails here with its app and text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import unstuck

SOURCE = Path(unstuck.__file__).resolve().parent
APPS = sorted(
    path.parent.parent.parent.parent.name for path in SOURCE.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)"
    ),
]


def _lacking(po: Path, which: str) -> list[str]:
    """The msgids GNU msgattrib lists as `which` (--untranslated or --only-fuzzy), header left out."""
    listing = subprocess.run(
        ["msgattrib", which, "--no-wrap", "--no-obsolete", "--no-location", str(po)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    blocks = [block for block in listing.split("\n\n") if "msgid " in block]
    texts = []
    for block in blocks:
        lines = block.splitlines()
        start = next(n for n, line in enumerate(lines) if line.startswith("msgid "))
        text = lines[start][6:]
        for line in lines[start + 1 :]:
            if not line.startswith('"'):
                break
            text += line
        if text != '""':
            texts.append(text)
    return texts


def test_some_apps_have_catalogues():
    assert {"cases", "desk", "portal", "tracking", "accounts"} <= set(APPS)


@pytest.mark.parametrize("app", APPS)
def test_every_string_of_the_app_is_translated_to_chinese(app: str, tmp_path: Path):
    copy = tmp_path / "unstuck"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo", "tests"))
    app_dir = copy / app
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "unstuck.settings"}
    # -P: the app's own modules (e.g. selectors.py) must not shadow the standard library's.
    subprocess.run(
        [sys.executable, "-P", "-m", "django", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=app_dir,
        env=env,
        check=True,
        capture_output=True,
    )
    po = app_dir / "locale/zh_Hans/LC_MESSAGES/django.po"
    problems = [f"untranslated: {text}" for text in _lacking(po, "--untranslated")]
    problems += [f"fuzzy: {text}" for text in _lacking(po, "--only-fuzzy")]
    assert not problems, f"{app}: {len(problems)} strings lack zh-Hans:\n" + "\n".join(problems[:40])
