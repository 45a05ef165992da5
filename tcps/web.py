"""HTTP for ``tcps fetch``: one client per site that is polite and patient.

Polite: every request, redirects and retries included, goes through one hook that keeps to the
rate limit (and the site's Crawl-delay), asks robots.txt (RFC 9309: read with the standard
library's ``urllib.robotparser``; a missing robots.txt allows everything, one the server cannot
serve stops the run) and refuses to leave the site. The User-Agent says who we are.

Patient: a timeout per request, and a few retries with exponential backoff and jitter when the
connection fails, times out, is reset or ends before its Content-Length, and on 429 and 5xx
answers (waiting at least what Retry-After asks, or giving up when it asks for too long).

httpx, not requests: its event hook sees every request it sends, redirects included, and one
retry loop around ``client.get`` (which reads the whole body) covers every fault the same way;
urllib3's Retry only sees errors before the body is read and bypasses the client's hooks.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from tcps import __version__

MAX_REDIRECTS = 5


@dataclass(frozen=True)
class Manners:
    """How hard tcps may press a site: the defaults are the ones `tcps fetch` documents."""

    rate: float = 1.0          # requests per second at most (0: no limit)
    timeout: float = 30.0      # seconds for each connect, read or write
    retries: int = 3           # further tries of a request that failed in a way worth retrying
    backoff: float = 2.0       # seconds before the first retry; doubled for each next one
    max_wait: float = 120.0    # the longest Retry-After we wait for
    contact: str | None = None  # how the site's operators reach whoever runs this fetch

    @property
    def user_agent(self) -> str:
        """Who is asking: tcps and its version, and the operator's contact where one is given
        (tcps has no public address of its own that would tell a site who runs this copy)."""
        return f"tcps/{__version__}" + (f" (+{self.contact})" if self.contact else "")


class FetchError(Exception):
    """A request that did not get an answer worth reading (after its retries)."""


class Site:
    """An httpx client for one site (scheme, host and port of ``url``)."""

    def __init__(self, url: str, manners: Manners):
        self.origin = urlsplit(url)._replace(path="", query="", fragment="").geturl()
        self.manners = manners
        self.requests = 0
        self._interval = 1 / manners.rate if manners.rate else 0.0
        self._next_request = 0.0
        self._robots: RobotFileParser | None = None
        self.client = httpx.Client(headers={"User-Agent": manners.user_agent}, timeout=manners.timeout,
                                   follow_redirects=True, max_redirects=MAX_REDIRECTS,
                                   event_hooks={"request": [self._before_request]})

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()

    def read_robots(self) -> None:
        """Read the site's robots.txt; raise FetchError when the server cannot serve it."""
        url = f"{self.origin}/robots.txt"
        response = self.get(url)
        robots = RobotFileParser(url)
        if response.status_code == 200:
            robots.parse(response.text.splitlines())
        elif 400 <= response.status_code < 500:  # none: everything is allowed
            robots.parse([])
        else:
            raise FetchError(f"HTTP {response.status_code}: without robots.txt "
                             "nothing may be fetched (RFC 9309)")
        delay = robots.crawl_delay(self.manners.user_agent)
        self._interval = max(self._interval, float(delay or 0))
        self._robots = robots

    def get(self, url: str, headers: dict[str, str] | None = None) -> httpx.Response:
        """GET ``url`` and read its body, retrying what may pass; raise FetchError if it fails."""
        for attempt in range(self.manners.retries + 1):
            try:
                response = self.client.get(url, headers=headers)
            except httpx.TransportError as e:
                problem, asked = f"{type(e).__name__}: {e}", None
            except httpx.TooManyRedirects:
                raise FetchError(f"more than {MAX_REDIRECTS} redirects") from None
            else:
                if response.status_code != 429 and response.status_code < 500:
                    return response
                problem, asked = f"HTTP {response.status_code}", retry_after(response)
            if attempt == self.manners.retries:
                break
            if asked is not None and asked > self.manners.max_wait:
                raise FetchError(f"{problem}; the server asks to wait {asked:.0f} s")
            time.sleep(asked if asked is not None else self._backoff(attempt))
        tries = self.manners.retries + 1
        raise FetchError(f"{problem} ({tries} {'try' if tries == 1 else 'tries'})")

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter, so that many clients do not retry in step."""
        return self.manners.backoff * 2 ** attempt * random.uniform(0.5, 1.0)

    def _before_request(self, request: httpx.Request) -> None:
        """Every request passes here: the site check, robots.txt, the rate limit, the count."""
        url = str(request.url)
        if urlsplit(url).hostname != urlsplit(self.origin).hostname:
            raise FetchError(f"redirected off the site, to {url}")
        if self._robots is not None and not self._robots.can_fetch(self.manners.user_agent, url):
            raise FetchError(f"robots.txt disallows {url}")
        wait = self._next_request - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._next_request = time.monotonic() + self._interval
        self.requests += 1


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the Retry-After header asks for (a number, or an HTTP date), if it says."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
