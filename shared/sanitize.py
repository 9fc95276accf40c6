"""Mail HTML made safe to show: nh3 (the Ammonia sanitizer), with a mail-sized allow-list.

What stays: the structural and text tags mail uses (tables, lists, headings, links,
images), ``style`` attributes limited to layout and typography properties, links to
``http(s)``/``mailto`` (``rel="noopener noreferrer"`` added), images from ``http(s)``,
``cid:`` (inline attachments) and ``data:``. What goes: scripts, ``<style>``, event
handler attributes, forms, frames, objects, ``javascript:`` URLs and everything else not
listed. The page shows the result in a sandboxed frame with no script and an opaque
origin, and blocks remote images until the user asks (docs/web.md): sanitizing here is
the first of those layers, not the only one.
"""

from __future__ import annotations

from types import MappingProxyType

import nh3

TAGS = frozenset(
    {
        "a", "abbr", "address", "b", "blockquote", "br", "caption", "center", "code", "col",
        "colgroup", "dd", "del", "div", "dl", "dt", "em", "font", "h1", "h2", "h3", "h4", "h5",
        "h6", "hr", "i", "img", "ins", "li", "ol", "p", "pre", "q", "s", "small", "span",
        "strike", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
        "u", "ul",
    }
)  # fmt: skip
_COMMON = frozenset({"style", "align", "dir", "title", "lang"})
ATTRIBUTES = MappingProxyType(
    {
        "*": _COMMON,
        "a": frozenset({"href", "name", "target"}),
        "img": frozenset({"src", "alt", "width", "height", "border"}),
        "font": frozenset({"color", "face", "size"}),
        "table": frozenset({"width", "border", "cellpadding", "cellspacing", "bgcolor"}),
        "td": frozenset({"width", "height", "colspan", "rowspan", "valign", "bgcolor", "nowrap"}),
        "th": frozenset({"width", "height", "colspan", "rowspan", "valign", "bgcolor", "nowrap"}),
        "tr": frozenset({"valign", "bgcolor"}),
        "col": frozenset({"width", "span"}),
        "ol": frozenset({"start", "type"}),
    }
)
STYLE_PROPERTIES = frozenset(
    {
        "background-color", "border", "border-bottom", "border-collapse", "border-color",
        "border-left", "border-right", "border-spacing", "border-style", "border-top",
        "border-width", "color", "display", "font", "font-family", "font-size", "font-style",
        "font-weight", "height", "letter-spacing", "line-height", "list-style-type", "margin",
        "margin-bottom", "margin-left", "margin-right", "margin-top", "max-width", "min-width",
        "padding", "padding-bottom", "padding-left", "padding-right", "padding-top",
        "text-align", "text-decoration", "text-indent", "text-transform", "vertical-align",
        "white-space", "width", "word-break",
    }
)  # fmt: skip
URL_SCHEMES = frozenset({"http", "https", "mailto", "cid", "data"})


def sanitize_html(html: str) -> str:
    """``html`` with everything that could run, submit, frame or restyle the page removed."""
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        filter_style_properties=set(STYLE_PROPERTIES),
        strip_comments=True,
    )


def mail_body(content: str, content_type: str) -> tuple[str, str]:
    """``(contentType, content)`` as the API answers it: HTML sanitized, text as is."""
    if content_type.lower() == "html":
        return "html", sanitize_html(content)
    return "text", content
