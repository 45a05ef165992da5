"""Project web pages for the benchmark collection, in the layouts docs/record.md names:
current project pages (D2), older ones (D1) and old transcriptions of the PDF summary (H).

A page is printed from a record of ``generate.py``, first cut to what its layout prints
(``page_record``: D pages give month-precision dates, awards only, no programme, the
development objective as ``Our Strategy`` prose, often an overview paragraph; no page keys
partners by country), then laid out with the markup of its layout and wrapped in site chrome of
its era (``render_page``): banner, menus, breadcrumbs, page tools, sidebars, footer, scripts,
none of it part of a field. The chrome is our own, drawn from the summary's random stream like
everything else, so a page is the same bytes whatever the collection's size.
"""
from __future__ import annotations

import html
import json
import random
from typing import Any

import generate  # its field helpers; it imports this module for the page layouts

PAGE_LAYOUTS = ("d2", "d1", "h")
SITE = "https://www.dol.gov"
OVERVIEWS = [
    "The project works in {places} to reduce child labor and to give children and their "
    "families better choices than work.",
    "Working with government agencies and communities in {places}, the project helps children "
    "leave exploitive work and stay in school.",
    "This project supports efforts in {places} to end the worst forms of child labor and to "
    "improve the lives of working children and their households.",
]
STRATEGY = ("The project combines direct services for children and their families with support "
            "for the institutions that protect them.")
ACTIVITY_HEADINGS = ["Project activities include:", "Summary of Activities:",
                     "Activities are focused on the following:"]
MENU = ["Topics", "Agencies", "Forms", "Guidance Search", "FAQ", "About DOL", "News", "Contact Us"]
TOPICS = ["Wages", "Hours of Work", "Safety & Health", "Health Plans & Benefits", "Retirement Plans",
          "Unemployment Insurance", "Disability Resources", "Workers' Compensation", "Training",
          "Youth & Young Workers", "Veterans Employment", "International Labor Issues",
          "Child Labor", "Forced Labor", "Trade Agreements", "Grants", "Whistleblower Protection",
          "Equal Employment Opportunity", "Leave Benefits", "Termination", "Posters"]
ILAB_MENU = ["About Us", "Our Work", "Child Labor, Forced Labor & Human Trafficking",
             "Trade & Labor Affairs", "Grants & Projects", "Reports", "Apps", "Projects",
             "Evaluations", "News Releases", "Stories", "Events", "Contact Us"]
SUBTOPICS = ["Overview", "Laws & Regulations", "Compliance Assistance", "Resources", "Contacts"]
MODULES = ["core", "system", "views", "dol", "ilab", "addtoany", "google_tag", "search_api",
           "ckeditor", "paragraphs", "media", "menu_block", "extlink", "eu_cookie", "webform"]
LIBRARIES = ["base", "drupal", "once", "jquery", "ajax", "dialog", "global-styling", "theme", "menu"]
FOOTER = ["White House", "Disaster Recovery Assistance", "USA.gov", "No Fear Act Data",
          "U.S. Office of Special Counsel", "About DOL", "Guidance Search", "Español",
          "Office of Inspector General", "Subscribe to the DOL Newsletter", "A to Z Index",
          "Freedom of Information Act", "Disclaimers", "Plug-Ins Used on DOL.gov",
          "Accessibility Statement", "Privacy & Security Statement"]


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())[:80]


def place_name(region: str) -> str:
    """A region as the current site prints it: ``LATIN AMERICA AND THE CARIBBEAN`` -> ``Latin
    America and the Caribbean``."""
    words = region.lower().split()
    return " ".join(w if 0 < i and w in ("and", "the") else w.capitalize() for i, w in enumerate(words))


# ---------------------------------------------------------------------------------------------
# Records

