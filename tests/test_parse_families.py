"""Extraction families that once broke the parser (issue 15), one test family each: footers
whose words the flattening split, the last page's footer on the last line, metrics in the
passive or with a clause before their tie, partner names closed by a period or quoted."""
from __future__ import annotations

import pytest

from tcps.parse.furniture import strip_inline_footers
from tcps.parse.partners import parse_partners
from tcps.parse.results import parse_metrics
from tcps.parse.summary import read_summary

BUREAU = "U.S. Department of Labor, International Labor Affairs Bureau"
HEADER = "TECHNICAL COOPERATION PROJECT SUMMARY"
TITLE = "Promoting Safer Harvests in Fishing Communities of the Lake Region"


# ---- a footer whose words were split in flattened text ---------------------------------------

@pytest.mark.parametrize("footer", [
    # the page number inside a word of the Bureau line, the heading after it
    f"Promoting Safer Harvests, U.S. Dep Page 2 of 3 partment of Labor, International Labor "
    f"Affairs Bureau {HEADER}",
    # inside a word of the short title; another word of the Bureau line split by a space
    "Promoting Safer Harv Page 2 of 3 vests in Fishing Communities, U.S. Department of Labor, "
    "Interna ational Labor Affairs Bureau",
    # inside 'Labor', a word of the short title split too, no heading
    "Promoting Saf fer Harvests, U.S. Department of Lab Page 2 of 3 bor, International Labor Affairs Bureau",
    # the page number between words, the Bureau's last word split, the heading after it
    f"Promoting Safer Harvests in Fishing, Page 2 of 3 U.S. Department of Labor, International "
    f"Labor Affairs Bur reau {HEADER}",
])
def test_split_footer_inside_a_sentence_goes_with_its_short_title(footer):
    text = f"Boat owners and {footer} village leaders signed the code."
    warnings: list[str] = []
    out, pages = strip_inline_footers(text, TITLE, [], warnings)
    assert (out, pages, warnings) == ("Boat owners and village leaders signed the code.", [3], [])


def test_split_footer_that_ends_its_line_joins_the_item_it_broke():
    text = ("• Train 300 boat owners in Promoting Safer Harvests, U.S. Department of La Page 1 of 2 "
            "abor, International Labor Affairs Bureau\n\nsafe practices; • Map landing sites")
    out, pages = strip_inline_footers(text, TITLE, [], [])
    assert out == "• Train 300 boat owners in safe practices; • Map landing sites"
    assert pages == [2]


def test_page_words_in_a_word_without_a_bureau_line_are_text():
    text = "The annex (see Ann Page 1 of 2 nex) lists the sites."
    assert strip_inline_footers(text, TITLE, [], []) == (text, [])


# ---- the last page's footer on the last line -------------------------------------------------

FLAT = ("TECHNICAL COOPERATION PROJECT SUMMARY PROJECT TITLE PROMOTING SAFER HARVESTS IN FISHING "
        "COMMUNITIES OF THE LAKE REGION REGION/COUNTRY AFRICA/Malawi PROJECT DURATION June 2015 - "
        "May 2019 FISCAL YEAR & FUNDING LEVEL FY2015: USD 2,000,000 PROBLEM TO BE ADDRESSED Children "
        "work on fishing boats.\n\nGRANTEE Lakeside Aid IMPLEMENTING PARTNERS Malawi: Fisher Union "
        "CONTACT INFORMATION Office of Child Labor, Forced Labor, and Human Trafficking (OCFT) "
        "(202) 693-4843 {footer}\n")


@pytest.mark.parametrize("footer", [
    f"Promoting Safer Harvests, Page 2 of 2 {BUREAU}",
    f"PROMOTING SAFER HARVESTS IN FISHING COMMUNITIES, Page 2 of 2 {BUREAU}",
    "Promoting Safer Harvests, Page 2 of 2",
])
def test_footer_at_the_end_of_the_last_line_leaves_the_line(footer):
    r = read_summary(FLAT.format(footer=footer))
    assert r.grantee == "Lakeside Aid"
    assert [(p.country, p.name) for p in r.partners] == [("MWI", "Fisher Union")]
    assert (r.contact.office, r.contact.phone) == (
        "Office of Child Labor, Forced Labor, and Human Trafficking (OCFT)", "(202) 693-4843")
    assert r.source.pages == 2
    assert r.warnings == []


