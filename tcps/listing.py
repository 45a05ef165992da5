"""Read one page of the ILAB projects listing: its project links and the address of the next page.

Nothing here knows the listing's table, column names or class names: the site has been redesigned
several times, so a project link is found generically. It is a link

- in the page's main content (``<main>`` or ``role="main"``; the whole page where it has none),
- outside navigation, the site's header and footer, sidebars, menus, breadcrumbs, pagers and
  filters (by element, ARIA role, or a class or id word such as ``pager`` or ``menu``),
- to a page on the listing's own site under the listing's folder (for
  ``https://www.dol.gov/agencies/ilab/projects``, under ``/agencies/ilab/``), without a query
  (a link with one is a pager, filter or sort link) and not to a document such as a PDF.

The next page is the one a ``rel="next"`` link names, else the link to ``?page=N+1`` where this
page is ``?page=N`` (no ``page`` parameter: page 0, as Drupal numbers them).
"""
from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import parse_qs, urldefrag, urlencode, urljoin, urlsplit

from tcps.parse.page import VOID_ELEMENTS

# Elements and ARIA roles whose links are furniture, never a project.
# A header or footer inside the main content is an article's (a project card's title), not the site's.
_FURNITURE_TAGS = {"nav", "aside"}
_SITE_TAGS = {"header", "footer"}
_FURNITURE_ROLES = {"navigation", "search", "banner", "contentinfo", "complementary", "menu",
                    "menubar"}
# Words of a class or id that mark furniture (split on spaces, '-' and '_').
_FURNITURE_WORDS = {"nav", "navigation", "menu", "pager", "pagination", "breadcrumb",
                    "breadcrumbs", "filter", "filters", "sidebar", "tabs", "toolbar"}
_WORDS = re.compile(r"[\s_-]+")
_PAGE_SUFFIXES = {"", ".htm", ".html"}


@dataclass(frozen=True)
class ListingPage:
    """What one listing page gives: its project addresses in page order, and the next page."""

    projects: list[str]
    next_url: str | None


def scope_of(listing_url: str) -> str:
    """The folder a project page must be under: the listing's parent folder ("/agencies/ilab/")."""
    return posixpath.dirname(urlsplit(listing_url).path.rstrip("/")).rstrip("/") + "/"


def read_listing(html: str, url: str) -> ListingPage:
    """The project links and the next page of the listing page ``html`` found at ``url``."""
    links = _LinkFinder()
    links.feed(html)
    links.close()
    projects = []
    for href in links.content:
        address = urldefrag(urljoin(url, href)).url
        if is_project_address(address, url) and address not in projects:
            projects.append(address)
    return ListingPage(projects, _next_page(url, links))


def is_project_address(address: str, listing_url: str) -> bool:
    """Whether ``address`` may be a project page of the listing at ``listing_url``."""
    target, listing = urlsplit(address), urlsplit(listing_url)
    scope = scope_of(listing_url)
    return (target.scheme in ("http", "https") and target.netloc == listing.netloc
            and not target.query and target.path.startswith(scope) and len(target.path) > len(scope)
            and target.path.rstrip("/") != listing.path.rstrip("/")
            and posixpath.splitext(target.path)[1].lower() in _PAGE_SUFFIXES)


def _next_page(url: str, links: _LinkFinder) -> str | None:
    candidates = [urljoin(url, href) for href in links.next_links]
    if not candidates:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        number = query.get("page", ["0"])[0]
        wanted = dict(query, page=[str(int(number) + 1 if number.isdigit() else 1)])
        following = parts._replace(query=urlencode(wanted, doseq=True)).geturl()
        candidates = [address for address in (urljoin(url, href) for href in links.all)
                      if _same_page(address, following)]
    same_site = [c for c in candidates if urlsplit(c).netloc == urlsplit(url).netloc]
    return urldefrag(same_site[0]).url if same_site else None


def _same_page(a: str, b: str) -> bool:
    """Same address but for the order of the query's parameters."""
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.netloc, pa.path, parse_qs(pa.query)) == (pb.netloc, pb.path, parse_qs(pb.query))


class _LinkFinder(HTMLParser):
    """Collects every link, the links of the main content outside furniture, and rel=next links.

    Keeps a stack of open elements, each with whether it is inside main content and inside
    furniture; an end tag closes everything opened since its start tag (how browsers recover
    from an unclosed <li> or <p>), and a stray end tag closes nothing."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.all: list[str] = []
        self.content: list[str] = []
        self.next_links: list[str] = []
        self._stack: list[tuple[str, bool, bool]] = []  # (tag, in main, in furniture)
        self._saw_main = False
        self._outside_main: list[str] = []  # content links seen before any <main>

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        in_main, in_furniture = self._stack[-1][1:] if self._stack else (False, False)
        href = attributes.get("href")
        if href and tag in ("a", "link"):
            self._link(tag, href, attributes.get("rel", ""), in_main, in_furniture)
        if tag in VOID_ELEMENTS:
            return
        if tag == "main" or attributes.get("role") == "main":
            in_main, self._saw_main = True, True
        furniture = _is_furniture(tag, attributes) or (tag in _SITE_TAGS and not in_main)
        self._stack.append((tag, in_main, in_furniture or furniture))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._stack) - 1, -1, -1):
            if self._stack[depth][0] == tag:
                del self._stack[depth:]
                return

    def close(self) -> None:
        super().close()
        if not self._saw_main:  # no main content marked: the whole page, furniture aside
            self.content = self._outside_main

    def _link(self, tag: str, href: str, rel: str, in_main: bool, in_furniture: bool) -> None:
        if "next" in rel.lower().split():
            self.next_links.append(href)
        if tag != "a":
            return
        self.all.append(href)
        if not in_furniture:
            (self.content if in_main else self._outside_main).append(href)


def _is_furniture(tag: str, attributes: dict[str, str]) -> bool:
    words = set(_WORDS.split(f"{attributes.get('class', '')} {attributes.get('id', '')}".lower()))
    return (tag in _FURNITURE_TAGS or attributes.get("role", "").lower() in _FURNITURE_ROLES
            or bool(words & _FURNITURE_WORDS))
