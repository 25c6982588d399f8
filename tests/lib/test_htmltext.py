"""Tests for annotations.lib.htmltext."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest

from annotations.lib import htmltext
from annotations.lib.htmltext import (
    ExtractionError,
    decode_html,
    extract_article,
    sanitize_html,
)

ARTICLE_PARAGRAPHS = [
    "Negotiators from four countries failed on Tuesday to agree on extending the Black Sea "
    "grain corridor, leaving shipments from Odesa in doubt for the coming season.",
    "The talks in Istanbul broke down after delegates could not settle the question of "
    "insurance for vessels sailing near the coast, according to two officials familiar "
    "with the discussions.",
    "Prices for wheat futures rose almost four percent in Chicago after the news, traders "
    "said, as importers in North Africa and the Middle East weighed their options.",
    'A spokesperson for the United Nations said the organisation remained "committed to '
    'finding a solution" and that further meetings were planned for next week in Geneva.',
]

NEWS_PAGE = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>Talks stall over grain corridor | The Daily Ledger</title>
  <meta property="og:title" content="Talks stall over Black Sea grain corridor">
  <meta property="og:site_name" content="The Daily Ledger">
  <link rel="canonical" href="https://ledger.example/world/2024/03/grain-corridor">
  <meta name="author" content="Maria Kovacs">
  <script>window.dataLayer = []; function track() {{ document.cookie = "seen=1"; }}</script>
  <style>body {{ font-family: serif; }}</style>
</head>
<body>
  <header class="site-header">
    <nav><ul>
      <li><a href="/">Home</a></li><li><a href="/world">World news</a></li>
      <li><a href="/business">Business desk</a></li><li><a href="/opinion">Opinion</a></li>
    </ul></nav>
  </header>
  <div id="cookie-banner" class="cookie-consent">
    We use cookies to improve your experience.
    <button onclick="track()">Accept all cookies</button>
  </div>
  <main>
    <article>
      <h1>Talks stall over Black Sea grain corridor</h1>
      <p class="byline">By <span class="author">Maria Kovacs</span></p>
      <time datetime="2024-03-05T14:30:00+02:00">5 March 2024</time>
      <p>{ARTICLE_PARAGRAPHS[0]}</p>
      <p>{ARTICLE_PARAGRAPHS[1]}</p>
      <p onclick="alert('owned')">{ARTICLE_PARAGRAPHS[2]}</p>
      <script>track();</script>
      <p>{ARTICLE_PARAGRAPHS[3]}</p>
      <p>Read the <a href="javascript:alert(1)">full statement</a> and the
         <a href="https://un.example/statement" onmouseover="steal()">official text</a>.</p>
      <aside class="related">
        <h3>Related stories</h3>
        <ul>
          <li><a href="/a">Shipping insurers raise premiums</a></li>
          <li><a href="/b">Read more: Harvest outlook darkens</a></li>
        </ul>
      </aside>
    </article>
  </main>
  <section class="comments">
    <h3>Comments</h3>
    <div class="comment"><p>First! This is terrible news for everyone involved.</p></div>
  </section>
  <footer><p>© 2024 The Daily Ledger. All rights reserved.</p>
    <a href="/privacy">Privacy policy</a></footer>
</body>
</html>
"""

BOILERPLATE = [
    "Home", "World news", "Business desk", "cookies", "Accept all", "Related stories",
    "Shipping insurers", "Read more", "Harvest outlook", "First!", "Comments",
    "All rights reserved", "Privacy policy", "dataLayer", "font-family", "track()",
]  # fmt: skip


@pytest.fixture(scope="module")
def news_article() -> htmltext.ExtractedArticle:
    return extract_article(NEWS_PAGE, url="https://ledger.example/world/grain?utm=x")


def test_article_text_has_the_paragraphs_in_order_one_per_line(news_article) -> None:
    lines = news_article.text.split("\n")
    assert lines[: len(ARTICLE_PARAGRAPHS)] == ARTICLE_PARAGRAPHS
    assert lines[-1] == "Read the full statement and the official text."
    assert news_article.text == news_article.text.strip()
    assert "" not in lines


