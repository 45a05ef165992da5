"""The parser, one concern at a time: footers, sections, dates, money, results, lists,
partners, countries, decoding."""
from __future__ import annotations

import pytest

from tcps.parse.countries import country_code, find_country
from tcps.parse.dates import iso_date, parse_duration
from tcps.parse.decode import Undecodable, decode
from tcps.parse.furniture import remove_furniture, strip_inline_footers
from tcps.parse.lists import parse_activities, parse_objectives
from tcps.parse.money import parse_funding
from tcps.parse.partners import parse_partners
from tcps.parse.results import parse_metrics
from tcps.parse.sections import find_sections
from tcps.record import Activity, Funding, Metric, Objective, Partner

BUREAU = "U.S. Department of Labor, International Labor Affairs Bureau"
HEADER = "TECHNICAL COOPERATION PROJECT SUMMARY"


# ---- page furniture --------------------------------------------------------------------------

@pytest.mark.parametrize("footer", [
    [f"Short Title, Page 1 of 2 {BUREAU}"],
    ["", f"Short Title, Page 1 of 2 {BUREAU}"],
    ["Short Title, Page 1 of 2", BUREAU],
    ["", "A Rather Long Short Title That", "Wraps Here,", "", "Page 1 of 2", "", BUREAU],
    ["", "Short Title,", "Page 1 of 2", BUREAU],
    ["Sho\thort Title,", "U.S. Department of La\tPage 1 of 2 abor, International Labor Affairs Bureau"],
    ["Short Title,", "U.S. Dep\tPage 1 of 2 partment of Labor, International Labor Affairs Bureau"],
    ["A Short Title That Wraps in", f"the Middle, Page 1 of 2 {BUREAU}"],
])
def test_footer_shapes_are_removed_and_pages_counted(footer):
    text = "\n".join(["PROBLEM\tThe text goes", *footer, "", HEADER, "", "\ton after the break."])
    cleaned = remove_furniture(text)
    out, pages = strip_inline_footers("\n".join(cleaned.lines), "Short Title of a Project",
                                      cleaned.short_titles, [])
    assert out == "PROBLEM\tThe text goes\n\ton after the break."
    assert max([cleaned.pages or 0, *pages]) == 2


def test_page_words_inside_a_sentence_are_not_a_footer():
    cleaned = remove_furniture("RESULTS\tSee Page 3 of 10 in the report.")
    assert cleaned.lines == ["RESULTS\tSee Page 3 of 10 in the report."]
    assert cleaned.pages is None


def test_inline_footer_takes_its_short_title_with_it():
    line = f"standards, monitoring procedures and Palma Futuro, Page 1 of 2 {BUREAU} {HEADER} enforcement"
    warnings = []
    out, pages = strip_inline_footers(line, "PALMA FUTURO: PREVENTING CHILD LABOR", [], warnings)
    assert (out, pages) == ("standards, monitoring procedures and enforcement", [2])
    assert warnings == []


def test_inline_footer_prefers_a_short_title_seen_in_another_footer():
    line = f"working to Central Asia Project, Page 1 of 2 {BUREAU} {HEADER} share"
    out, _ = strip_inline_footers(line, "Unrelated Title", ["Central Asia Project"], [])
    assert out == "working to share"


# ---- sections --------------------------------------------------------------------------------

def test_tab_labels_in_any_spelling_of_the_family():
    text = ("Project Title:\tA Title\nREGION / COUNTRY\tASIA/Nepal\nDuration: May 2010 - June 2012\n"
            "Fiscal Year and Funding Amount:\tFY2010: USD 5\nTarget:\tSome targets 5 children.\n")
    s = find_sections(text)
    assert list(s.values) == ["title", "region", "duration", "funding", "results"]
    assert s.values["results"].strip() == "Some targets 5 children."
    assert not s.flattened


def test_form_style_plural_labels():
    text = "Project Title:\tA Title\nGrantee(s):\tCARE\nImplementing Partner(s):\tNepal: NGO A\n"
    s = find_sections(text)
    assert list(s.values) == ["title", "grantee", "partners"]
    assert (s.values["grantee"].strip(), s.values["partners"].strip()) == ("CARE", "Nepal: NGO A")


