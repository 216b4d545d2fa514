"""What someone wrote is quoted in the reader's language (``|quoted``):
French pages showed English quotation marks around French answers."""

from django.template import Context, Template
from django.utils import translation

TEMPLATE = Template("{% load cercle %}{{ text|quoted }}")


def _render(text: str, language: str) -> str:
    with translation.override(language):
        return TEMPLATE.render(Context({"text": text}))


def test_english_quotes_in_english():
    assert _render("Fine by me.", "en") == "“Fine by me.”"


def test_french_guillemets_in_french():
    assert _render("Il fait beau.", "fr") == "« Il fait beau. »"


def test_the_words_are_escaped_once():
    assert _render('<b>"Tom & Jerry"</b>', "fr") == (
        "« &lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt; »"
    )
