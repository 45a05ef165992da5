"""``tcps fetch``: fill a folder with the ILAB project pages that ``tcps refresh`` then loads.

Made for the nightly job ``tcps fetch && tcps refresh data/``. One fetch:

1. takes the folder's lock (``DIR/fetch.lock``), so two fetches never write the same folder;
2. reads the site's robots.txt (``tcps.web``: every request is polite and retried there);
3. walks the listing from its first page, following each page's next link, and collects the
   project links (``tcps.listing``). A listing page without a single project link stops the run:
   the site's layout has changed, and an empty harvest must never look like a success;
4. fetches each project page with a conditional request. An unchanged page costs a 304 and
   writes nothing; a new or changed page is saved as ``DIR/<slug>.html`` (written to a
   temporary file, then renamed, so refresh never reads half a page), but only when the real
   parser reads it as a project summary: a "Page not found" served as 200, an error page or a
   truncated transfer never replaces a good copy. A page that fails keeps its last good copy;
5. reports the known pages that left the listing, and with ``prune`` deletes them, unless they
   are more than half of the known pages (a broken listing, more likely than a purge).

What the next run needs is in one index file beside the pages, ``DIR/fetch-index.json``
(address, file, ETag, Last-Modified, sha256, time fetched; and for each listing page its
links), written atomically, and only when something in it changed: fetch never needs the
database. A run killed before writing it only costs the next run full requests.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tcps.errors import ConfigError, TcpsError, failure_reason
from tcps.listing import ListingPage, read_listing, scope_of
from tcps.mutex import file_lock
from tcps.parse import parse_bytes
from tcps.web import FetchError, Manners, Site

DEFAULT_START = "https://www.dol.gov/agencies/ilab/projects"
INDEX_NAME = "fetch-index.json"
LOCK_NAME = "fetch.lock"
INDEX_VERSION = 1

Progress = Callable[[Sequence[str]], AbstractContextManager[Iterable[str]]]


class SetupError(ConfigError):
    """The start address, the folder or its index cannot be used (a configuration error)."""


class LayoutChanged(TcpsError):
    """A listing page holds no project link: the site's layout may have changed."""


@dataclass
class FetchReport:
    """What one fetch saw and did; printed as one line, as JSON, or page by page."""

    start_url: str
    folder: str
    listed: int = 0
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)
    left: list[str] = field(default_factory=list)      # known pages no longer listed
    pruned: list[str] = field(default_factory=list)
    listing_read: bool = True   # False: the walk stopped early (a failure, or --max-pages)
    requests: int = 0
    seconds: float = 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def summary_line(self) -> str:
        partial = "" if self.listing_read else " (listing not read to the end)"
        return (f"fetch of {self.start_url} into {self.folder}: {self.listed} listed{partial}, "
                f"{len(self.new)} new, {len(self.changed)} changed, {self.unchanged} unchanged, "
                f"{len(self.failed)} failed, {len(self.left)} left the listing, "
                f"{len(self.pruned)} pruned; {self.requests} requests in {self.seconds:.1f}s")

    def details(self) -> list[str]:
        return [f"{what}: {url}" for what, urls in (("new", self.new), ("changed", self.changed),
                                                     ("left the listing", self.left),
                                                     ("pruned", self.pruned)) for url in urls]

    def to_json(self) -> dict:
        return {**asdict(self), "status": "ok" if self.exit_code == 0 else "failed"}


