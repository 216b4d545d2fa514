"""User text: Markdown to safe HTML.

markdown-it-py's ``js-default`` preset does not pass raw HTML through; nh3 then
keeps only a short list of tags and attributes, so script never renders as
markup whatever the input.
"""

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_md = MarkdownIt("js-default", {"linkify": False, "typographer": False}).enable("table")

_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th",
    "td", "del", "s",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}, "ol": {"start"}}


def render_markdown(text: str) -> SafeString:
    """The safe HTML of ``text``. A pure function of the text, remembered for
    the texts rendered most recently: a live room shows the same proposal,
    answers and objections on every change."""
    return _render(text or "")


@lru_cache(maxsize=256)
def _render(text: str) -> SafeString:
    html = _md.render(text)
    cleaned = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 just above
