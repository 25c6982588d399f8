"""Browser tests: Playwright driving Chromium against pytest-django's live server.

The tests never download a browser. They launch, in this order: the Chromium that
NEWSNOTES_CHROMIUM names; Debian's /usr/bin/chromium; Playwright's own Chromium (what
`python -m playwright install chromium` puts in its cache). `make test` provides one of these
before it runs the tests. When none is there, the run stops before the first test with one line
that says what to install, rather than erroring in every browser test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

DEBIAN_CHROMIUM = "/usr/bin/chromium"
NO_BROWSER = (
    "The browser tests need Chromium and found none: run `make test` (it installs one), or "
    "`apt-get install chromium` (Debian/Ubuntu), or `.venv/bin/python -m playwright install "
    "chromium`, or set NEWSNOTES_CHROMIUM to a Chromium binary."
)
# The executable pytest_collection_finish found, for the browser fixture.
_EXECUTABLE = pytest.StashKey[str]()
ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to test-results/ (ignored by git); NEWSNOTES_UPDATE_SCREENSHOTS=1 writes the
# ones the README shows, in docs/screenshots/.
SCREENSHOTS = (
    ROOT / "docs" / "screenshots"
    if os.environ.get("NEWSNOTES_UPDATE_SCREENSHOTS")
    else ROOT / "test-results" / "screenshots"
)
PASSWORD = "correct-horse-battery"


def chromium_executable() -> str | None:
    """The Chromium to launch: a path, "" for Playwright's own, or None when there is none."""
    chosen = os.environ.get("NEWSNOTES_CHROMIUM")
    if chosen:  # asked for by name: that one or none
        return chosen if Path(chosen).is_file() else None
    if Path(DEBIAN_CHROMIUM).is_file():
        return DEBIAN_CHROMIUM
    with sync_playwright() as playwright:
        bundled = playwright.chromium.executable_path
    return "" if bundled and Path(bundled).is_file() else None


def pytest_collection_finish(session: pytest.Session) -> None:
    # Once, after selection: only a run that includes browser tests needs a browser.
    if session.config.option.collectonly:
        return
    if not any("browser" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    executable = chromium_executable()
    if executable is None:
        pytest.exit(NO_BROWSER, returncode=pytest.ExitCode.USAGE_ERROR)
    session.config.stash[_EXECUTABLE] = executable


@pytest.fixture(scope="session")
def browser(pytestconfig: pytest.Config) -> Iterator[Browser]:
    executable = pytestconfig.stash.get(_EXECUTABLE, None)
    if executable is None:  # a run that pytest_collection_finish did not see, e.g. a plugin's
        executable = chromium_executable()
        if executable is None:
            pytest.exit(NO_BROWSER, returncode=pytest.ExitCode.USAGE_ERROR)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable or None,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return page


def sign_in(page: Page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
