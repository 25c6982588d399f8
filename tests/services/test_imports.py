from __future__ import annotations

import json
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from annotations.models import Annotation, Article, ArticleRevision
from annotations.services.annotations import annotation_create
from annotations.services.imports import import_html, import_jsonl, import_text, import_url

PAGE = """<!doctype html><html lang="en"><head>
<title>Kirby: North Korean troops in Kursk | Daily Wire</title>
<meta property="og:title" content="Kirby: North Korean troops in Kursk">
<meta property="og:site_name" content="Daily Wire">
<meta name="author" content="Mara Lindqvist">
<meta property="article:published_time" content="2024-11-01T09:30:00+02:00">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<div class="cookie-banner">We use cookies. Accept all?</div>
<article><h1>Kirby: North Korean troops in Kursk</h1>
<p>White House national security spokesman John Kirby said the United States believes at least
8,000 North Korean troops are now in the Kursk region of Russia.</p>
<p>South Korea's intelligence service said some of the soldiers belong to an elite unit known as
the Storm Corps, and that they were issued Russian uniforms before they moved west.</p>
<p>Russian President Vladimir Putin did not deny the reports when asked about them in Kazan.</p>
<script>track("pageview")</script>
</article>
<aside class="related"><a href="/x">Read more: ten things about tanks</a></aside>
<footer>Copyright Daily Wire</footer></body></html>"""


def _lines(*records: object) -> list[bytes]:
    return [(r if isinstance(r, str) else json.dumps(r)).encode() for r in records]


def test_import_text_is_idempotent_by_url_and_by_text(team_a, alice):
    first, created = import_text(
        team=team_a, user=alice, text="Kirby said so.", url="https://n.example/1"
    )
    assert created
    again, created_again = import_text(
        team=team_a, user=alice, text="Other text", url="https://n.example/1"
    )
    assert (again, created_again) == (first, False)
    same_text, created_text = import_text(team=team_a, user=alice, text="Kirby said so.\r\n")
    assert (same_text, created_text) == (first, False)
    assert Article.objects.count() == 1


def test_import_text_bad_date_is_a_field_error(team_a, alice):
    with pytest.raises(ValidationError) as excinfo:
        import_text(team=team_a, user=alice, text="x", published_at="yesterday-ish")
    assert "published_at" in excinfo.value.message_dict
    assert not Article.objects.exists()


def test_viewer_and_outsider_cannot_import(team_a, bob, carol):
    for user in (bob, carol):
        with pytest.raises(PermissionDenied):
            import_text(team=team_a, user=user, text="x")


def test_import_html_extracts_main_text_and_metadata(team_a, alice):
    article, created = import_html(
        team=team_a, user=alice, html=PAGE, url="https://dailywire.example/kirby"
    )
    assert created
    assert "John Kirby said the United States believes" in article.text
    assert "Storm Corps" in article.text
    for boilerplate in ("cookies", "Read more", "Copyright", "pageview", "Home"):
        assert boilerplate not in article.text
    assert article.title == "Kirby: North Korean troops in Kursk"
    assert article.authors == ["Mara Lindqvist"]
    assert article.outlet.name == "Daily Wire"
    article.refresh_from_db()
    assert article.published_at.isoformat() == "2024-11-01T07:30:00+00:00"


def test_import_html_without_article_text_is_a_field_error(team_a, alice):
    with pytest.raises(ValidationError) as excinfo:
        import_html(team=team_a, user=alice, html="<html><body><script>x()</script></body></html>")
    assert "html" in excinfo.value.message_dict
    assert not Article.objects.exists()


def test_import_html_refuses_binary(team_a, alice):
    with pytest.raises(ValidationError) as excinfo:
        import_html(team=team_a, user=alice, html=b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50)
    assert "html" in excinfo.value.message_dict


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/admin/",
        "http://localhost/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/",
        "http://[::ffff:127.0.0.1]/",
        "http://[64:ff9b::7f00:1]/",
        "http://2130706433/",
        "ftp://example.org/x",
        "file:///etc/passwd",
    ],
)
def test_import_url_refuses_private_and_non_http_targets(team_a, alice, url):
    with pytest.raises(ValidationError) as excinfo:
        import_url(team=team_a, user=alice, url=url)
    assert "url" in excinfo.value.message_dict
    assert not Article.objects.exists()


def test_import_url_imports_a_page_through_the_safe_fetcher(team_a, alice, settings):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = PAGE.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    settings.URLFETCH_ALLOW_LOOPBACK = True  # the explicit test setting production refuses
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://news.example:{server.server_port}/kirby"
        article, created = import_url(
            team=team_a,
            user=alice,
            url=url,
            resolver=lambda host, port: ["127.0.0.1"],
        )
        settings.URLFETCH_ALLOW_LOOPBACK = False  # the same fetch, without the test setting
        with pytest.raises(ValidationError) as refused:
            import_url(
                team=team_a,
                user=alice,
                url=url + "?again",
                resolver=lambda host, port: ["127.0.0.1"],
            )
    finally:
        server.shutdown()
    assert created
    assert article.url == url
    assert "Storm Corps" in article.text
    assert "not a public address" in refused.value.message_dict["url"][0]


