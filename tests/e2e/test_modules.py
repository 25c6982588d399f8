"""The pages' shared modules driven directly in Chromium: api.js (the one fetch wrapper) and
dom.js (the one element builder). The server's answers are staged with page.route, so each
test sees exactly what the module sends and how it reads every kind of answer."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.templatetags.static import static
from playwright.sync_api import Page, Route

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UNREACHABLE = "The server could not be reached. Check your connection and try again."

# Calls api() and returns its answer, or the error it threw as plain data.
CALL = """async ([method, url, options]) => {
  const { api, ApiError } = await import(window.modules.api);
  if (options.formData) {
    const form = new FormData();
    for (const [key, value] of Object.entries(options.formData)) form.append(key, value);
    options = { ...options, form, formData: undefined };
  }
  try {
    const { data, status, etag } = await api(method, url, options);
    return { ok: true, data, status, etag };
  } catch (error) {
    return {
      ok: false, isApiError: error instanceof ApiError, name: error.name, status: error.status,
      code: error.code, message: error.message, errors: error.errors, body: error.body,
      describe: error instanceof ApiError ? error.describe() : null,
    };
  }
}"""


@pytest.fixture
def module_page(page: Page, live_server) -> Page:
    # The sign-in page: a page of the site (same origin, the CSRF cookie and a form token).
    page.goto(f"{live_server.url}/login/")
    # Every /api/probe/ answer is staged by the test, errors included.
    page.expect_problem(r"/api/probe/")
    page.evaluate(
        "urls => { window.modules = urls; }",
        {"api": static("annotations/api.js"), "dom": static("annotations/dom.js")},
    )
    return page


def _stage(page: Page, live_server, answer: dict[str, Any]) -> list[dict[str, Any]]:
    """Answer every /api/probe/ request with `answer`; return the requests as they arrive."""
    seen: list[dict[str, Any]] = []

    def handle(route: Route) -> None:
        request = route.request
        seen.append(
            {
                "method": request.method,
                "headers": request.all_headers(),
                "body": request.post_data_buffer,
            }
        )
        if answer.get("abort"):
            route.abort()
        else:
            route.fulfill(**answer)

    page.route(f"{live_server.url}/api/probe/**", handle)
    return seen


def _call(page: Page, live_server, method: str, options: dict[str, Any] | None = None):
    return page.evaluate(CALL, [method, f"{live_server.url}/api/probe/1/", options or {}])


def test_api_sends_json_with_csrf_if_match_and_idempotency_key(module_page, live_server):
    seen = _stage(
        module_page,
        live_server,
        {
            "status": 201,
            "headers": {"ETag": 'W/"5"'},
            "content_type": "application/json",
            "body": json.dumps({"id": 1, "comment": "<b>x</b>"}),
        },
    )
    got = _call(
        module_page,
        live_server,
        "POST",
        {"body": {"comment": "hi"}, "ifMatch": 4, "idempotencyKey": "key-1"},
    )
    assert got == {"ok": True, "data": {"id": 1, "comment": "<b>x</b>"}, "status": 201, "etag": 5}
    headers = seen[0]["headers"]
    cookie = {c["name"]: c["value"] for c in module_page.context.cookies()}["csrftoken"]
    assert headers["x-csrftoken"] == cookie
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["if-match"] == '"4"'
    assert headers["idempotency-key"] == "key-1"
    assert json.loads(seen[0]["body"]) == {"comment": "hi"}


def test_api_get_sends_no_csrf_header_and_no_body(module_page, live_server):
    seen = _stage(
        module_page, live_server, {"status": 200, "content_type": "application/json", "body": "[]"}
    )
    got = _call(module_page, live_server, "GET")
    assert got == {"ok": True, "data": [], "status": 200, "etag": None}
    assert "x-csrftoken" not in seen[0]["headers"]
    assert "if-match" not in seen[0]["headers"]
    assert "idempotency-key" not in seen[0]["headers"]
    assert seen[0]["body"] is None


def test_api_uploads_form_data_with_the_form_token_when_there_is_no_cookie(
    module_page, live_server
):
    token = module_page.locator("input[name=csrfmiddlewaretoken]").input_value()
    module_page.context.clear_cookies()
    seen = _stage(module_page, live_server, {"status": 204})
    got = _call(
        module_page, live_server, "POST", {"formData": {"team": "3", "url": "https://e.org"}}
    )
    assert got == {"ok": True, "data": None, "status": 204, "etag": None}
    headers = seen[0]["headers"]
    assert headers["x-csrftoken"] == token
    # The browser writes the multipart type with its boundary; api() must not set JSON's.
    assert headers["content-type"].startswith("multipart/form-data; boundary=")
    assert b'name="team"\r\n\r\n3\r\n' in seen[0]["body"]


def test_api_field_errors_become_an_api_error(module_page, live_server):
    body = {
        "status": 400,
        "code": "invalid",
        "detail": "Invalid input.",
        "errors": {"url": ["Local addresses are not fetched."], "non_field_errors": ["Too late."]},
    }
    _stage(
        module_page,
        live_server,
        {"status": 400, "content_type": "application/json", "body": json.dumps(body)},
    )
    got = _call(module_page, live_server, "POST", {"body": {}})
    assert got["isApiError"]
    assert got["name"] == "ApiError"
    assert (got["status"], got["code"], got["message"]) == (400, "invalid", "Invalid input.")
    assert got["errors"] == body["errors"]
    assert got["body"] == body
    assert got["describe"] == "url: Local addresses are not fetched. Too late."


def test_api_stale_if_match_is_a_412_api_error(module_page, live_server):
    body = {
        "status": 412,
        "code": "precondition_failed",
        "detail": "This was changed by someone else; reload it and apply your change again.",
        "errors": {},
        "current_version": 7,
    }
    _stage(
        module_page,
        live_server,
        {"status": 412, "content_type": "application/json", "body": json.dumps(body)},
    )
    got = _call(module_page, live_server, "PATCH", {"body": {"comment": "x"}, "ifMatch": 6})
    assert got["isApiError"]
    assert (got["status"], got["code"]) == (412, "precondition_failed")
    assert got["message"] == body["detail"]
    assert got["describe"] == body["detail"]
    assert got["body"]["current_version"] == 7


def test_api_error_pages_that_are_not_json(module_page, live_server):
    _stage(
        module_page,
        live_server,
        {"status": 502, "content_type": "text/html", "body": "<h1>Bad Gateway</h1>"},
    )
    got = _call(module_page, live_server, "POST", {"body": {}})
    # A proxy's markup is not a message: the status is.
    assert (got["isApiError"], got["status"], got["code"]) == (True, 502, "error")
    assert got["message"] == "The server answered 502."
    assert got["errors"] == {}
    module_page.unroute(f"{live_server.url}/api/probe/**")
    _stage(
        module_page,
        live_server,
        {"status": 413, "content_type": "text/plain", "body": "The request body is too large.\n"},
    )
    got = _call(module_page, live_server, "POST", {"body": {}})
    assert (got["status"], got["message"]) == (413, "The request body is too large.")


def test_api_unreachable_server_and_aborted_request(module_page, live_server):
    _stage(module_page, live_server, {"abort": True})
    got = _call(module_page, live_server, "GET")
    assert (got["isApiError"], got["status"], got["message"]) == (True, 0, UNREACHABLE)
    # An abort by the caller is not a server failure: it comes back as the AbortError.
    aborted = module_page.evaluate(
        """async (url) => {
          const { api, ApiError } = await import(window.modules.api);
          const controller = new AbortController();
          controller.abort();
          try { await api("GET", url, { signal: controller.signal }); return "answered"; }
          catch (error) { return [error.name, error instanceof ApiError]; }
        }""",
        f"{live_server.url}/api/probe/2/",
    )
    assert aborted == ["AbortError", False]


def test_el_writes_text_as_text_and_follows_one_attribute_rule(module_page):
    got = module_page.evaluate(
        """async () => {
          const { el } = await import(window.modules.dom);
          let clicks = 0;
          const user = '<img src=x onerror="window.hacked=1">';
          const button = el("button", {
            type: "button", class: "entity", text: user, title: "Highlight",
            "data-entity": 7, dataset: { kind: "GPE" }, "aria-pressed": false, "aria-label": "Kyiv",
            onclick: () => { clicks += 1; }, disabled: false, hidden: null,
          });
          button.click();
          const box = el("input", {
            type: "checkbox", checked: true, list: "names", tabindex: 0, "aria-hidden": true,
          });
          const list = el(
            "ol", { reversed: true }, "a ", 0, null, undefined, false, user, el("li", { text: 5 }),
          );
          const label = el("label", { for: "x", role: "note" });
          return {
            button: button.outerHTML, clicks, box: box.outerHTML, checked: box.checked,
            list: list.outerHTML, texts: [...list.childNodes].map((n) => n.nodeType),
            label: label.outerHTML, hacked: window.hacked ?? null,
          };
        }"""
    )
    assert got["button"] == (
        '<button type="button" class="entity" title="Highlight" data-entity="7" data-kind="GPE" '
        'aria-pressed="false" aria-label="Kyiv">'
        '&lt;img src=x onerror="window.hacked=1"&gt;</button>'
    )
    assert got["clicks"] == 1
    assert got["box"] == '<input type="checkbox" list="names" tabindex="0" aria-hidden="true">'
    assert got["checked"] is True
    assert got["list"] == (
        '<ol reversed="">a 0&lt;img src=x onerror="window.hacked=1"&gt;<li>5</li></ol>'
    )
    assert got["texts"] == [3, 3, 3, 1]  # strings and numbers as text nodes, then the element
    assert got["label"] == '<label for="x" role="note"></label>'
    assert got["hacked"] is None