def test_flattened_labels_only_in_capitals_or_title_case_and_in_field_order():
    text = ("PROJECT TITLE A TITLE REGION/COUNTRY ASIA/Nepal PROBLEM TO BE ADDRESSED the problem of "
            "results and targets. RESULTS The project targets 5 children. GRANTEE Winrock")
    s = find_sections(text)
    assert s.flattened
    assert s.values["problem"].strip() == "the problem of results and targets."
    assert s.values["results"].strip() == "The project targets 5 children."
    assert s.values["grantee"].strip() == "Winrock"


def test_label_words_that_would_go_back_in_field_order_stay_text():
    text = "PROJECT TITLE\tT\nSUMMARY OF ACTIVITIES\tDid things\nRESULTS\tnot a label here\n"
    s = find_sections(text)
    assert "results" not in s.values
    assert "RESULTS" in s.values["activities"]


# ---- dates and money -------------------------------------------------------------------------

@pytest.mark.parametrize("text, start, end, revised", [
    ("September 30, 2003 – January 31, 2007 (revised)", "2003-09-30", "2007-01-31", True),
    ("November 15, 2013 –January 31, 2019", "2013-11-15", "2019-01-31", False),
    ("September 2009 – April 2014", "2009-09", "2014-04", False),
    ("December 2012 - March 2017", "2012-12", "2017-03", False),
    ("2010 – 2016", "2010", "2016", False),
])
def test_duration_keeps_the_printed_precision(text, start, end, revised):
    d = parse_duration(text)
    assert (d.start, d.end, d.revised, d.leftover) == (start, end, revised, "")


def test_completed_duration():
    d = parse_duration("Completed")
    assert d.completed and d.start is None and d.leftover == ""


def test_iso_date_does_not_invent_a_day():
    assert iso_date("Sept. 2005") == "2005-09"


@pytest.mark.parametrize("text, entries", [
    ("FY 2003: USD 1,500,000", [Funding([2003], 1500000)]),
    ("FY 1997 & FY1998: USD 1,000,000", [Funding([1997, 1998], 1000000)]),
    ("FY2012: $10,000,000", [Funding([2012], 10000000)]),
    ("FY2010: USD 1,000,000FY2011: USD 687,715", [Funding([2010], 1000000), Funding([2011], 687715)]),
    ("FY2015: USD 9,800,000 FY2016: USD 3,595,138 Total: USD 13,395,138",
     [Funding([2015], 9800000), Funding([2016], 3595138), Funding([], 13395138, kind="total")]),
    ("FY 2004: USD 2,000,000 Matching funds: USD 500,000 Cost share: USD 1.5 million",
     [Funding([2004], 2000000), Funding([], 500000, kind="matching"), Funding([], 1500000, kind="matching")]),
    ("FY 2013, FY 2014 & FY 2015: USD 3,000,000", [Funding([2013, 2014, 2015], 3000000)]),
])
def test_funding_entries(text, entries):
    assert parse_funding(text) == (entries, "")


def test_unreadable_funding_text_is_reported():
    assert parse_funding("to be announced")[1] == "to be announced"


# ---- results ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, metrics", [
    ("The project withdrew 407 and prevented 2,254 children from WFCL.",
     [("withdrawn", 407, "children"), ("prevented", 2254, "children")]),
    ("The project withdrew and prevented 11, 127 children from WFCL.",
     [("withdrawn_or_prevented", 11127, "children")]),
    ("The project targets 4,800 children to be withdrawn and 4,800 children to be prevented.",
     [("withdrawn", 4800, "children"), ("prevented", 4800, "children")]),
    ("It will withdraw 500 children and prevent 300 more.",
     [("withdrawn", 500, "children"), ("prevented", 300, "children")]),
    ("The project targets 2,000 children for withdrawal (1,200) and prevention (800).",
     [("withdrawn_or_prevented", 2000, "children"), ("withdrawn", 1200, "children"),
      ("prevented", 800, "children")]),
    ("It targets 900 children for prevention and withdrawal.", [("withdrawn_or_prevented", 900, "children")]),
    ("The project will reach 7,560 children and adolescents with educational services; 3,780 "
     "households with livelihood services.",
     [("reached", 7560, "children"), ("reached", 3780, "households")]),
    ("Education services had been provided to 2,350 children.", [("served", 2350, "children")]),
    ("It will provide 650 households with livelihood services.", [("served", 650, "households")]),
    ("The project reached 4,312 mining households and trained 226 public officials in 2017.",
     [("reached", 4312, "households")]),
    ("It targets 3,200 youth aged 15 to 17 in 40 communities.", [("reached", 3200, "youth")]),
    ("It targets 2,400 children at risk.", [("reached", 2400, "children")]),
    ("No counts here, only 25 district coordinators and USD 5,000.", []),
])
def test_metrics(text, metrics):
    assert parse_metrics(text) == [Metric(*m) for m in metrics]