def page_record(r: dict[str, Any], layout: str, rng: random.Random) -> None:
    """Cut ``r`` to what a page in ``layout`` prints, in place, and give it the page's texts."""
    names = dict.fromkeys(p["name"] for p in r["partners"])
    r["partners"] = [{"country": None, "name": n} for n in names]
    r["status"] = None
    if layout == "h":
        return
    r["program"], r["dates_revised"] = None, False
    r["start_date"], r["end_date"] = r["start_date"][:7], r["end_date"][:7]
    r["funding"] = [f for f in r["funding"] if f["kind"] == "award"]
    development = [o["text"] for o in r["objectives"] if o["level"] == "development"]
    r["objectives"] = [o for o in r["objectives"] if o["level"] != "development"]
    r["strategy"] = " ".join(development) or STRATEGY
    places = ", ".join(generate.COUNTRY_NAMES[c] for c in r["countries"])
    r["summary"] = rng.choice(OVERVIEWS).format(places=places) if rng.random() < 0.7 else None
    empty = rng.random()
    if empty < 0.15:                       # Region and Country printed with no value
        r["region"], r["countries"] = None, []
    elif empty < 0.4 and layout == "d2":   # Region empty, Country filled
        r["region"] = None
    else:
        r["region"] = place_name(r["region"])


# ---------------------------------------------------------------------------------------------
# Field markup

def items(texts: list[str], tag: str = "ul") -> str:
    """A list with the summaries' punctuation (``;``, ``; and`` before the last)."""
    lines = generate.item_lines(texts, "")
    return f"<{tag}>\n" + "".join(f"\t<li>{esc(t)}</li>\n" for t in lines) + f"</{tag}>"


def lists(r: dict[str, Any], rng: random.Random, bold: bool) -> list[str]:
    """Each objective level's list under its heading, then the activities under theirs."""
    def heading(text: str) -> str:
        return f"<p><strong>{esc(text)}</strong></p>" if bold else f"<p>{esc(text)}</p>"
    out = []
    for level, text in generate.LIST_HEADINGS.items():
        texts = [o["text"] for o in r["objectives"] if o["level"] == level]
        if texts:
            out += [heading(text), items(texts, rng.choice(["ul", "ul", "ol"]))]
    if r["activities"]:
        out += [heading(rng.choice(ACTIVITY_HEADINGS)), items([a["text"] for a in r["activities"]])]
    return out


def partner_list(r: dict[str, Any]) -> str:
    return esc("; ".join(p["name"] for p in r["partners"]))


def contact(r: dict[str, Any]) -> str:
    return "<br>\n".join(esc(v) for v in (r["contact"]["office"], r["contact"]["phone"]) if v)


def when(iso: str, rng: random.Random) -> str:
    """A month printed in a <time> element whose attribute may carry a day the page does not print."""
    day = f"{iso}-{rng.randint(1, 28):02d}" if len(iso) == 7 else iso
    return f'<time datetime="{day}T12:00:00Z">{generate.print_date(iso[:7])}</time>'


def links(names: list[str], kind: str) -> str:
    return ", ".join(f'<a href="/agencies/ilab/{kind}/{slug(n)}" hreflang="en">{esc(n)}</a>' for n in names)