def test_jsonl_bad_lines_are_reported_and_the_rest_goes_on(team_a, alice):
    lines = [
        *_lines(
            {
                "title": "Good one",
                "text": "Kirby said the troops moved.",
                "url": "https://n.example/a",
            },
            "{not json",
            {"title": "No text"},
            {"text": "   "},
            {"text": "Dated", "published_at": "31/31/2024"},
            ["a", "list"],
            {"text": "x", "colour": "red"},
            {"text": "y" * 1_000_001},
            {"title": "Good two", "text": "Putin said nothing.", "published_at": "2024-10-25"},
        ),
        b"\xff\xfe\x00binary",
    ]
    report = import_jsonl(team=team_a, user=alice, lines=lines, analyze=False)
    assert len(report.created) == 2
    errors = {e["line"]: e["message"] for e in report.errors}
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8, 10}
    assert "malformed JSON" in errors[2]
    assert errors[3].startswith("text")
    assert "empty" in errors[4]
    assert errors[5].startswith("published_at")
    assert "JSON object" in errors[6]
    assert "colour" in errors[7]
    assert "limit" in errors[8]
    assert "UTF-8" in errors[10]
    dated = Article.objects.get(title="Good two")
    assert dated.published_at.isoformat() == "2024-10-25T00:00:00+00:00"
    assert ArticleRevision.objects.count() == 2


def test_jsonl_reimport_creates_nothing_and_keeps_annotations(team_a, alice):
    lines = _lines(
        {"text": "Kirby said the troops moved by ship.", "url": "https://n.example/a"},
        {"text": "Putin said images reflect something."},
    )
    import_jsonl(team=team_a, user=alice, lines=lines, analyze=False)
    article = Article.objects.get(url="https://n.example/a")
    annotation = annotation_create(article=article, author=alice, start=0, end=5)
    report = import_jsonl(team=team_a, user=alice, lines=lines, analyze=False)
    assert report.created == []
    assert report.duplicates == 2
    assert Article.objects.count() == 2
    annotation.refresh_from_db()
    assert (annotation.start, annotation.end, annotation.version) == (0, 5, 1)
    assert Annotation.objects.count() == 1


def test_jsonl_duplicate_lines_within_a_file_are_reported(team_a, alice):
    lines = _lines({"text": "Same text"}, {"text": "Same text"})
    report = import_jsonl(team=team_a, user=alice, lines=lines, analyze=False)
    assert len(report.created) == 1
    assert report.errors == [{"line": 2, "message": "duplicate of line 1 in this file"}]


def test_import_articles_command_reports_bad_lines_and_exits_nonzero_when_nothing_imports(
    team_a, tmp_path: Path
):
    good = tmp_path / "good.jsonl"
    good.write_text(json.dumps({"text": "Kirby said so."}) + "\n{oops\n")
    out, err = StringIO(), StringIO()
    call_command("import_articles", str(good), team="desk-a", analyze="no", stdout=out, stderr=err)
    assert "1 imported" in out.getvalue()
    assert "line 2: malformed JSON" in err.getvalue()

    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops\n")
    with pytest.raises(CommandError, match="No line could be imported"):
        call_command(
            "import_articles",
            str(bad),
            team="desk-a",
            analyze="no",
            stdout=StringIO(),
            stderr=StringIO(),
        )

    binary = tmp_path / "model.bin"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(CommandError, match="binary"):
        call_command("import_articles", str(binary), team="desk-a", stdout=StringIO())

    with pytest.raises(CommandError, match="No team"):
        call_command("import_articles", str(good), team="nope", stdout=StringIO())


def test_jsonl_lines_nested_too_deeply_or_with_overlong_numbers_are_reported(team_a, alice):
    lines = [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"text": "A long number", "title": ' + b"9" * 5000 + b"}",
        *_lines({"text": "Kirby said the troops moved."}),
    ]
    report = import_jsonl(team=team_a, user=alice, lines=lines, analyze=False)
    assert report.errors == [
        {"line": 1, "message": "JSON nested too deeply"},
        {"line": 2, "message": "a number has more than 4300 digits"},
    ]
    assert list(Article.objects.values_list("text", flat=True)) == ["Kirby said the troops moved."]


def test_jsonl_first_line_after_a_byte_order_mark_is_imported(team_a, alice):
    lines = [b"\xef\xbb\xbf" + _lines({"text": "Saved by a spreadsheet."})[0], b"\n"]
    report = import_jsonl(team=team_a, user=alice, lines=lines, analyze=False)
    assert (len(report.created), report.errors) == (1, [])


def test_jsonl_lines_given_as_text_are_bounded_too(team_a, alice):
    padded = json.dumps({"text": "Padded."}) + " " * (4 * 1024 * 1024)
    report = import_jsonl(team=team_a, user=alice, lines=[padded], analyze=False)
    assert report.errors == [{"line": 1, "message": "the line is over 4 MB"}]
    assert not Article.objects.exists()


def test_a_utf16_jsonl_file_is_refused_whole_naming_file(team_a, alice, monkeypatch):
    utf16 = (json.dumps({"text": "Kirby said so."}) + "\n").encode("utf-16")
    with pytest.raises(ValidationError) as excinfo:
        import_jsonl(team=team_a, user=alice, lines=[utf16], analyze=False)
    assert excinfo.value.message_dict == {"file": ["The file is UTF-16 text; save it as UTF-8."]}

    class Stdin:
        buffer = BytesIO(utf16)

    monkeypatch.setattr("sys.stdin", Stdin)
    with pytest.raises(CommandError, match=r"^-: The file is UTF-16 text; save it as UTF-8\.$"):
        call_command("import_articles", "-", team="desk-a", analyze="no", stdout=StringIO())
    assert not Article.objects.exists()