# ---- lists -----------------------------------------------------------------------------------

def test_objectives_inline_heading_semicolons_and_and():
    text = ("Reduce WFCL.\n\t Intermediate objectives include: Improve A; Strengthen B; and Share C.")
    assert parse_objectives(text) == [
        Objective("development", "Reduce WFCL."), Objective("intermediate", "Improve A"),
        Objective("intermediate", "Strengthen B"), Objective("intermediate", "Share C.")]


def test_objectives_html_inline_bullets():
    text = ('<p>Reduce it.</p> <p>Specific objectives include:</p> '
            '<ul style="x">• One;• Two; and• Three.</ul>')
    assert [(o.level, o.text) for o in parse_objectives(text)] == [
        ("development", "Reduce it."), ("specific", "One"), ("specific", "Two"), ("specific", "Three.")]


def test_objectives_item_labels_and_numbers():
    text = ("DEVELOPMENT OBJECTIVE: End it.\nExpected outcomes include:\n• Outcome 1: First;\n"
            "• Outcome 2: Second; and\n3. Third.")
    assert [(o.level, o.text) for o in parse_objectives(text)] == [
        ("development", "End it."), ("outcome", "First"), ("outcome", "Second"), ("outcome", "Third.")]


def test_objectives_heading_after_a_sentence_and_bullets_without_heading():
    objectives = parse_objectives("Help. Outcomes include: \uf0b7 A; and \uf0b7 B.")
    assert [(o.level, o.text) for o in objectives] == [
        ("development", "Help."), ("outcome", "A"), ("outcome", "B.")]
    objectives = parse_objectives("Do it.\n• Group one: women\n• Group two")
    assert [o.level for o in objectives] == ["development"] * 3


def test_activities_country_and_theme_subheadings():
    text = ("Regional –based in San Jose, Costa Rica\n• Designed a system; and\n• Set it up.\n"
            "Costa Rica –San Jose City\n• Withdrew children;\nThe Philippines\n• Trained\n"
            "inspectors.\nCapacity Building\n• Wrote a guide.")
    acts = parse_activities(text)
    assert acts == [Activity("Designed a system"), Activity("Set it up."),
                    Activity("Withdrew children", "CRI"), Activity("Trained inspectors.", "PHL"),
                    Activity("Wrote a guide.")]


def test_activities_intro_sentence_is_not_an_item():
    acts = parse_activities("The project carried out the following activities:\n- One;\n- Two.")
    assert [a.text for a in acts] == ["One", "Two."]


# ---- partners and countries ------------------------------------------------------------------

def test_partner_commas_split_except_inside_a_name():
    text = ("Kyrgyzstan: National Council on the Issues of Women, Families and Gender Development; "
            "MoBiUs Ltd, Ministry of Health; Acme, Inc.; NGO Aurora, NGO Samo; and \"Mehr\"")
    partners, warnings = parse_partners(text)
    assert [p.name for p in partners] == [
        "National Council on the Issues of Women, Families and Gender Development", "MoBiUs Ltd",
        "Ministry of Health", "Acme, Inc.", "NGO Aurora", "NGO Samo", "Mehr"]
    assert {p.country for p in partners} == {"KGZ"} and warnings == []


def test_partner_groups_per_country_and_duplicates():
    text = "Tanzania: World Vision, IRC; World Vision.\n\tKenya: A; B\nflat text. Uganda: C"
    partners, _ = parse_partners(text)
    assert partners == [Partner("TZA", "World Vision"), Partner("TZA", "IRC"), Partner("KEN", "A"),
                        Partner("KEN", "B flat text"), Partner("UGA", "C")]