def d2_main(r: dict[str, Any], rng: random.Random) -> str:
    names = [generate.COUNTRY_NAMES[c] for c in r["countries"]]
    rows = [("Region", links([r["region"]], "regions") if r["region"] else ""),
            ("Country", links(names, "country")),
            ("Project Duration", when(r["start_date"], rng) + ' <span class="date-dash">-</span> '
             + when(r["end_date"], rng)),
            ("Funding and Year", "".join(
                f'<div class="funding-row"><span class="fy">FY</span> <span class="year">'
                f'{f["fiscal_years"][0]}</span><span class="currency">: USD</span> '
                f'<span class="amount">{f["amount"]:,}</span></div>' for f in r["funding"]))]
    out = ['<div class="print-link"><a href="javascript:window.print()">Print</a></div>',
           '<div class="ilab-project-details">']
    out += [f'<div class="project-detail"><div class="label">{label}</div>'
            f'<div class="value">{value}</div></div>' for label, value in rows]
    out.append("</div>")
    if r["summary"]:
        out.append(f'<div class="project-intro"><p>{esc(r["summary"])}</p></div>')
    icon = '<img src="/sites/dolgov/files/ILAB/icons/{0}.png" alt="{1}" class="section-icon" />'
    if r["problem"]:
        out += ['<div class="project-section">', icon.format("puzzle-piece", "puzzle piece"),
                "<h2>The Problem</h2>", f"<p>{esc(r['problem'])}</p>", "</div>"]
    out += ['<div class="project-section">', icon.format("strategy", "strategy icon"),
            "<h2>Our Strategy</h2>", f"<p>{esc(r['strategy'])}</p>", *lists(r, rng, bold=False), "</div>"]
    if r["results"]:
        heading = "Targets" if r["results_kind"] == "targets" else "Results"
        out += ['<div class="project-section">', icon.format("full-puzzle", "full puzzle icon"),
                f"<h2>{heading}</h2>", f"<p>{esc(r['results'])}</p>", "</div>"]
    out += ['<div class="project-section project-section--resources"><h2>Resources</h2>',
            '<ul class="resource-list"><li><a href="/sites/dolgov/files/ILAB/summary.pdf">Project '
            'Summary</a> (PDF)</li></ul></div>', '<div class="project-org">']
    out += [f"<h3>{label}</h3>\n<p>{value}</p>" for label, value in (
        ("Grantee", esc(r["grantee"])), ("Implementing Partners", partner_list(r)),
        ("Contact Information", contact(r))) if value]
    return "\n".join(out + ["</div>"])


def d1_field(name: str, label: str, value: str) -> str:
    item = f'<div class="field-item even">{value}</div>' if value else ""
    return (f'<div class="field field-name-field-{name} field-label-inline clearfix"><div '
            f'class="field-label">{label}:&nbsp;</div><div class="field-items">{item}</div></div>')


def d1_main(r: dict[str, Any], rng: random.Random) -> str:
    names = [generate.COUNTRY_NAMES[c] for c in r["countries"]]
    place = f"{links([r['region']], 'regions')} / {links(names, 'country')}" if r["region"] else ""
    dates = " - ".join(f'<span class="date-display" content="{d}-01T00:00:00-04:00">'
                       f'{generate.print_date(d)}</span>' for d in (r["start_date"], r["end_date"]))
    body = ([f"<p>{esc(r['summary'])}</p>"] if r["summary"] else []) + \
        (["<h2>The Problem</h2>", f"<p>{esc(r['problem'])}</p>"] if r["problem"] else []) + \
        ["<h2>Our Strategy</h2>", f"<p>{esc(r['strategy'])}</p>", *lists(r, rng, bold=True)]
    if r["results"]:
        body += [f"<h2>{'Targets' if r['results_kind'] == 'targets' else 'Results'}</h2>",
                 f"<p>{esc(r['results'])}</p>"]
    return "\n".join([
        '<span class="print-link"><a href="/print/agencies/ilab/project" class="print-page">Print</a></span>',
        d1_field("region-country", "Region / Country", place),
        d1_field("project-duration", "Project Duration", dates),
        d1_field("fy-funding-amount", "Fiscal Year &amp; Funding Amount", "".join(
            f"<div>FY{f['fiscal_years'][0]}: USD {f['amount']:,}</div>" for f in r["funding"])),
        '<div class="field field-name-body"><div class="field-items"><div class="field-item even">',
        *body, "</div></div></div>",
        d1_field("grantee", "Grantee", esc(r["grantee"])),
        d1_field("implementing-partners", "Implementing Partners", partner_list(r)),
        d1_field("contact-information", "Contact Information", contact(r))])


