"""Comments in Markdown: rendered by markdown-it-py, sanitised by nh3."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from annotations.lib.markdown import markdown_html


def test_links_emphasis_and_lists():
    html = markdown_html("**Bold**, _em_ and [NIS](https://www.nis.go.kr/).\n\n- one\n- two")
    assert html == (
        "<p><strong>Bold</strong>, <em>em</em> and "
        '<a href="https://www.nis.go.kr/" rel="noopener noreferrer nofollow">NIS</a>.</p>\n'
        "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    )


def test_plain_text_is_one_escaped_paragraph():
    assert markdown_html("A plain comment.") == "<p>A plain comment.</p>"
    assert markdown_html("  ") == ""
    assert markdown_html("3 < 4 & 5 > 2") == "<p>3 &lt; 4 &amp; 5 &gt; 2</p>"


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[x](vbscript:msgbox(1))",
        '<iframe src="https://evil.example"></iframe>',
        "![img](https://evil.example/track.png)",
        '<b onmouseover="alert(1)">b</b>',
        '[a](https://x.example "t" onmouseover="alert(1)")',
        "<!-- comment --><style>body{}</style>",
    ],
)
def test_no_raw_html_no_script_urls_no_images(attack):
    elements = _elements(markdown_html(attack))
    assert {tag for tag, _ in elements} <= {"p", "a"}
    for tag, attributes in elements:
        assert not any(name.startswith("on") for name in attributes), (attack, attributes)
        if tag == "a":
            assert attributes.get("href", "https://").startswith(("https://", "http://"))


def test_every_link_gets_rel_and_only_web_and_mail_schemes_survive():
    html = markdown_html("[w](https://a.example) [m](mailto:a@b.example) [f](ftp://a.example)")
    links = [attributes for tag, attributes in _elements(html) if tag == "a"]
    assert [link.get("href") for link in links] == [
        "https://a.example",
        "mailto:a@b.example",
        None,
    ]
    assert {link["rel"] for link in links} == {"noopener noreferrer nofollow"}


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))


def _elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    collector = _Collector()
    collector.feed(html)
    return collector.elements