@pytest.mark.parametrize("name, code", [
    ("Kyrgyz Republic", "KGZ"), ("Kyrgyzstan", "KGZ"), ("Burma", "MMR"), ("Swaziland", "SWZ"),
    ("Zaire", "COD"), ("Côte d’Ivoire", "CIV"), ("Cote d'Ivoire", "CIV"), ("Côte d'Ivoire", "CIV"),
    ("United Republic of Tanzania", "TZA"), ("The Philippines", "PHL"), ("Lao PDR", "LAO"),
    ("Cape Verde", "CPV"), ("Niger", "NER"), ("Nigeria", "NGA"), ("Guinea-Bissau", "GNB"),
])
def test_country_names_and_their_variants(name, code):
    assert country_code(name) == code


@pytest.mark.parametrize("heading", ["Regional", "Capacity Building", "Livelihoods in Nepal",
                                     "Awareness Raising on Forced Labor"])
def test_themes_are_not_countries(heading):
    assert country_code(heading) is None


def test_find_country_searches_inside_a_text():
    assert find_country("Pakistan (NWFP)") == "PAK"


# ---- decoding --------------------------------------------------------------------------------

def test_decode_windows_1252_and_crlf():
    assert decode("Côte d’Ivoire\r\n".encode("cp1252")) == ("Côte d’Ivoire\n", "windows-1252")


def test_decode_utf8_cut_inside_a_character():
    assert decode("ab€".encode()[:-1]) == ("ab", "utf-8")


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"), (b"  \n\t", "empty"), (b"\x00\x01\x02abc", "binary"),
    (bytes(range(1, 32)) * 20, "binary"),
])
def test_decode_refuses_non_text(data, reason):
    with pytest.raises(Undecodable, match=reason):
        decode(data)


def test_metrics_split_in_parentheses_after_a_combined_count():
    text = "The project withdrew and prevented 2,000 children (1,200 withdrawn and 800 prevented)."
    assert parse_metrics(text) == [Metric("withdrawn_or_prevented", 2000, "children"),
                                   Metric("withdrawn", 1200, "children"),
                                   Metric("prevented", 800, "children")]


def test_label_spellings_beyond_the_corpus():
    text = ("PROJECT TITLE\tT\nPROJECT OBJECTIVE\tDo it.\nSUMMARY OF PROJECT ACTIVITIES\tDid it.\n"
            "IMPLEMENTING PARTNER\tKenya: A\nContact: Office (202) 693-4843\n")
    assert list(find_sections(text).values) == ["title", "objectives", "activities", "partners", "contact"]


def test_unknown_label_is_reported_and_its_text_not_placed():
    from tcps.parse.summary import read_summary
    text = ("PROJECT TITLE\tT\nPROBLEM TO BE ADDRESSED\tThe problem.\nBENEFICIARIES\tFarmers\n"
            "GRANTEE\tG\nCONTACT INFORMATION\tOffice (202) 693-4843\n")
    r = read_summary(text)
    assert r.problem == "The problem."
    assert r.warnings == ["unknown label 'BENEFICIARIES' after problem: its text is not placed"]


@pytest.mark.parametrize("text, metrics", [
    ("The project withdrew 500 children and prevented 300 more, and provided 200 households with support.",
     [("withdrawn", 500, "children"), ("prevented", 300, "children"), ("served", 200, "households")]),
    ("It prevented 2,000 children; 600 children were enrolled in school.",
     [("prevented", 2000, "children"), ("served", 600, "children")]),
    ("The project will serve 2,000 children through school and 800 through vocational training.",
     [("served", 2000, "children"), ("served", 800, "children")]),
    ("By 2016, 1,500 households had received livelihood services.", [("served", 1500, "households")]),
    ("It targets 1,500 children for withdrawal and 2,500 for prevention, "
     "and will provide 600 youth with jobs.",
     [("withdrawn", 1500, "children"), ("prevented", 2500, "children"), ("served", 600, "youth")]),
])
def test_metrics_phrases_from_review(text, metrics):
    assert parse_metrics(text) == [Metric(*m) for m in metrics]