def h_main(r: dict[str, Any], rng: random.Random) -> str:
    """The PDF's fields under its labels, printed as headings (H1) or as bold labels (H2)."""
    fields = generate.field_lines(r, rng, bullet="\0")
    headings = rng.random() < 0.5
    out = ["<h1>Technical Cooperation Project Summary</h1>"]
    for fld, values in fields.items():
        name = generate.label(fld, r, caps=False)
        out.append(f"<h3>{esc(name)}</h3>" if headings else f"<p><b>{esc(name)}</b></p>")
        out += h_values(values, contact(r) if fld == "contact" else None)
    return "\n".join(out)


def h_values(values: list[str], as_html: str | None) -> list[str]:
    """Lines of one field: runs of bullets as one list, every other line a paragraph."""
    if as_html is not None:
        return [f"<p>{as_html}</p>"]
    out, bullets = [], []
    for line in [*values, ""]:
        if line.startswith("\0"):
            bullets.append(f"<li>{esc(line[1:])}</li>")
            continue
        if bullets:
            out += ["<ul>", *bullets, "</ul>"]
            bullets = []
        if line:
            out.append(f"<p>{esc(line)}</p>")
    return out


# ---------------------------------------------------------------------------------------------
# Chrome

def menu(names: list[str], base: str, cls: str) -> str:
    return f'<ul class="{cls}">' + "".join(f'<li><a href="{base}/{slug(n)}">{esc(n)}</a></li>'
                                          for n in names) + "</ul>"


def megamenu() -> str:
    """The site's topic menu: every topic with its sub-pages."""
    return '<ul class="usa-megamenu">' + "".join(
        f'<li><a href="/general/topic/{slug(t)}">{esc(t)}</a>'
        + menu([f"{t}: {sub}" for sub in SUBTOPICS], f"/general/topic/{slug(t)}", "usa-nav-submenu")
        + "</li>" for t in TOPICS) + "</ul>"


def settings(rng: random.Random) -> str:
    """The JSON a Drupal page carries for its scripts (libraries, tokens): chrome, never text."""
    libraries = ",".join(f"{m}/{rng.choice(LIBRARIES)}" for m in rng.sample(MODULES, len(MODULES)))
    data = {"path": {"baseUrl": "/", "currentLanguage": "en", "isFront": False},
            "ajaxPageState": {"libraries": libraries, "theme": "dol",
                              "theme_token": f"{rng.getrandbits(128):032x}"},
            "gtm": {"tagId": f"GTM-{rng.getrandbits(24):X}"}, "user": {"uid": 0, "permissionsHash":
                                                                         f"{rng.getrandbits(256):064x}"}}
    return ('<script type="application/json" data-drupal-selector="drupal-settings-json">'
            + json.dumps(data) + "</script>")


def head(title: str, url: str | None, canonical: bool, rng: random.Random) -> str:
    meta = [f'<meta name="description" content="{html.escape(title)}" />']
    if url and canonical:
        meta.append(f'<link rel="canonical" href="{url}" />')
    if url:
        meta += [f'<meta property="og:url" content="{url}" />',
                 f'<link rel="shortlink" href="{SITE}/node/{rng.randint(1000, 40000)}" />']
    styles = "".join(f'<link rel="stylesheet" href="/files/css/css_{rng.getrandbits(64):x}.css" />\n'
                     for _ in range(rng.randint(2, 5)))
    gtm = ("<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':new Date().getTime(),"
           f"event:'gtm.js'}});}})(window,document,'script','dataLayer','GTM-{rng.getrandbits(24):X}');</script>")
    return ('<head>\n<meta charset="utf-8" />\n' + gtm + "\n" + "\n".join(meta) + "\n"
            f"<title>{esc(title)} | U.S. Department of Labor</title>\n{styles}</head>")


