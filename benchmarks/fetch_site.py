"""tcps fetch against a local fixture site: time and requests of a first run and of a no-op run.

    python benchmarks/fetch_site.py [--pages 500] [--rate 0]

Serves a site of --pages project pages (the dev pages of tests/pages, each copy given a title of
its own) behind a paginated listing of 20 per page, on 127.0.0.1 (tcps.testing.site), and runs the
real command twice as cron would (a process each, start-up included) into a new folder: the first
run fetches and saves every page, the second finds the site unchanged. Rate limiting is off by
default (--rate 0), so the figures are tcps's own cost, not the politeness delay: at the default
one request per second a run takes at least as many seconds as it makes requests.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tcps.testing.site import FixtureSite, dev_pages, numbered_page

ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "pages"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=500)
    ap.add_argument("--rate", default="0", help="tcps fetch --rate (requests per second, 0: no limit)")
    args = ap.parse_args()
    pages = dev_pages(PAGES)
    listing = (PAGES / "bad_listing.html").read_text(encoding="utf-8")
    with FixtureSite(listing, (PAGES / "bad_not_found.html").read_bytes()) as site, \
            tempfile.TemporaryDirectory() as folder:
        for number in range(args.pages):
            site.add(f"project-{number:04d}", f"Batch {number}", numbered_page(pages, number))
        print(f"{args.pages} project pages from {len(pages)} dev pages, {args.pages // 20 + 1} listing pages")
        print("run        seconds  requests  conditional  new  unchanged  failed")
        for run in ("first", "no-op"):
            site.log.clear()
            started = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "tcps.cli", "fetch", site.url(), "--into", folder,
                                   "--rate", args.rate, "--json"], capture_output=True, text=True)
            seconds = time.perf_counter() - started
            report = json.loads(done.stdout)
            conditional = sum("If-None-Match" in r.headers for r in site.log)
            print(f"{run:<9} {seconds:8.2f} {report['requests']:9d} {conditional:12d} "
                  f"{len(report['new']):4d} {report['unchanged']:10d} {len(report['failed']):7d}")


if __name__ == "__main__":
    main()