def test_a_level_word_before_a_colon_inside_an_item_is_its_subject_not_a_heading():
    text = ("Reduce child labor.\nIntermediate objectives include:\n• Enterprise development: households "
            "start businesses;\n• Education: children attend school.")
    assert [(o.level, o.text) for o in parse_objectives(text)] == [
        ("development", "Reduce child labor."),
        ("intermediate", "Enterprise development: households start businesses"),
        ("intermediate", "Education: children attend school.")]


def test_activity_subheadings_with_a_colon_or_lost_bullets():
    acts = parse_activities("Kenya:\n\t• Enrolled children.\n\tUganda\n\t Built schools; Trained teachers.")
    assert acts == [Activity("Enrolled children.", "KEN"), Activity("Built schools", "UGA"),
                    Activity("Trained teachers.", "UGA")]


def test_partner_key_ending_a_run_on_flattened_group_and_a_colon_in_a_name():
    partners, warnings = parse_partners("Kenya: A; Ministry of Labour Uganda: B; ILO: IPEC")
    assert partners == [Partner("KEN", "A"), Partner("KEN", "Ministry of Labour"), Partner("UGA", "B"),
                        Partner("UGA", "ILO: IPEC")]
    assert warnings == ["partners: 'ILO' before a colon is not a known country"]


def test_region_line_inverted_names_and_semicolons():
    from tcps.parse.summary import _region
    warnings = []
    assert _region("AFRICA/ Congo, Democratic Republic of the; Niger – Maradi, Atlantis", warnings) == (
        "AFRICA", ["COD", "NER"])
    assert warnings == ["region/country: unresolved country 'Atlantis'"]


def test_funding_kinds_named_in_words():
    entries, leftover = parse_funding(
        "Cost share funding: USD 400,000 FY2012: US $1,000,000 Total Award: USD 5")
    assert entries == [Funding([], 400000, kind="matching"), Funding([2012], 1000000),
                       Funding([], 5, kind="total")] and leftover == ""


def test_region_line_wrapped_inside_a_country_name():
    from tcps.parse.summary import _region
    assert _region("AFRICA/Benin, Sierra\n\tLeone, Togo", []) == ("AFRICA", ["BEN", "SLE", "TGO"])
    assert _region("ASIA/\n\tPakistan – Punjab\n\tPhilippines - Mindanao", []) == ("ASIA", ["PAK", "PHL"])


def test_lines_wrapped_before_a_capital_go_on_but_a_heading_line_does_not():
    text = ("Reduce the worst forms of child labor in the cocoa-growing areas of South\nEastern Ghana\n"
            "Intermediate objectives include:\n• Build schools in South\nEastern Ghana;\n• Train teachers.")
    assert [(o.level, o.text) for o in parse_objectives(text)] == [
        ("development",
         "Reduce the worst forms of child labor in the cocoa-growing areas of South Eastern Ghana"),
        ("intermediate", "Build schools in South Eastern Ghana"), ("intermediate", "Train teachers.")]


def test_flattened_label_words_before_a_lower_case_word_lose_to_the_real_label():
    text = ("Project Title A Title Problem to be Addressed Results of the survey show work. "
            "Results The project reached 5 children.")
    s = find_sections(text)
    assert s.values["problem"].strip() == "Results of the survey show work."
    assert s.values["results"].strip() == "The project reached 5 children."


def test_two_countries_joined_by_and_on_the_region_line():
    """A country's pattern may open with '.*': its match must not swallow the name before it."""
    from tcps.parse.summary import _region
    assert _region("ASIA/Philippines and Pakistan", []) == ("ASIA", ["PHL", "PAK"])


def test_parenthesised_qualifiers_after_a_country():
    from tcps.parse.summary import _region
    warnings = []
    assert _region("ASIA/India (Tamil Nadu, Karnataka), Nepal", warnings) == ("ASIA", ["IND", "NPL"])
    assert warnings == []
    acts = parse_activities("Uganda (Wakiso District)\n• Trained teachers.")
    assert acts == [Activity("Trained teachers.", "UGA")]