@pytest.mark.parametrize("boilerplate", BOILERPLATE)
def test_article_text_leaves_out_page_boilerplate(news_article, boilerplate: str) -> None:
    assert boilerplate not in news_article.text
    assert boilerplate not in news_article.html


def test_headline_is_the_title_and_not_repeated_in_the_text(news_article) -> None:
    assert news_article.title == "Talks stall over Black Sea grain corridor"
    assert news_article.title not in news_article.text


def test_article_metadata_is_extracted(news_article) -> None:
    assert news_article.authors == ["Maria Kovacs"]
    assert news_article.site_name == "The Daily Ledger"
    assert news_article.language == "en"
    assert news_article.url == "https://ledger.example/world/2024/03/grain-corridor"


def test_published_time_keeps_the_page_offset(news_article) -> None:
    expected = datetime(2024, 3, 5, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    assert news_article.published_at == expected
    assert news_article.published_at.utcoffset() == timedelta(hours=2)


def test_published_time_without_offset_is_utc() -> None:
    page = NEWS_PAGE.replace("2024-03-05T14:30:00+02:00", "2024-03-05T14:30:00")
    published = extract_article(page).published_at
    assert published == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    assert published.utcoffset() == timedelta(0)


def test_article_html_is_sanitised(news_article) -> None:
    html = news_article.html
    for forbidden in ("<script", "onclick", "onmouseover", "javascript:", "<style", "class="):
        assert forbidden not in html
    assert html.startswith(f"<p>{ARTICLE_PARAGRAPHS[0]}</p>")
    assert (
        '<a href="https://un.example/statement" rel="noopener noreferrer nofollow">'
        "official text</a>"
    ) in html


def test_page_with_only_boilerplate_is_refused() -> None:
    page = """<html><head><title>The Daily Ledger</title></head><body>
      <header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
      <div class="cookie-banner">We use cookies to improve your experience. Accept all.</div>
      <aside class="related"><h3>Related</h3><a href="/a">Read more: markets slide</a></aside>
      <footer><p>© 2024 The Daily Ledger. All rights reserved.</p></footer>
    </body></html>"""
    with pytest.raises(ExtractionError, match="no article text found"):
        extract_article(page)


@pytest.mark.parametrize("page", ["", "   \n", "<html><body></body></html>"])
def test_empty_pages_are_refused(page: str) -> None:
    with pytest.raises(ExtractionError, match="no article text found"):
        extract_article(page)


def test_short_page_falls_back_to_body_text_without_boilerplate(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Simulate trafilatura finding nothing, which it does for very short pages.
    monkeypatch.setattr(htmltext.trafilatura, "bare_extraction", lambda *args, **kwargs: None)
    page = """<html lang="fr"><head><title>Dernière minute</title>
      <meta property="og:site_name" content="Le Quotidien"></head><body>
      <nav><a href="/">Accueil</a></nav>
      <div class="cookie-consent">Nous utilisons des cookies.</div>
      <div class="story"><h2>Cessez-le-feu annoncé</h2>
        <div>Les deux parties ont accepté une trêve de <b>72 heures</b>.</div></div>
      <script>alert(1)</script>
      <footer>Mentions légales</footer></body></html>"""
    article = extract_article(page)
    assert article.text == (
        "Cessez-le-feu annoncé\nLes deux parties ont accepté une trêve de 72 heures."
    )
    assert article.title == "Dernière minute"
    assert article.site_name == "Le Quotidien"
    assert article.language == "fr"
    assert article.html == (
        "<p>Cessez-le-feu annoncé</p><p>Les deux parties ont accepté une trêve de 72 heures.</p>"
    )


def test_plain_text_input_becomes_paragraphs() -> None:
    text = "First paragraph, hard\nwrapped over two lines.\n\n  Second paragraph.  \n"
    article = extract_article(text, url="https://wire.example/story.txt")
    assert article.text == "First paragraph, hard wrapped over two lines.\nSecond paragraph."
    assert article.url == "https://wire.example/story.txt"


def test_text_is_nfc_normalised() -> None:
    decomposed = "Cafe\u0301 owners in Mu\u0308nchen protest against the new rent rules."
    page = f"<html><body><article><p>{decomposed}</p></article></body></html>"
    text = extract_article(page).text
    assert text == unicodedata.normalize("NFC", decomposed)
    assert "Café" in text
    assert "München" in text


def test_formatting_lists_and_quotes_survive_in_html_and_text() -> None:
    page = """<html><body><article>
      <p>The minister said the plan was <em>final</em> and <strong>not negotiable</strong>,
         adding that the parliament would vote on it before the summer recess began.</p>
      <blockquote><p>We will not go back on this decision, whatever the cost.</p></blockquote>
      <ul><li>Fuel subsidies end in May</li><li>Bread prices are capped</li></ul>
      <p>Opposition leaders called the measures a betrayal of voters in rural areas and
         promised protests in the capital on Saturday morning.</p>
    </article></body></html>"""
    article = extract_article(page)
    assert article.text.split("\n") == [
        "The minister said the plan was final and not negotiable, adding that the "
        "parliament would vote on it before the summer recess began.",
        "We will not go back on this decision, whatever the cost.",
        "Fuel subsidies end in May",
        "Bread prices are capped",
        "Opposition leaders called the measures a betrayal of voters in rural areas and "
        "promised protests in the capital on Saturday morning.",
    ]
    assert "<em>final</em>" in article.html
    assert "<strong>not negotiable</strong>" in article.html
    assert "<blockquote><p>We will not go back" in article.html
    assert "<ul><li>Fuel subsidies end in May</li><li>Bread prices are capped</li></ul>" in (
        article.html
    )


# --------------------------------------------------------------------------- sanitize_html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>Hi<script>alert(1)</script></p>", "<p>Hi</p>"),
        ("<style>p{color:red}</style><p>Hi</p>", "<p>Hi</p>"),
        ('<p onclick="steal()" style="color:red" class="x">Hi</p>', "<p>Hi</p>"),
        ('<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<a href="data:text/html,<b>x</b>">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ('<img src="x" onerror="alert(1)">Text', "Text"),
        ('<iframe src="https://evil.example"></iframe>ok', "ok"),
        ("<div><span>kept text</span></div>", "kept text"),
        ('<a href="mailto:desk@ledger.example" target="_blank">mail</a>',
         '<a href="mailto:desk@ledger.example" rel="noopener noreferrer nofollow">mail</a>'),
        ('<a href="https://ledger.example/x" rel="opener">x</a>',
         '<a href="https://ledger.example/x" rel="noopener noreferrer nofollow">x</a>'),
        ('<a href="/relative">x</a>', '<a rel="noopener noreferrer nofollow">x</a>'),
        ("<h2>Head</h2><ol><li><b>b</b> <i>i</i></li></ol><br>",
         "<h2>Head</h2><ol><li><b>b</b> <i>i</i></li></ol><br>"),
        ("<p>a<!-- secret comment -->b</p>", "<p>ab</p>"),
    ],
)  # fmt: skip
def test_sanitize_html_keeps_only_safe_markup(dirty: str, clean: str) -> None:
    assert sanitize_html(dirty) == clean


def test_sanitize_html_resolves_relative_links_against_a_base() -> None:
    assert sanitize_html('<a href="/world/x">x</a>', base_url="https://ledger.example/a/b") == (
        '<a href="https://ledger.example/world/x" rel="noopener noreferrer nofollow">x</a>'
    )


# --------------------------------------------------------------------------- decoding

CYRILLIC = "Переговоры о зерновом коридоре зашли в тупик, сообщили в министерстве."  # noqa: RUF001
ARABIC = "تعثرت المحادثات حول ممر الحبوب في البحر الأسود"


def cyrillic_page(head: str = "") -> str:
    return (
        f"<html><head>{head}<title>Новости</title></head><body><article>"
        f"<p>{CYRILLIC}</p><p>{CYRILLIC} Второй абзац.</p></article></body></html>"
    )


def test_declared_charset_is_honoured() -> None:
    body = cyrillic_page().encode("windows-1251")
    assert CYRILLIC in decode_html(body, "windows-1251")


def test_meta_charset_is_used_when_nothing_is_declared() -> None:
    body = cyrillic_page('<meta charset="windows-1251">').encode("windows-1251")
    assert CYRILLIC in decode_html(body, None)


def test_meta_http_equiv_charset_wins_over_a_wrong_declared_utf8() -> None:
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">'
    body = cyrillic_page(meta).encode("windows-1251")
    assert CYRILLIC in decode_html(body, "utf-8")


def test_undeclared_bytes_default_to_utf8_with_replacement() -> None:
    body = "<p>Zürich</p>".encode() + b"\xff<p>more</p>"
    assert decode_html(body, None) == "<p>Zürich</p>\ufffd<p>more</p>"


def test_latin1_label_is_read_as_windows_1252_like_browsers_do() -> None:
    body = "<p>\u201cQuoted\u201d caf\u00e9</p>".encode("cp1252")
    assert decode_html(body, "ISO-8859-1") == "<p>\u201cQuoted\u201d caf\u00e9</p>"


def test_byte_order_mark_overrides_the_label() -> None:
    body = "\ufeff<p>Grüße</p>".encode("utf-16-le")
    assert decode_html(body, "windows-1251") == "<p>Grüße</p>"


def test_unknown_or_dangerous_charset_labels_are_ignored() -> None:
    assert decode_html("<p>ok é</p>".encode(), "no-such-charset") == "<p>ok é</p>"
    assert decode_html(b"<p>+ADw-script+AD4-</p>", "utf-7") == "<p>+ADw-script+AD4-</p>"


def test_windows_1251_page_keeps_its_cyrillic_text() -> None:
    body = cyrillic_page('<meta charset="windows-1251">').encode("windows-1251")
    article = extract_article(body)
    assert article.text.split("\n") == [CYRILLIC, f"{CYRILLIC} Второй абзац."]


def test_utf8_page_keeps_emoji_and_right_to_left_text() -> None:
    page = (
        '<html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>أخبار</title></head>'
        f"<body><article><p>{ARABIC} 🌾🚢</p><p>\u200f{ARABIC}، قال مسؤولون 👍🏽.</p>"
        "</article></body></html>"
    )
    article = extract_article(page.encode("utf-8"))
    assert article.text.split("\n") == [f"{ARABIC} 🌾🚢", f"\u200f{ARABIC}، قال مسؤولون 👍🏽."]
    assert article.language == "ar"
    assert "🌾🚢" in article.html


@pytest.mark.parametrize(
    "body",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",  # NUL bytes
        b"%PDF-1.7\n" + bytes(range(1, 256)) * 8,  # no NUL, but undecodable noise
        "<p>text</p>".encode("utf-16-le"),  # UTF-16 without BOM: NULs everywhere
    ],
)
def test_binary_content_is_refused(body: bytes) -> None:
    with pytest.raises(ExtractionError, match="binary"):
        decode_html(body, None)
    with pytest.raises(ExtractionError, match="binary"):
        extract_article(body)


def test_binary_charset_declaration_does_not_launder_binary() -> None:
    # latin-1 decodes any byte sequence; the noise check must still catch it.
    with pytest.raises(ExtractionError, match="binary"):
        decode_html(bytes(range(1, 256)) * 8, "iso-8859-1")


def test_str_input_with_nul_characters_is_refused() -> None:
    with pytest.raises(ExtractionError, match="NUL"):
        extract_article("<p>hello\x00world</p>")
