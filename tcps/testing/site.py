"""A fixture ILAB site on 127.0.0.1, for ``tcps fetch``'s tests and benchmark: no network.

It serves a paginated projects listing (built from a saved listing page: its chrome, menus and
filters kept, its table rows and pager replaced), project pages with ETag and Last-Modified that
answer conditional requests with 304, robots.txt, redirects, and on demand, request by request,
the faults a real site shows: 500, 429 with Retry-After, an answer slower than the client's
timeout, a reset connection, a body shorter than its Content-Length, a "Page not found" served
with status 200. Every request is logged with its headers.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tcps.parse import parse_bytes

LISTING_PATH = "/agencies/ilab/projects"
FAULTS = ("500", "429", "slow", "reset", "short", "soft404")
_ERROR_ANSWERS: dict[str, tuple[int, bytes, dict[str, str]]] = {
    "500": (500, b"<html><body><h1>Internal Server Error</h1></body></html>", {}),
    "429": (429, b"Too Many Requests", {"Retry-After": "1"})}


def dev_pages(folder: Path) -> list[tuple[bytes, bytes]]:
    """(page, title) for the saved project pages of ``folder`` (each beside its gold record) whose
    title a prefix changes: ``numbered_page`` then makes as many distinct projects as needed."""
    found = []
    for gold in sorted(folder.glob("*.json")):
        page = gold.with_suffix(".html")
        if not page.exists():
            continue
        data, title = page.read_bytes(), json.loads(gold.read_bytes())["title"]
        if parse_bytes(_prefixed(data, title.encode(), 0)).title == f"Batch 0: {title}":
            found.append((data, title.encode()))
    return found


def numbered_page(pages: list[tuple[bytes, bytes]], number: int) -> bytes:
    """Project page ``number``: a dev page whose title starts with ``Batch <number>:``."""
    data, title = pages[number % len(pages)]
    return _prefixed(data, title, number)


def _prefixed(data: bytes, title: bytes, number: int) -> bytes:
    return data.replace(title, b"Batch %d: %s" % (number, title))


@dataclass
class Logged:
    """One request the site received."""

    path: str
    headers: dict[str, str]
    at: float


@dataclass
class Project:
    path: str
    title: str
    body: bytes
    modified: float = field(default_factory=time.time)


class FixtureSite:
    """The site's content and behaviour, changed by tests while it runs."""

    def __init__(self, listing_template: str, not_found: bytes, per_page: int = 20):
        self.listing_template = listing_template
        self.not_found = not_found
        self.per_page = per_page
        self.projects: dict[str, Project] = {}   # path -> project, in listing order
        self.robots = "User-agent: *\nDisallow:\n"
        self.redirects: dict[str, str] = {}      # path -> path it redirects to
        self.faults: dict[str, list[str]] = {}   # path -> faults for its next requests
        self.rel_next = True                     # pager with rel="next", else numbers only
        self.slow_seconds = 1.0
        self.started = time.time()                # the listing's Last-Modified
        self.log: list[Logged] = []
        self._server: ThreadingHTTPServer | None = None

    # --- content ----------------------------------------------------------------------------

    def add(self, slug: str, title: str, body: bytes) -> Project:
        project = Project(f"/agencies/ilab/{slug}", title, body)
        self.projects[project.path] = project
        return project

    def change(self, path: str, body: bytes) -> None:
        self.projects[path].body = body
        self.projects[path].modified = time.time() + 1  # a later second than the first copy

    def fail(self, path: str, *faults: str) -> None:
        """Answer the next requests for ``path`` (with its query, if any) with these faults, one
        per request."""
        assert all(f in FAULTS for f in faults), faults
        self.faults.setdefault(path, []).extend(faults)

    def url(self, path: str = LISTING_PATH) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def requests_for(self, path: str) -> list[Logged]:
        return [r for r in self.log if r.path == path]

    def listing(self, page: int) -> bytes | None:
        """Listing page ``page`` (from 0, as Drupal numbers them); None past the last."""
        projects = list(self.projects.values())
        pages = max(1, -(-len(projects) // self.per_page))
        if page >= pages:
            return None
        rows = "".join(
            f'<tr><td class="views-field views-field-title"><a href="{p.path}" hreflang="en">'
            f'{html.escape(p.title)}</a></td><td>Somewhere</td><td>Someone</td><td>01/2019</td>'
            f'<td>12/2022</td></tr>\n'
            for p in projects[page * self.per_page:(page + 1) * self.per_page])
        items = [f'<li class="pager__item"><a href="?page={n}">{n + 1}</a></li>' for n in range(pages)]
        if page + 1 < pages and self.rel_next:
            items.append(f'<li class="pager__item"><a href="?page={page + 1}" rel="next">Next</a></li>')
        pager = f'<ul class="pager__items js-pager__items">{"".join(items)}</ul>'
        text = re.sub(r"(?s)(<tbody>).*(</tbody>)", lambda m: m[1] + rows + m[2], self.listing_template)
        text = re.sub(r'(?s)<ul class="pager__items.*?</ul>', lambda m: pager, text)
        return text.encode("utf-8")

    # --- server -----------------------------------------------------------------------------

    def __enter__(self) -> FixtureSite:
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    """Answers for ``site``, which each server gets through a subclass (see __enter__)."""

    site: FixtureSite
    protocol_version = "HTTP/1.1"  # keep-alive, as real sites
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.site.log.append(Logged(path, dict(self.headers), time.monotonic()))
        queue = self.site.faults.get(path)
        fault = queue.pop(0) if queue else None
        try:
            self._answer(parts.path, parse_qs(parts.query), fault)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (slow)
            self.close_connection = True

    def _answer(self, path: str, query: dict, fault: str | None) -> None:
        if fault == "reset":  # close with a TCP RST: SO_LINGER on, timeout 0
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        if fault == "slow":
            time.sleep(self.site.slow_seconds)
        if fault in _ERROR_ANSWERS:
            return self._send(*_ERROR_ANSWERS[fault])
        if path in self.site.redirects:
            return self._send(301, b"", {"Location": self.site.redirects[path]})
        if path == "/robots.txt":
            return self._send(200, self.site.robots.encode(), {"Content-Type": "text/plain"})
        body, modified = self._content(path, query)
        if body is None:
            return self._send(404, self.site.not_found)
        if fault == "soft404":
            return self._send(200, self.site.not_found)
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        headers = {"ETag": etag, "Last-Modified": formatdate(modified, usegmt=True)}
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, None, headers)
        if fault == "short":  # promise the whole body, send half, hang up
            self.close_connection = True
            return self._send(200, body, headers, cut=len(body) // 2)
        self._send(200, body, headers)

    def _content(self, path: str, query: dict) -> tuple[bytes | None, float]:
        if path == LISTING_PATH:
            page = query.get("page", ["0"])[0]
            return self.site.listing(int(page) if page.isdigit() else 0), self.site.started
        project = self.site.projects.get(path)
        return (project.body, project.modified) if project else (None, 0.0)

    def _send(self, status: int, body: bytes | None, headers: dict[str, str] | None = None,
              cut: int | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body[:cut])