def test_a_line_made_of_the_titles_words_is_a_footer_of_its_own():
    """A shortened short title ('… Region (PSH)') on a line of its own still goes whole."""
    text = ("PROJECT TITLE\tPromoting Safer Harvests (PSH) in Fishing Communities of the Lake Region\n"
            "PROBLEM TO BE ADDRESSED\tChildren work\n"
            f"Promoting Safer Harvests in the Lake Region (PSH), Page 1 of 2 {BUREAU}\n\n{HEADER}\n\n"
            "\ton boats.\nCONTACT INFORMATION\tOCFT (202) 693-4843\n")
    r = read_summary(text)
    assert r.problem == "Children work on boats."
    assert r.source.pages == 2 and r.warnings == []


# ---- metrics: a tie to withdrawal or prevention in the passive, or after a clause -------------

@pytest.mark.parametrize("text, metrics", [
    ("1,200 children are targeted for withdrawal and another 900 for prevention.",
     [("withdrawn", 1200, "children"), ("prevented", 900, "children")]),
    ("A total of 5,000 youth will be targeted for withdrawal and 2,000 for prevention.",
     [("withdrawn", 5000, "youth"), ("prevented", 2000, "youth")]),
    ("1,000 households are selected for withdrawal, and a further 400 for prevention.",
     [("withdrawn", 1000, "households"), ("prevented", 400, "households")]),
    ("The project will withdraw 1,200 children and prevent another 900.",
     [("withdrawn", 1200, "children"), ("prevented", 900, "children")]),
])
def test_passive_tie_and_the_noun_of_another_count(text, metrics):
    assert [(m.measure, m.value, m.unit) for m in parse_metrics(text)] == metrics


@pytest.mark.parametrize("clause", [", who work on fishing boats and in markets,",
                                    " in the lakeshore districts", ", most of them girls,"])
def test_clause_between_a_count_and_its_withdrawal_and_prevention(clause):
    text = f"The project targets 3,000 children{clause} for withdrawal (1,800) and prevention (1,200)."
    assert [(m.measure, m.value, m.unit) for m in parse_metrics(text)] == [
        ("withdrawn_or_prevented", 3000, "children"), ("withdrawn", 1800, "children"),
        ("prevented", 1200, "children")]


def test_a_clause_does_not_reach_past_a_sentence_or_a_single_measure():
    text = ("It reached 500 children in ten villages. Teachers were trained for withdrawal and prevention. "
            "It served 300 families in the hills for prevention work.")
    assert [(m.measure, m.value) for m in parse_metrics(text)] == [("reached", 500), ("served", 300)]


# ---- partners: a closing period, a comma inside quotation marks ------------------------------

@pytest.mark.parametrize("end", [".", "", ".\n"])
def test_enumeration_tail_that_closes_the_list_with_its_period(end):
    partners, _ = parse_partners(f"Ghana: Fisher Union; Ghanaian Ministry of Fisheries, Aquaculture and "
                                 f"Coastal Development (MFACD){end}")
    assert [(p.country, p.name) for p in partners] == [
        ("GHA", "Fisher Union"),
        ("GHA", "Ghanaian Ministry of Fisheries, Aquaculture and Coastal Development (MFACD)")]


@pytest.mark.parametrize("text", [
    '"Ministry of Youth, Culture and Sports"; Lake Fishers Network.',
    "“Ministry of Youth, Culture and Sports”, Lake Fishers Network",
    "«Ministry of Youth, Culture and Sports», Lake Fishers Network.",
])
def test_a_comma_inside_quotation_marks_never_splits_a_name(text):
    partners, _ = parse_partners(text)
    assert [p.name for p in partners] == ["Ministry of Youth, Culture and Sports", "Lake Fishers Network"]


def test_a_legal_suffix_keeps_its_period_when_it_closes_the_list():
    partners, _ = parse_partners("Harbor Consulting, Ltd.; Net Makers, Inc.")
    assert [p.name for p in partners] == ["Harbor Consulting, Ltd.", "Net Makers, Inc."]


def test_a_name_repeated_with_its_suffix_period_closing_the_list_is_one_partner():
    partners, _ = parse_partners("Kenya: Net Makers Ltd; Lake Union; Net Makers Ltd. Uganda: Net Makers Ltd.")
    assert [(p.country, p.name) for p in partners] == [
        ("KEN", "Net Makers Ltd"), ("KEN", "Lake Union"), ("UGA", "Net Makers Ltd.")]