def fetch(start_url: str | None, folder: Path, manners: Manners, *, max_pages: int | None = None,
          prune: bool = False, progress: Progress = nullcontext) -> FetchReport:
    """Fetch the listing at ``start_url`` (None: the ILAB projects listing) and its project pages
    into ``folder``.

    Raises SetupError for a start address or folder that cannot be used, LockHeld when another
    fetch holds the folder, LayoutChanged when a listing page has no project link."""
    start_url = start_url or DEFAULT_START
    parts = urlsplit(start_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SetupError(f"{start_url}: not an http(s) address")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise SetupError(f"{folder}: {e.strerror or e}") from None
    with file_lock(str(folder / LOCK_NAME), holder="fetch"):
        return _Run(start_url, folder, max_pages, prune).execute(manners, progress)


class _Run:
    def __init__(self, start_url: str, folder: Path, max_pages: int | None, prune: bool):
        self.start_url, self.folder, self.max_pages, self.prune = start_url, folder, max_pages, prune
        self.report = FetchReport(start_url, str(folder))
        self.index = Index.read(folder / INDEX_NAME)
        self.files = {entry["file"] for entry in self.index.pages.values()}

    def execute(self, manners: Manners, progress: Progress) -> FetchReport:
        started = time.monotonic()
        with Site(self.start_url, manners) as site:
            try:
                self._crawl(site, progress)
            finally:  # what was fetched stays known, whatever stopped the run
                self.index.write()
                self.report.requests = site.requests
                self.report.seconds = time.monotonic() - started
        return self.report

    def _crawl(self, site: Site, progress: Progress) -> None:
        try:
            site.read_robots()
        except FetchError as e:
            self.report.failed[f"{site.origin}/robots.txt"] = str(e)
            self.report.listing_read = False
            return
        addresses = self._walk_listing(site)
        with progress(addresses) as pages:
            for url in pages:
                self._fetch_page(site, url)
        self._left_listing(addresses)

    def _walk_listing(self, site: Site) -> list[str]:
        """The project addresses of every listing page, in listing order, without repeats."""
        found: dict[str, None] = {}
        url: str | None = self.start_url
        seen: dict[str, None] = {}
        while url is not None and url not in seen:
            seen[url] = None
            try:
                page = self._listing_page(site, url)
            except FetchError as e:
                self.report.failed[url] = str(e)
                self.report.listing_read = False
                break
            if not page.projects:
                raise LayoutChanged(f"{url}: no project link on this listing page: "
                                    "the site's layout may have changed")
            found.update(dict.fromkeys(page.projects))
            if self.max_pages is not None and len(found) >= self.max_pages:
                self.report.listing_read = False
                break
            url = page.next_url
        if self.report.listing_read:  # forget listing pages that are gone
            self.index.listing = {u: e for u, e in self.index.listing.items() if u in seen}
        addresses = list(found)[:self.max_pages]
        self.report.listed = len(addresses)
        return addresses

    def _listing_page(self, site: Site, url: str) -> ListingPage:
        known = self.index.listing.get(url)
        response = site.get(url, validators(known))
        if response.status_code == 304 and known is not None:
            return ListingPage(known["projects"], known["next"])
        if response.status_code != 200:
            raise FetchError(f"HTTP {response.status_code}")
        page = read_listing(response.text, str(response.url))
        if page.projects:
            self.index.listing[url] = {**remembered(response), "projects": page.projects,
                                       "next": page.next_url}
        return page

    def _fetch_page(self, site: Site, url: str) -> None:
        known = self.index.pages.get(url)
        intact = known is not None and self._intact(known)
        try:  # a conditional request only where the file still holds what was fetched
            response = site.get(url, validators(known) if intact else {})
            if response.status_code == 304 and intact:
                self.report.unchanged += 1
                return
            if response.status_code != 200:
                raise FetchError(f"HTTP {response.status_code}")
        except FetchError as e:
            self.report.failed[url] = str(e)
            return
        data = response.content
        sha256 = hashlib.sha256(data).hexdigest()
        if known is not None and intact and known["sha256"] == sha256:  # same bytes, new validators
            self.index.pages[url] = {**known, **remembered(response)}
            self.report.unchanged += 1
            return
        reason = not_a_project_page(data, url)
        if reason:
            self.report.failed[url] = f"not a project page, kept the last good copy: {reason}"
            return
        file = known["file"] if known is not None else self._new_file(url)
        write_atomically(self.folder / file, data)
        self.index.pages[url] = {"file": file, **remembered(response), "sha256": sha256,
                                 "fetched_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        (self.report.changed if known is not None else self.report.new).append(url)

    def _intact(self, known: dict) -> bool:
        """Whether the page's file still holds the bytes fetched last (else ask for it whole)."""
        try:
            return hashlib.sha256((self.folder / known["file"]).read_bytes()).hexdigest() == known["sha256"]
        except OSError:
            return False

    def _new_file(self, url: str) -> str:
        """A file name for a page: its address under the ILAB folder, made safe and unique."""
        path = unquote(urlsplit(url).path)[len(scope_of(self.start_url)):]
        ascii_path = unicodedata.normalize("NFKD", path).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", re.sub(r"\.html?$", "", ascii_path)).strip("-.")
        name = f"{slug[:150] or 'page'}.html"
        if name in self.files:
            name = f"{slug[:150]}-{hashlib.sha256(url.encode()).hexdigest()[:8]}.html"
        self.files.add(name)
        return name

    def _left_listing(self, addresses: list[str]) -> None:
        """Report the known pages the listing no longer links to; prune them if asked and sane."""
        if not self.report.listing_read:
            return
        listed = set(addresses)
        self.report.left = sorted(url for url in self.index.known if url not in listed)
        if not self.prune or not self.report.left:
            return
        if 2 * len(self.report.left) > len(self.index.known):
            self.report.failed[str(self.folder)] = (
                f"refused to prune {len(self.report.left)} of {len(self.index.known)} known pages: "
                "more than half left the listing at once, which looks like a broken listing")
            return
        for url in self.report.left:
            (self.folder / self.index.pages.pop(url)["file"]).unlink(missing_ok=True)
            self.report.pruned.append(url)


class Index:
    """``DIR/fetch-index.json``: per page address its file and what a conditional request needs,
    per listing page its validators, project links and next page."""

    def __init__(self, path: Path, pages: dict[str, dict], listing: dict[str, dict]):
        self.path, self.pages, self.listing = path, pages, listing
        self.known = list(pages)  # the pages known before this run
        self._written = self._text()

    @classmethod
    def read(cls, path: Path) -> Index:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path, {}, {})
        except (OSError, ValueError) as e:
            raise SetupError(f"{path}: unreadable fetch index ({e}); remove it to fetch every page "
                             "again") from None
        if not isinstance(data, dict) or data.get("version") != INDEX_VERSION \
                or not isinstance(data.get("pages"), dict) or not isinstance(data.get("listing"), dict):
            raise SetupError(f"{path}: not a version {INDEX_VERSION} fetch index; remove it to "
                             "fetch every page again")
        return cls(path, data["pages"], data["listing"])

    def write(self) -> None:
        text = self._text()
        if text != self._written:
            write_atomically(self.path, text.encode("utf-8"))
            self._written = text

    def _text(self) -> str:
        return json.dumps({"version": INDEX_VERSION, "pages": self.pages, "listing": self.listing},
                          indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def validators(known: dict | None) -> dict[str, str]:
    """The headers of a conditional request for a page fetched before with these validators."""
    headers = {}
    if known is not None and known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known is not None and known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    return headers


def remembered(response) -> dict[str, str | None]:
    """The validators of a response, for the next run's conditional request."""
    return {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}


def not_a_project_page(data: bytes, url: str) -> str | None:
    """Why ``data`` is not a project summary as the real parser reads it (None: it is one)."""
    try:
        parse_bytes(data, url)
    except Exception as e:  # a parser bug on one page must not stop the others
        return failure_reason(e)
    return None


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` all at once: a reader sees the old bytes or the new, never
    a part. The temporary file's name ends in .part, which no summary search picks up, and it is
    removed when the write fails; a folder that cannot take the file is a SetupError.

    No fsync: a page that a power cut left empty or torn no longer has its recorded sha256, so
    the next fetch asks for it whole again."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise SetupError(f"{path}: cannot write it: {e.strerror or e}") from None
        raise
