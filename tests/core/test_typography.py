"""Quotation marks and colons as the reader's language writes them
(``|quoted``, ``|colon``): French pages showed English quotation marks
around French answers, and labels like "Par:" with no space before the
colon."""

from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template("{% load cercle %}{{ text|quoted }}")
LABEL = Template('{% load cercle %}{{ _("By")|colon }} {{ name|colon }}{{ ""|colon }}')


def _render(text: str, language: str, template=TEMPLATE) -> str:
    with translation.override(language):
        return template.render(Context({"text": text, "name": "Ana & Bo"}))


def test_english_quotes_in_english():
    assert _render("Fine by me.", "en") == "“Fine by me.”"


def test_french_guillemets_in_french():
    assert _render("Il fait beau.", "fr") == "« Il fait beau. »"


def test_the_words_are_escaped_once():
    assert _render('<b>"Tom & Jerry"</b>', "fr") == (
        "« &lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt; »"
    )


def test_a_label_and_its_colon_in_english():
    assert _render("", "en", LABEL) == "By: Ana &amp; Bo::"


def test_a_label_and_its_colon_in_french_with_a_no_break_space():
    assert _render("", "fr", LABEL) == "Par\u00a0: Ana &amp; Bo\u00a0:\u00a0:"
