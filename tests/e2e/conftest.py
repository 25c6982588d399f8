"""Browser tests: Playwright driving Chromium against pytest-django's live server.

The tests never download a browser. They launch, in this order: the Chromium that
NEWSNOTES_CHROMIUM names; Debian's /usr/bin/chromium; Playwright's own Chromium (what
`python -m playwright install chromium` puts in its cache). `make test` provides one of these
before it runs the tests. When none is there, the run stops before the first test with one line
that says what to install, rather than erroring in every browser test.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    sync_playwright,
)

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


class PageProblems:
    """What went wrong in a page that the test did not say to expect.

    Collects uncaught exceptions, console errors, requests that failed at the network level and
    responses with an error status (4xx, 5xx). A test that provokes one on purpose (a 412 from
    a stale edit, a 400 from a bad form) declares it first with
    ``page.expect_response(status, path)`` or ``page.expect_problem(regex)``; the ``page``
    fixture fails the test at its end on anything left undeclared.
    """

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.expected: list[re.Pattern[str]] = []

    def add(self, problem: str) -> None:
        self.seen.append(problem)

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def expect_response(self, status: int, path: str) -> None:
        """A deliberate error response: its status line and Chromium's console line for it."""
        where = re.escape(path)
        self.expect(rf"^HTTP {status}: [A-Z]+ \S*{where}")
        self.expect(rf"^console error: Failed to load resource: .*status of {status}\b.*{where}")

    def unexpected(self) -> list[str]:
        return [p for p in self.seen if not any(e.search(p) for e in self.expected)]


# Requests that a page cancels itself when it navigates or closes a stream: not a problem.
_ABORTED = ("net::ERR_ABORTED",)


def _watch(page: Page, problems: PageProblems) -> None:
    page.on("pageerror", lambda exc: problems.add(f"uncaught exception: {exc}"))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "")
            problems.add(f"console error: {message.text} [{where}]")

    def on_failed(request: Request) -> None:
        failure = request.failure or ""
        if not any(reason in failure for reason in _ABORTED):
            problems.add(f"request failed: {request.method} {request.url} ({failure})")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            problems.add(f"HTTP {response.status}: {response.request.method} {response.url}")

    page.on("console", on_console)
    page.on("requestfailed", on_failed)
    page.on("response", on_response)


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    problems = PageProblems()
    _watch(page, problems)
    page.expect_problem = problems.expect
    page.expect_response = problems.expect_response
    page.problems = problems
    yield page
    unexpected = problems.unexpected()
    if unexpected:
        pytest.fail(
            "The page had console errors or failed requests that the test did not expect "
            "(declare deliberate ones with page.expect_response(status, path) or "
            "page.expect_problem(regex)):\n  " + "\n  ".join(unexpected[:20]),
            pytrace=False,
        )


def sign_in(page: Page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")


def header_link(page: Page, name: str):
    """A link of the site header, its menu (Corpus, the account menu) opened if it sits in one."""
    link = page.locator("header.topbar").get_by_role("link", name=name, exact=True)
    if not link.is_visible():
        menu = page.locator(
            "header.topbar [data-menu]",
            has=page.get_by_role("link", name=name, exact=True, include_hidden=True),
        )
        menu.locator("button[aria-controls]").click()
    return link


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
