"""User Markdown renders as safe HTML: no script, no event handler, no javascript: link."""

from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from hypothesis import given, settings
from hypothesis import strategies as st

from core.markdown import render_markdown

DANGEROUS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    '<a href="#" onclick="alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](  javascript:alert(1))",
    "[click](java&#115;cript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.test"></iframe>',
    "<svg onload=alert(1)>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<a href='javascript:alert(1)'>x</a>",
]


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_harmless(html: str) -> None:
    for tag, attrs in Elements(html).elements:
        assert tag not in {"script", "iframe", "svg", "img", "style", "object", "embed"}, tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert name != "style", tag
            if name in {"href", "src"}:
                scheme = (value or "").strip().lower().split(":", 1)
                if len(scheme) == 2:
                    assert scheme[0] in {"http", "https", "mailto"}, value


class TestMarkdown:
    def test_it_renders_ordinary_markdown(self):
        html = render_markdown("# Aim\n\n**Consent** to _this_ and [read](https://example.org).")
        assert "<h1>Aim</h1>" in html
        assert "<strong>Consent</strong>" in html
        assert "<em>this</em>" in html
        assert 'href="https://example.org"' in html
        assert 'rel="noopener noreferrer nofollow"' in html

    @pytest.mark.parametrize("source", DANGEROUS)
    def test_it_strips_what_could_run(self, source):
        assert_harmless(render_markdown(source))

    def test_it_keeps_no_javascript_link(self):
        html = render_markdown("[click](javascript:alert(1))")
        assert "href" not in html

    def test_it_shows_raw_html_as_text(self):
        html = render_markdown("<b>bold?</b> <script>x</script>")
        assert "&lt;b&gt;" in html
        assert "&lt;script&gt;" in html
        assert [tag for tag, _ in Elements(html).elements] == ["p"]

    def test_it_renders_nothing_for_nothing(self):
        assert render_markdown("") == ""
        assert render_markdown(None) == ""

    def test_the_template_filter_uses_it(self):
        out = Template("{% load cercle %}{{ text|markdown }}").render(
            Context({"text": "<script>x</script> *ok*"})
        )
        assert "<script" not in out
        assert "<em>ok</em>" in out

    @settings(max_examples=300, deadline=None)
    @given(
        st.text(
            alphabet=st.sampled_from(list("<>\"'=/:[]()! ajvscriptonerldhf*_`#&;\n")), max_size=80
        )
    )
    def test_it_never_outputs_anything_that_runs(self, text):
        assert_harmless(render_markdown(text))