def chrome(layout: str, rng: random.Random) -> tuple[str, str, str]:
    """What comes before the content, the wrapper that opens it, and what comes after it."""
    sidebar = ('<aside class="sidebar"><h2>Stories from the Field</h2><p>Read how ILAB-funded '
               'projects help children go back to school.</p>'
               + menu(rng.sample(ILAB_MENU, 6), "/agencies/ilab", "related") + "</aside>")
    footer = ('<footer class="site-footer"><p>United States Department of Labor, Frances Perkins '
              'Building, 200 Constitution Ave NW, Washington, DC 20210</p>'
              + menu(FOOTER, "/general", "footer-links") + "</footer>")
    tools = ('<div class="pagetools"><a href="javascript:window.print()">Print</a> <a class="addthis_button" '
             'href="https://www.addthis.com/bookmark.php">Bookmark and Share</a></div>')
    if layout == "h":
        top = ('<div id="header"><a href="#skipnav">Skip navigation</a><img src="/images/dol-seal.gif" '
               'alt="U.S. Department of Labor" />' + menu(MENU, "/dol", "topnav") + "</div>\n"
               f'<div id="leftcol">{menu(ILAB_MENU, "/ilab", "leftmenu")}</div>')
        analytics = ("<script type=\"text/javascript\">var _gaq = _gaq || []; _gaq.push(['_setAccount', "
                     f"'UA-{rng.randint(1000000, 9999999)}-1']); _gaq.push(['_trackPageview']);</script>")
        return (top, f'<div id="content"><a name="skipnav"></a>{tools}',
                f"</div>\n{sidebar}\n{menu(TOPICS, '/dol/topic', 'topics')}\n{footer}\n{analytics}")
    top = ('<a href="#main-content" class="skip-link">Skip to main content</a>\n<section class="usa-banner">'
           '<p>An official website of the United States government</p><button>Here&#039;s how you know'
           '</button></section>\n<header class="usa-header"><a href="/" class="site-name">United States '
           f'Department of Labor</a><nav class="usa-nav">{menu(MENU, "", "usa-nav-primary")}'
           f'{megamenu()}</nav><form class="search"><input type="search" '
           'name="query" /><button>Search</button></form></header>\n'
           f'{menu(ILAB_MENU, "/agencies/ilab", "menu--ilab")}\n<nav class="breadcrumb"><ol><li><a href="/">'
           'Home</a></li><li><a href="/agencies/ilab">ILAB</a></li><li><a href="/agencies/ilab/projects">'
           'Projects</a></li></ol></nav>')
    opening = ('<main id="main-content" role="main">' if layout == "d2" else
               '<div id="content" class="column" role="main"><a id="main-content"></a>')
    closing = "</main>" if layout == "d2" else "</div>"
    scripts = settings(rng) + "\n" + "".join(f'<script src="/files/js/{rng.getrandbits(64):x}.js"></script>\n'
                                             for _ in range(rng.randint(2, 6)))
    return top, opening, f"{closing}\n{sidebar}\n{footer}\n{scripts}"


DOCTYPES = {"d2": "<!DOCTYPE html>", "d1": "<!DOCTYPE html>",
            "h": '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
                 '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">'}


def render_page(r: dict[str, Any], layout: str, rng: random.Random) -> tuple[str, str | None]:
    """The page of record ``r`` (cut by ``page_record``) in ``layout``, and the address it
    states as its own (canonical link, else og:url; H pages state none)."""
    url = None if layout == "h" else f"{SITE}/agencies/ilab/{slug(r['title'])}"
    canonical = layout == "d1" or rng.random() < 0.8
    top, opening, closing = chrome(layout, rng)
    title = "" if layout == "h" else f'<h1 class="page-title">{esc(r["title"])}</h1>\n'
    main = {"d2": d2_main, "d1": d1_main, "h": h_main}[layout](r, rng)
    document = (f"{DOCTYPES[layout]}\n<html lang=\"en\">\n{head(r['title'], url, canonical, rng)}\n<body>\n"
                f"{top}\n{opening}\n{title}{main}\n{closing}\n</body>\n</html>\n")
    return document, url
