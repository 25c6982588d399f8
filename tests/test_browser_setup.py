"""Without a browser, a run of the browser tests stops at once with one line saying what to
install; runs without browser tests do not need one."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import conftest as e2e_conftest
from tests.e2e.conftest import NO_BROWSER, chromium_executable

ROOT = Path(__file__).resolve().parents[1]


def _pytest(*args: str, chromium: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        env={**os.environ, "NEWSNOTES_CHROMIUM": str(chromium)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_without_a_browser_the_run_stops_with_one_line_saying_what_to_install(tmp_path):
    result = _pytest("tests/e2e/test_pages.py", chromium=tmp_path / "no-chromium")
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    said = [line for line in output.splitlines() if "Chromium" in line]
    assert len(said) == 1, output
    assert NO_BROWSER in said[0]
    assert "apt-get install chromium" in said[0]
    assert "playwright install chromium" in said[0]
    # Stopped before any test: no errors at setup, nothing passed or failed.
    assert not re.search(r"\d+ (error|errors|passed|failed)\b", output), output
    assert "ERROR" not in output


def test_a_run_without_browser_tests_needs_no_browser(tmp_path):
    result = _pytest(
        "tests/e2e/test_pages.py", "-k", "no_test_has_this_name", chromium=tmp_path / "none"
    )
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, output
    assert "Chromium" not in output


def test_the_browser_named_in_the_environment_wins_and_must_exist(tmp_path, monkeypatch):
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    monkeypatch.setenv("NEWSNOTES_CHROMIUM", str(chromium))
    assert chromium_executable() == str(chromium)
    # Named but absent: none, even when Debian's Chromium is installed.
    monkeypatch.setenv("NEWSNOTES_CHROMIUM", str(tmp_path / "absent"))
    assert chromium_executable() is None


def test_debians_chromium_is_used_when_none_is_named(tmp_path, monkeypatch):
    debian = tmp_path / "usr-bin-chromium"
    debian.write_text("#!/bin/sh\n")
    monkeypatch.delenv("NEWSNOTES_CHROMIUM", raising=False)
    monkeypatch.setattr(e2e_conftest, "DEBIAN_CHROMIUM", str(debian))
    assert chromium_executable() == str(debian)
