"""A web page's tree -> the blocks of its main content, site chrome left out.

A block is what a reader sees as one unit: a heading, a paragraph, a list item (with its depth),
a table cell. The page's own markup says what is chrome, never its words: elements that are
chrome by kind (scripts, styles, navigation, forms, buttons, asides, frames), by their ARIA role
(banner, navigation, search, complementary ...) or by the words of their class and id (menu,
breadcrumb, sidebar, share, print, toolbar, skip links ...), which every theme and every archive
or mirror wrapper seen uses for the same things. Comments and images carry no text here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from selectolax.lexbor import LexborHTMLParser, LexborNode

# Elements whose whole subtree is chrome or carries no text of the page.
_SKIP_TAGS = {"script", "style", "noscript", "template", "nav", "aside", "form", "button", "iframe",
              "svg", "math", "select", "input", "textarea", "object", "embed", "map", "dialog", "head",
              "footer", "img", "video", "audio", "canvas"}
_CHROME_ROLES = {"banner", "navigation", "search", "complementary", "contentinfo", "dialog", "toolbar",
                 "menu", "menubar", "alert", "tooltip"}
# Words of a class or id that mark chrome (split at '-', '_' and case changes).
_CHROME_WORDS = {
    "nav", "navbar", "navigation", "menu", "submenu", "breadcrumb", "breadcrumbs", "sidebar", "sidenav",
    "leftnav", "rightcol", "navcol", "skip", "skiplink", "skipnav", "share", "sharing", "addtoany", "a2a",
    "addthis", "print", "toolbar", "pagetools", "tools", "banner", "footer", "search", "searchform",
    "social", "translate", "skiptranslate", "tooltip", "sr", "visually", "invisible", "resources",
    "related", "sidebox", "utility", "wm", "wb", "mirror", "httrack", "eot", "archive", "messages", "pager",
    "feedback", "modal", "popup", "cookie"}
_BLOCK_TAGS = {"p", "div", "li", "dt", "dd", "td", "th", "tr", "table", "ul", "ol", "dl", "section",
               "article", "main", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "address", "pre",
               "center", "body", "hr", "figure", "figcaption", "caption", "tbody", "thead"}
_LISTS = {"ul", "ol"}
_CONTAINERS = {"body", "main", "article"}
_BOLD = {"strong", "b"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_WORD_SPLIT = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")
_SPACE_CHARS = " \t\r\n\f\u00a0\u200b"
_SPACE = re.compile(f"[{_SPACE_CHARS}]+")


@dataclass
class Block:
    text: str           # whitespace collapsed; '\n' where the page breaks the line (<br>)
    kind: str           # h1 ... h6, item or para
    depth: int = 0      # list depth of an item (0 for a top-level item)
    path: tuple[int, ...] = ()  # the elements it stands in, outermost first (their ids)
    lead: str = ""      # the bold text it opens with ('<strong>Region</strong> Asia'): a label?


def page_blocks(tree: LexborHTMLParser) -> tuple[list[Block], int | None]:
    """The blocks of the body in reading order, chrome left out, and the id of the element the
    page marks as its main content (``<main>``, ``role="main"``), if any."""
    body = tree.body
    if body is None:
        return [], None
    main = tree.css_first("main, [role=main]")
    return _Walker().walk(body), main.mem_id if main is not None else None


def inside(blocks: list[Block], element: int) -> list[Block]:
    return [b for b in blocks if element in b.path]


def common_element(blocks: list[Block]) -> int | None:
    """The innermost element that holds every one of the blocks."""
    if not blocks:
        return None
    prefix = blocks[0].path
    for b in blocks[1:]:
        n = 0
        while n < min(len(prefix), len(b.path)) and prefix[n] == b.path[n]:
            n += 1
        prefix = prefix[:n]
    return prefix[-1] if prefix else None


def is_chrome(node: LexborNode, tag: str | None = None) -> bool:
    tag = node.tag if tag is None else tag
    if tag in _SKIP_TAGS:
        return True
    attrs = node.attributes
    if not attrs:
        return False
    role, style = attrs.get("role"), attrs.get("style")
    if (role and role.lower() in _CHROME_ROLES) or attrs.get("aria-hidden") == "true":
        return True
    if "hidden" in attrs or (style and "display:none" in style.replace(" ", "").lower()):
        return True
    if tag in _CONTAINERS:
        return False    # a page's classes say what its body holds ('one-sidebar'), not what it is
    return _chrome_names(f"{attrs.get('class') or ''} {attrs.get('id') or ''}")


@lru_cache(maxsize=4096)
def _chrome_names(names: str) -> bool:
    """Whether a class and id name chrome: pages of one site repeat the same few, hence the cache."""
    return bool(names.strip()) and any(w.lower() in _CHROME_WORDS for w in _WORD_SPLIT.split(names) if w)


class _Walker:
    """Depth-first over the tree without recursion (a page may nest thousands of elements),
    from each node to its first child or its next sibling: no list of children is built."""

    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.text: list[str] = []
        self.kinds: list[tuple[str, int]] = []      # the open block elements: (kind, depth)
        self.path: list[int] = []                   # the open elements' ids
        self.depth = -1                            # list nesting
        self.bold: int | None = None               # the open bold element that opens the block
        self.blank = True                          # no text in the block yet
        self.lead = ""

    def walk(self, root: LexborNode) -> list[Block]:
        open_elements: list[tuple[LexborNode, str]] = []     # entered, not yet left
        node: LexborNode | None = root
        while node is not None:
            tag = self._enter(node)
            if tag is not None:
                child = node.first_child
                if child is not None:
                    open_elements.append((node, tag))
                    node = child
                    continue
                self._leave(tag)
            node = node.next if open_elements else None
            while node is None and open_elements:
                parent, tag = open_elements.pop()
                self._leave(tag)
                node = parent.next if open_elements else None
        self._flush()
        return self.blocks

    def _enter(self, node: LexborNode) -> str | None:
        """Take in a node; its tag where its content is to be walked."""
        tag = node.tag
        if tag == "-text":
            text = node.text_content or ""
            if text and not text.strip(_SPACE_CHARS):      # white space between elements: one run
                text = " "
            elif not text.isprintable() or "  " in text:  # holds a run to collapse (or a TAB, LF, NBSP ...)
                text = _SPACE.sub(" ", text)
            self.text.append(text)
            self.blank = self.blank and text == " "
            return None
        if tag == "br":
            self.text.append("\n")
            return None
        if tag is None or tag.startswith("-") or is_chrome(node, tag):
            return None
        if tag in _BLOCK_TAGS:
            self._flush()
            if tag in _LISTS:
                self.depth += 1
            kind = tag if tag in _HEADINGS else "item" if tag == "li" else None
            self.kinds.append((kind or (self.kinds[-1][0] if self.kinds else "para"), max(self.depth, 0)))
        mem_id = node.mem_id
        if tag in _BOLD and self.bold is None and self.blank:
            self.bold = mem_id
        self.path.append(mem_id)
        return tag

    def _leave(self, tag: str) -> None:
        if tag in _BLOCK_TAGS:
            self._flush()
            self.kinds.pop()
            if tag in _LISTS:
                self.depth -= 1
        if self.path.pop() == self.bold:
            self.lead, self.bold = _SPACE.sub(" ", "".join(self.text)).strip(), None

    def _flush(self) -> None:
        """The text gathered since the last block boundary becomes a block (of the innermost
        open block element's kind: a paragraph inside a list item is still that item)."""
        if not self.text:
            return
        joined = "".join(self.text)
        if "\n" in joined:
            text = "\n".join(line for line in map(str.strip, joined.split("\n")) if line)
        else:
            text = joined.strip()
        lead, self.lead, self.bold, self.text, self.blank = self.lead, "", None, [], True
        if text:
            kind, depth = self.kinds[-1] if self.kinds else ("para", 0)
            self.blocks.append(Block(text, kind, depth, tuple(self.path), lead))
