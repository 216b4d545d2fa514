"""User text renders the same from the cache as afresh, and safely."""

from core.markdown import _render, render_markdown


def test_the_same_text_renders_once_and_the_same():
    _render.cache_clear()
    text = "**Bold** <script>alert(1)</script> [x](javascript:alert(1))"
    first = render_markdown(text)
    again = render_markdown(text)
    assert first == again
    assert "<strong>Bold</strong>" in first
    assert "<script" not in first and 'href="javascript' not in first
    info = _render.cache_info()
    assert (info.hits, info.misses) == (1, 1)


def test_none_and_empty_text_render_empty():
    assert render_markdown(None) == "" and render_markdown("") == ""
