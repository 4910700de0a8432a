"""Tests of distillbook.factcheck: every check kind and tolerance by hand, the real claims table, and the
verdicts stored in chapter 6 against what the current data implies."""

from __future__ import annotations

import ast
import json
import math
import re

import nbformat
import pandas as pd
import pytest

from distillbook import data, factcheck, paths
from distillbook import sources as sources_module
from distillbook.factcheck import FactCheckError, Interval

ROOT = paths.repository_root()
NOTEBOOK = ROOT / "chapters" / "08_checking_the_story.ipynb"
ARTICLE = paths.shared_sources_dir() / "source-article.txt"


# --- small hand-made tables -----------------------------------------------------------------------------------


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    prices = pd.DataFrame(
        {
            "provider": ["OpenAI", "DeepSeek"],
            "model": ["o1", "R1"],
            "api_model_id": [pd.NA, "deepseek-reasoner"],
            "effective_date": [pd.NaT, pd.Timestamp("2025-01-01")],
            "source_id": ["forum", "pricing"],
            "input": [15.0, 0.55],
            "output": [60.0, 2.19],
        }
    ).astype({"api_model_id": "string"})
    claims = pd.DataFrame(
        {
            "claim_id": ["C1", "C2", "C3", "C4"],
            "value": [16e6, 24000.0, float("nan"), 150000.0],
            "bound": ["at least", "approximately", "not stated", "at least"],
            "accused_party": ["DeepSeek; Moonshot AI; MiniMax", "x", "DeepSeek", "DeepSeek"],
            "quote": ["", "", "We believe that DeepSeek uses U.S. labs’ models.", ""],
            "source_id": ["report", "report", "memo-copy", "report"],
        }
    )
    events = pd.DataFrame(
        {
            "event_id": ["E1", "E2", "E3"],
            "date": pd.to_datetime(["2026-02-12", "2026-02-23", "2025-01-01"]),
            "date_precision": ["day", "day", "month"],
            "source_id": ["memo-copy", "report", "news"],
        }
    )
    campaigns = pd.DataFrame(
        {
            "campaign_id": ["K1", "K2"],
            "exchanges_lower_bound": [150000, 3400000],
            "exchanges_bound": ["at least", "at least"],
            "source_id": ["report", "report"],
        }
    )
    return {"api_prices": prices, "claims": claims, "events": events, "distillation_campaigns": campaigns}


def claim(**fields) -> pd.Series:
    base = {
        "claim_id": "T1",
        "value": float("nan"),
        "value_high": float("nan"),
        "value_text": pd.NA,
        "article_date": pd.NaT,
        "date_precision": pd.NA,
        "unit": "x",
        "bound": "exactly",
        "check_kind": "value",
        "check_resource": "api_prices",
        "check_key": "OpenAI|o1|||forum",
        "check_field": "input",
        "tolerance_kind": "exact",
        "tolerance_value": float("nan"),
        "uncheckable_reason": pd.NA,
    }
    base.update(fields)
    return pd.Series(base)


def verdict(row: pd.Series, tables: dict[str, pd.DataFrame]) -> str:
    return factcheck.check_claim(row, tables)["verdict"]


# --- intervals: the article's wording, the source's figure, dates ---------------------------------------------


def test_article_interval_for_each_tolerance():
    assert factcheck.article_interval(2029, "exactly", "exact") == Interval(2029, 2029)
    assert factcheck.article_interval(79, "approximately", "rounding", 1) == Interval(78.5, 79.5)
    assert factcheck.article_interval(1800, "approximately", "rounding", 100) == Interval(1750, 1850)
    assert factcheck.article_interval(200, "approximately", "relative", 5) == Interval(190, 210)
    assert factcheck.article_interval(16e6, "at least", "bound") == Interval(16e6, math.inf)
    assert factcheck.article_interval(20, "range", "bound", value_high=50) == Interval(20, 50)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ((16e6, "at least", "exact"), "needs tolerance_kind 'bound'"),
        ((5, "approximately", "exact"), "needs bound 'exactly'"),
        ((5, "approximately", "rounding"), "rounding step"),
        ((5, "approximately", "rounding", -1), "above zero"),
        ((5, "exactly", "bound"), "'at least' or 'range'"),
        ((50, "range", "bound", None, 20), "value_high >= value"),
        ((5, "exactly", "fuzzy"), "tolerance_kind must be one of"),
        ((float("nan"), "exactly", "exact"), "value is empty"),
    ],
)
def test_article_interval_refuses_nonsense(arguments, message):
    with pytest.raises(FactCheckError, match=message):
        factcheck.article_interval(*arguments)


def test_source_interval_reads_the_sources_own_bound():
    assert factcheck.source_interval(5, "exactly") == Interval(5, 5)
    assert factcheck.source_interval(5, "not stated") == Interval(5, 5)
    assert factcheck.source_interval(150000, "at least") == Interval(150000, math.inf)
    assert factcheck.source_interval(24000, "approximately") == Interval(23760, 24240)  # 1% either side
    with pytest.raises(FactCheckError, match="unknown bound"):
        factcheck.source_interval(5, "maybe")


def test_interval_containment():
    assert Interval(78.5, 79.5).contains(Interval(79.2, 79.2))
    assert not Interval(1750, 1850).contains(Interval(2061, 2061))
    assert Interval(16e6, math.inf).contains(Interval(16.55e6, math.inf))
    assert not Interval(24000, math.inf).contains(Interval(23760, 24240))  # "over" vs "approximately"
    assert not Interval(150000, 150000).contains(Interval(150000, math.inf))  # "150,000" vs "over 150,000"
    assert Interval(0.55, 0.55).contains(Interval(0.1 + 0.45, 0.1 + 0.45))  # float noise tolerated


def test_date_interval_by_precision():
    day = factcheck.date_interval("2026-02-23", "day")
    assert day.high - day.low == 0
    february = factcheck.date_interval("2025-02-01", "month")
    assert february.high - february.low == 27  # 28 days in February 2025
    year = factcheck.date_interval("2015-01-01", "year")
    assert year.high - year.low == 364
    assert year.contains(factcheck.date_interval("2015-03-09"))
    with pytest.raises(FactCheckError, match="precision"):
        factcheck.date_interval("2015-01-01", "week")
    with pytest.raises(FactCheckError, match="needs a date"):
        factcheck.date_interval(pd.NaT)


# --- text and quotations --------------------------------------------------------------------------------------


def test_text_items_ignore_case_spacing_punctuation_and_order():
    assert factcheck.same_text("DeepSeek, Moonshot AI, and MiniMax", "DeepSeek; Moonshot AI; MiniMax")
    assert factcheck.same_text("S.321", "S. 321")
    assert factcheck.same_text("None", "none")
    assert not factcheck.same_text("DeepSeek", "DeepSeek; MiniMax")


def test_quote_found_word_for_word():
    source = "We have observed accounts that circumvent OpenAI’s access restrictions in the U.S. market."
    assert factcheck.quote_found("accounts that circumvent OpenAI's access restrictions in the US market", source)
    assert not factcheck.quote_found("accounts that evade OpenAI's access restrictions", source)
    assert not factcheck.quote_found("", source)


# --- reading linked rows --------------------------------------------------------------------------------------


def test_parse_inputs_shares_one_resource_and_field():
    assert factcheck.parse_inputs("events", "E1;E2", "date") == [("events", "E1", "date"), ("events", "E2", "date")]
    assert factcheck.parse_inputs("a;b", "k1;k2", "f") == [("a", "k1", "f"), ("b", "k2", "f")]
    with pytest.raises(FactCheckError, match="do not line up"):
        factcheck.parse_inputs("a;b;c", "k1;k2", "f")


def test_lookup_composite_key_with_empty_part_and_date(tables):
    o1 = factcheck.lookup(tables, "api_prices", "OpenAI|o1|||forum", "input")
    assert o1.value == 15.0 and o1.bound == "exactly" and o1.source_ids == ("forum",)
    r1 = factcheck.lookup(tables, "api_prices", "DeepSeek|R1|deepseek-reasoner|2025-01-01|pricing", "output")
    assert r1.value == 2.19


def test_lookup_takes_bound_and_precision_from_the_row(tables):
    assert factcheck.lookup(tables, "claims", "C2", "value").bound == "approximately"
    assert factcheck.lookup(tables, "distillation_campaigns", "K1", "exchanges_lower_bound").bound == "at least"
    assert factcheck.lookup(tables, "events", "E3", "date").precision == "month"


@pytest.mark.parametrize(
    ("resource", "key", "field", "message"),
    [
        ("bills", "s321", "congress", "was not passed in"),
        ("claims", "C9", "value", "matches 0 rows of claims"),
        ("claims", "C1", "colour", "no field 'colour'"),
        ("api_prices", "OpenAI|o1", "input", "needs 5 part"),
    ],
)
def test_lookup_errors_name_the_problem(tables, resource, key, field, message):
    with pytest.raises(FactCheckError, match=message):
        factcheck.lookup(tables, resource, key, field)


# --- derivations ----------------------------------------------------------------------------------------------


def sv(value, bound="exactly", sources=("s",)):
    return factcheck.SourceValue(value, bound, "day", sources)


def test_derive_ratio_and_percent_reduction_by_hand():
    ratio = factcheck.derive("ratio", [sv(15.0), sv(0.55)])
    assert ratio.value == pytest.approx(27.2727, abs=1e-4) and ratio.bound == "exactly"
    reduction = factcheck.derive("percent_reduction", [sv(15.0), sv(0.55)])
    assert reduction.value == pytest.approx(96.3333, abs=1e-4)  # 100 x 14.45 / 15
    with pytest.raises(FactCheckError, match="lower bounds"):
        factcheck.derive("ratio", [sv(15.0, "at least"), sv(0.55)])
    with pytest.raises(FactCheckError, match="non-zero"):
        factcheck.derive("ratio", [sv(15.0), sv(0.0)])


def test_derive_sum_keeps_the_weakest_bound():
    total = factcheck.derive("sum", [sv(150000, "at least"), sv(3.4e6, "at least"), sv(13e6, "at least")])
    assert total.value == 16_550_000 and total.bound == "at least"
    assert factcheck.derive("sum", [sv(5_576_000), sv(294_000)]).value == 5_870_000
    assert factcheck.derive("sum", [sv(1), sv(2, "approximately")]).bound == "approximately"
    with pytest.raises(FactCheckError, match="at least two"):
        factcheck.derive("sum", [sv(1)])


def test_derive_days_between_and_sources():
    days = factcheck.derive(
        "days_between",
        [sv(pd.Timestamp("2026-02-12"), sources=("a",)), sv(pd.Timestamp("2026-02-23"), sources=("b", "a"))],
    )
    assert days.value == 11 and days.source_ids == ("a", "b")
    with pytest.raises(FactCheckError, match="needs 2 input"):
        factcheck.derive("days_between", [sv(pd.Timestamp("2026-02-12"))])


# --- whole claims, one per check kind and tolerance -----------------------------------------------------------


def test_value_exact_and_rounding(tables):
    assert verdict(claim(value=15.0), tables) == "matches"
    assert verdict(claim(value=15.5), tables) == "differs"
    rounded = claim(value=15.2, bound="approximately", tolerance_kind="rounding", tolerance_value=1)
    assert verdict(rounded, tables) == "matches"
    assert (
        verdict(claim(value=16.0, bound="approximately", tolerance_kind="rounding", tolerance_value=1), tables)
        == "differs"
    )


def test_value_relative(tables):
    near = claim(value=14.5, bound="approximately", tolerance_kind="relative", tolerance_value=5)
    far = claim(value=13.0, bound="approximately", tolerance_kind="relative", tolerance_value=5)
    assert verdict(near, tables) == "matches" and verdict(far, tables) == "differs"


def test_value_bound_against_the_sources_bound(tables):
    over = dict(check_resource="claims", check_field="value", bound="at least", tolerance_kind="bound")
    assert verdict(claim(value=16e6, check_key="C1", **over), tables) == "matches"
    assert verdict(claim(value=10e6, check_key="C1", **over), tables) == "matches"  # weaker, still true
    assert verdict(claim(value=20e6, check_key="C1", **over), tables) == "differs"
    result = factcheck.check_claim(claim(value=24000, check_key="C2", **over), tables)
    assert result["verdict"] == "differs" and result["difference"] == "qualifier only"
    bare = factcheck.check_claim(
        claim(value=150000, check_resource="claims", check_key="C4", check_field="value"), tables
    )
    assert bare["verdict"] == "differs" and bare["difference"] == "qualifier only"


def test_ratio_range_and_percent_reduction_claims(tables):
    keys = "OpenAI|o1|||forum;DeepSeek|R1|deepseek-reasoner|2025-01-01|pricing"
    ratio = claim(
        value=27,
        bound="approximately",
        check_kind="ratio",
        check_key=keys,
        tolerance_kind="rounding",
        tolerance_value=1,
    )
    assert verdict(ratio, tables) == "matches"
    in_range = claim(
        value=20,
        value_high=50,
        bound="range",
        check_kind="ratio",
        check_key=keys,
        check_field="output",
        tolerance_kind="bound",
    )
    assert verdict(in_range, tables) == "matches"
    assert verdict(in_range.copy().replace({50: 25}), tables) == "differs"
    reduction = claim(
        value=95, check_kind="percent_reduction", check_key=keys, tolerance_kind="rounding", tolerance_value=1
    )
    assert verdict(reduction, tables) == "differs"  # 96.33 does not round to 95
    assert verdict(reduction.copy().replace({1: 5.0}), tables) == "matches"  # it rounds to 95 in steps of 5


def test_sum_and_days_between_claims(tables):
    total = claim(
        value=3e6,
        bound="at least",
        check_kind="sum",
        check_resource="distillation_campaigns",
        check_key="K1;K2",
        check_field="exchanges_lower_bound",
        tolerance_kind="bound",
    )
    assert verdict(total, tables) == "matches"
    days = dict(check_kind="days_between", check_resource="events", check_key="E1;E2", check_field="date")
    assert verdict(claim(value=12, **days), tables) == "differs"
    assert verdict(claim(value=11, **days), tables) == "matches"
    weeks = claim(value=14, bound="approximately", tolerance_kind="rounding", tolerance_value=7, **days)
    assert verdict(weeks, tables) == "matches"


def test_date_claims_at_the_articles_precision(tables):
    on_day = dict(check_kind="date", check_resource="events", check_field="date", date_precision="day")
    assert verdict(claim(article_date=pd.Timestamp("2026-02-12"), check_key="E1", **on_day), tables) == "matches"
    wrong = factcheck.check_claim(claim(article_date=pd.Timestamp("2026-02-24"), check_key="E2", **on_day), tables)
    assert wrong["verdict"] == "differs" and wrong["difference"] == "date"
    month = dict(on_day, date_precision="month", tolerance_kind="rounding")
    assert verdict(claim(article_date=pd.Timestamp("2026-02-01"), check_key="E2", **month), tables) == "matches"
    # The source knows only the month: a claimed day inside it cannot be confirmed.
    assert verdict(claim(article_date=pd.Timestamp("2025-01-20"), check_key="E3", **on_day), tables) == "differs"


def test_text_and_quote_claims(tables):
    text = dict(check_kind="text", check_resource="claims", check_field="accused_party")
    assert verdict(claim(value_text="DeepSeek, Moonshot AI, MiniMax", check_key="C1", **text), tables) == "matches"
    assert verdict(claim(value_text="DeepSeek", check_key="C1", **text), tables) == "differs"
    quote = dict(check_kind="quote", check_resource="claims", check_key="C3", check_field="quote")
    assert verdict(claim(value_text="DeepSeek uses US labs' models", **quote), tables) == "matches"
    assert verdict(claim(value_text="DeepSeek copies US labs' models", **quote), tables) == "differs"


def test_none_and_empty_cells_cannot_be_checked(tables):
    none = factcheck.check_claim(claim(check_kind="none", uncheckable_reason="no source found"), tables)
    assert none["verdict"] == "cannot be checked" and none["reason"] == "no source found"
    empty = factcheck.check_claim(claim(value=5, check_resource="claims", check_key="C3", check_field="value"), tables)
    assert empty["verdict"] == "cannot be checked" and "empty" in empty["reason"]


def test_bad_claim_rows_raise_with_the_claim_id(tables):
    with pytest.raises(FactCheckError, match=r"T1: unknown check_kind"):
        factcheck.check_claim(claim(check_kind="guess"), tables)
    with pytest.raises(FactCheckError, match="T1: key 'Nobody"):
        factcheck.check_claim(claim(check_key="Nobody|x|||y"), tables)


def test_format_value_and_counts():
    assert factcheck.format_value(16e6, "exchanges", "at least") == "over 16,000,000 exchanges"
    assert factcheck.format_value(0.55, "USD per million tokens") == "$0.55 per million tokens"
    assert factcheck.format_value(79.2, "percent") == "79.2%"
    assert factcheck.format_value(pd.Timestamp("2026-02-23"), "date") == "23 Feb 2026"
    results = pd.DataFrame({"topic": ["a", "a", "b"], "verdict": ["matches", "differs", "matches"]})
    assert factcheck.verdict_counts(results).iloc[0].tolist() == [2, 1, 0, 0]
    assert factcheck.verdict_counts(results, by="topic").loc["a"].tolist() == [1, 1, 0, 0]


def test_weakest_source_kind():
    sources = pd.DataFrame({"source_id": ["p", "s", "n"], "kind": ["primary", "secondary", "news"]})
    assert factcheck.weakest_kind(("p", "s"), sources) == "secondary"
    assert factcheck.weakest_kind(("p", "n", "s"), sources) == "news"
    assert factcheck.weakest_kind((), sources) == ""
    with pytest.raises(sources_module.SourceError, match="not in the table"):
        factcheck.weakest_kind(("x",), sources)


# --- the real claims table ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    claims = data.load("article_claims")
    names = set(claims["check_resource"].dropna().str.split(";").explode().str.strip()) | {"sources", "statements"}
    loaded = {name: data.load(name) for name in sorted(names)}
    return claims, loaded


def test_primary_keys_are_read_from_the_data_package():
    for name in data.table_names():
        key = data.resource(name)["schema"].get("primaryKey")
        if key:
            assert list(factcheck.primary_key(name)) == ([key] if isinstance(key, str) else key), name
    with pytest.raises(FactCheckError, match=r"not in datapackage\.json"):
        factcheck.primary_key("no_such_table")


def test_every_claim_is_well_formed(real):
    claims, _ = real
    kind = claims["check_kind"]
    interval = kind.isin([*factcheck.NUMERIC_KINDS, "date", "text"])
    assert claims.loc[interval, ["tolerance_kind", "tolerance_reason"]].notna().all().all()
    none = kind == "none"
    assert claims.loc[none, ["uncheckable_kind", "uncheckable_reason"]].notna().all().all()
    assert claims.loc[none, "check_key"].isna().all()
    absence = kind.isin(["absence", "presence"])
    assert claims.loc[absence, ["search_scope", "searched_through", "scope_complete"]].notna().all().all()
    searchable = absence | (kind == "quote")  # an untraced quotation may record the search that missed it
    assert claims.loc[~searchable, ["search_scope", "searched_through", "scope_complete"]].isna().all().all()
    scoped = claims["search_scope"].notna()
    assert claims.loc[scoped, "scope_complete"].isin(["yes", "no"]).all()
    numeric = kind.isin(factcheck.NUMERIC_KINDS)
    assert claims.loc[numeric, "value"].notna().all()
    assert claims.loc[kind == "date", ["article_date", "date_precision"]].notna().all().all()
    assert claims.loc[claims["bound"] == "range", "value_high"].notna().all()
    assert "legacy_id" not in claims.columns  # one id per claim, AC###, everywhere


@pytest.mark.skipif(not ARTICLE.is_file(), reason="the source article is not beside the repository")
def test_every_wording_is_verbatim_from_the_article(real):
    claims, _ = real
    text = ARTICLE.read_text(encoding="utf-8")
    missing = [c for c, w in zip(claims["claim_id"], claims["article_wording"], strict=True) if w not in text]
    assert not missing, f"article_wording not found verbatim in the article: {missing}"


def test_every_claim_checks_deterministically(real):
    claims, loaded = real
    first = factcheck.check_claims(claims, loaded)
    second = factcheck.check_claims(claims, loaded)
    pd.testing.assert_frame_equal(first, second)
    assert set(first["verdict"]) <= set(factcheck.VERDICTS)
    assert (first["verdict"] == "cannot be checked").sum() >= (claims["check_kind"] == "none").sum()


#: Words that, in an explanation, say the opposite of its verdict. A 'matches' whose explanation says the article
#: 'overstates' is a contradiction; so is a 'differs' that says 'same figure'. Kept short on purpose: each entry
#: is a phrase a fact-checker would only write for the other verdict.
CONTRADICTIONS = {
    "matches": [
        "overstates",
        "understates",
        "does not match",
        "is wrong",
        "unconfirmed",
        "not traced",
        "unsupported",
        "misquot",
        # Hedges that concede a miss: a matching claim explained as 'loose', 'lower', 'only just' or 'X would be
        # closer' is a near miss the rule should have ruled on, not a match (the fact-checker's review).
        "loose",
        "lower",
        "only just",
        "would be closer",
    ],
    "differs": ["same figure", "same words", "same wording", "matches its source", "unconfirmed"],
    "misattributed": ["unconfirmed", "not traced", "no source", "lehane's own words"],
    "cannot be checked": ["the same words", "same figure", "confirmed by"],
}


def contradictions(results: pd.DataFrame) -> dict[str, list[str]]:
    """Return {claim_id: [contradicting phrases]} for explanations that say the opposite of their verdict."""
    found = {}
    for row in results.itertuples():
        words = [w for w in CONTRADICTIONS[row.verdict] if w in str(row.explanation).casefold()]
        if words:
            found[row.claim_id] = words
    return found


def test_every_explanation_agrees_with_its_verdict(real):
    claims, loaded = real
    assert contradictions(factcheck.check_claims(claims, loaded)) == {}


def test_same_record_and_scope_get_the_same_verdict(real):
    """Claims about the same thing (check_key) searched the same way (search_scope) get one verdict; and claims
    that a thing exists (presence, quotation) whose search found nothing get one verdict per scope, so OpenAI's
    memo cannot be 'not found' for one claim and 'cannot be checked' for the next."""
    claims, loaded = real
    results = factcheck.check_claims(claims, loaded)
    scoped = results[results["search_scope"].notna()]
    verdicts = scoped.groupby(["check_key", "search_scope"])["verdict"].agg(set)
    assert all(len(found) == 1 for found in verdicts), verdicts[verdicts.map(len) > 1]
    nothing = scoped["check_kind"].isin(["presence", "quote"]) & scoped["source_value"].isin([None, "none found"])
    by_scope = scoped[nothing].groupby("search_scope")["verdict"].agg(set)
    assert all(len(found) == 1 for found in by_scope), by_scope[by_scope.map(len) > 1]
    memo = results.set_index("claim_id").loc[["AC034", "AC039", "AC075"]]
    assert len(set(memo["search_scope"])) == 1 and set(memo["verdict"]) == {"cannot be checked"}


def test_every_difference_has_one_error_and_a_direction(real):
    claims, loaded = real
    errors = factcheck.error_table(factcheck.check_claims(claims, loaded))
    assert errors["Direction"].isin(factcheck.DIRECTIONS).all()
    assert errors.set_index("Error").loc["Anthropic report date", "Claims"] == "AC003, AC004, AC005"


def test_error_table_refuses_a_difference_without_a_direction():
    results = pd.DataFrame({"claim_id": ["X1", "X2"], "short_label": ["a", "b"], "verdict": ["differs", "differs"],
                            "difference": ["date", "number"], "error_id": ["e1", "e1"],
                            "direction": ["neutral", pd.NA], "direction_reason": ["r", "r"]})  # fmt: skip
    with pytest.raises(factcheck.FactCheckError, match="X2 differ but have no error_id"):
        factcheck.error_table(results)
    both = results.assign(direction=["neutral", "for the accused"])
    with pytest.raises(factcheck.FactCheckError, match="two directions"):
        factcheck.error_table(both)
    one = factcheck.error_table(results.assign(direction="neutral"))
    assert one[["Claims", "Count", "What differs"]].iloc[0].tolist() == ["X1, X2", 2, "date, number"]


def test_the_contradiction_check_can_fail():
    results = pd.DataFrame({"claim_id": ["X1", "X2"], "verdict": ["matches", "differs"],
                            "explanation": ["'Moving' overstates it.", "Same figure as the report."]})  # fmt: skip
    assert contradictions(results) == {"X1": ["overstates"], "X2": ["same figure"]}


def test_verdict_labels_name_what_differs():
    results = pd.DataFrame(
        {
            "claim_id": ["X1", "X2", "X3"],
            "verdict": ["matches", "differs", "cannot be checked"],
            "difference": ["", "qualifier only", ""],
        }
    )
    labels = factcheck.verdict_labels(results)
    assert labels.to_dict() == {"X1": "matches", "X2": "differs (qualifier only)", "X3": "cannot be checked"}


# --- the executed chapter agrees with the data ----------------------------------------------------------------


def glued(notebook_path) -> dict[str, object]:
    values = {}
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook")
            if record:
                text = output["data"].get(f"{record['mime_prefix']}text/plain")
                is_figure = f"{record['mime_prefix']}image/png" in output["data"]
                values[record["name"]] = "<figure>" if is_figure else ast.literal_eval(text)
    return values


def test_stored_verdicts_are_what_the_data_implies(real):
    """A data change that flips a verdict fails here until chapter 6 is re-executed."""
    claims, loaded = real
    results = factcheck.check_claims(claims, loaded)
    expected = dict(zip(results["claim_id"], results["verdict"], strict=True))
    stored = json.loads(glued(NOTEBOOK)["check-verdicts-json"])
    flipped = {k: (stored.get(k), v) for k, v in expected.items() if stored.get(k) != v}
    assert not flipped and set(stored) == set(expected), f"re-execute chapter 6; (stored, now): {flipped}"


def test_stored_counts_are_what_the_data_implies(real):
    claims, loaded = real
    counts = factcheck.verdict_counts(factcheck.check_claims(claims, loaded)).iloc[0]
    values = glued(NOTEBOOK)
    assert values["check-claims-total"] == len(claims)
    for verdict, name in [("matches", "matches"), ("differs", "differs"), ("misattributed", "misattributed"),
                          ("cannot be checked", "cannot")]:  # fmt: skip
        assert values[f"check-{name}"] == counts[verdict]  # numbers, for the front page
        assert values[f"check-{name}-words"] == factcheck.in_words(counts[verdict])  # words, for the prose


def test_markdown_uses_only_glued_names():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    names = set(glued(NOTEBOOK))
    text = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    used = {match.split(":")[0] for match in re.findall(r"\{glue:(?:text|figure)\}`([^`]+)`", text)}
    used |= set(re.findall(r"```\{glue:figure\} (\S+)", text))
    assert used <= names, f"glued names missing: {sorted(used - names)}"
    assert all(name.startswith("check-") for name in names)


# --- the written rules: statements, attribution, absence ------------------------------------------------------


@pytest.fixture
def told() -> dict[str, pd.DataFrame]:
    statements = pd.DataFrame(
        {
            "statement_id": ["S1", "S2", "S3", "S4", "S5"],
            "speaker": ["Lab", "Lab", "Reporter", "Rival", "Rival"],
            "date": pd.to_datetime(["2026-02-23", "2026-02-23", "2026-02-14", "2026-02-24", "2026-07-01"]),
            "kind": ["statement", "statement", "statement", "no comment", "statement"],
            "topic": ["accounts", "accounts", "threat", "allegations", "allegations"],
            "words": [
                "about 24,000 accounts",
                "over 24,000 accounts",
                "distillation could pose a business threat",
                "did not respond",
                "we deny it",
            ],
            "value": [24000.0, 24000.0, float("nan"), float("nan"), float("nan")],
            "bound": ["approximately", "at least", pd.NA, pd.NA, pd.NA],
            "source_id": ["report", "post", "paper", "news", "later"],
            "paraphrase_of": [pd.NA, pd.NA, "Analyst", pd.NA, pd.NA],
        }
    )
    sources = pd.DataFrame({"source_id": ["source-article"], "published_date": [pd.Timestamp("2026-02-27")]})
    return {"statements": statements, "sources": sources}


def test_any_statement_by_the_speaker_counts(told):
    over = {"bound": "at least", "tolerance_kind": "bound", "check_resource": "statements", "check_field": "value"}
    result = factcheck.check_claim(claim(value=24000, check_key="Lab|accounts", **over), told)
    assert result["verdict"] == "matches" and result["source_ids"] == ("post",)  # the post, not the report
    only_report = told | {"statements": told["statements"].drop(index=1)}
    assert verdict(claim(value=24000, check_key="Lab|accounts", **over), only_report) == "differs"


def test_quotation_in_someone_elses_words_is_misattributed(told):
    quote = {"check_kind": "quote", "check_resource": "statements", "check_field": "words"}
    wording = "could pose a business threat"
    right = factcheck.check_claim(claim(value_text=wording, check_key="Reporter", **quote), told)
    assert right["verdict"] == "matches"
    wrong = factcheck.check_claim(claim(value_text=wording, check_key="Think tank", **quote), told)
    assert (wrong["verdict"], wrong["difference"]) == ("misattributed", "Reporter")
    paraphrased = factcheck.check_claim(claim(value_text=wording, check_key="Analyst", **quote), told)
    assert (paraphrased["verdict"], paraphrased["difference"]) == ("misattributed", f"{factcheck.PARAPHRASE}: Reporter")
    untraced = claim(value_text="steal, copy, and kill", check_key="Lab", uncheckable_reason="searched", **quote)
    assert factcheck.check_claim(untraced, told)["reason"] == "searched"
    assert verdict(untraced, told) == "cannot be checked"


def test_absence_needs_a_search_that_covers_the_articles_date(told):
    base = {"check_resource": "statements", "check_key": "Rival|allegations", "check_field": "words",
            "article_date": pd.Timestamp("2026-02-23"), "search_scope": "news", "scope_complete": "yes",
            "tolerance_kind": pd.NA}  # fmt: skip
    searched = {"searched_through": pd.Timestamp("2026-12-01")}
    assert verdict(claim(check_kind="absence", **base, **searched), told) == "matches"  # July denial is later
    assert verdict(claim(check_kind="presence", **base, **searched), told) == "differs"
    stale = {"searched_through": pd.Timestamp("2026-02-20")}  # the search ended before the article
    assert verdict(claim(check_kind="absence", **base, **stale), told) == "cannot be checked"
    unscoped = base | {"search_scope": pd.NA}
    assert verdict(claim(check_kind="absence", **unscoped, **searched), told) == "cannot be checked"
    partial = base | {"scope_complete": "no"}  # a record read only in part decides neither way
    assert verdict(claim(check_kind="absence", **partial, **searched), told) == "cannot be checked"
    assert verdict(claim(check_kind="presence", **partial, **searched), told) == "cannot be checked"
    early = base | {"article_date": pd.NaT}
    told_later = told | {"sources": told["sources"].assign(published_date=pd.Timestamp("2026-08-01"))}
    assert verdict(claim(check_kind="absence", **early, **searched), told_later) == "differs"  # the denial counts
    assert verdict(claim(check_kind="presence", **early, **searched), told_later) == "matches"


# --- one verdict per claim, in every chapter ------------------------------------------------------------------

CLAIM_ID = re.compile(r"\bAC\d{3}\b")
VERDICT_WORDS = re.compile(r"\b(matches|differs|misattributed|cannot be checked)\b")
ROW = re.compile(r"<tr>(.*?)</tr>", re.S)
CELL = re.compile(r"<t[hd][^>]*>(.*?)</t[hd]>", re.S)
TAG = re.compile(r"<[^>]+>")


def stated_verdicts(notebook_path) -> list[tuple[str, str, str]]:
    """Return (claim_id, verdict, where) for every verdict a notebook states next to a claim id.

    Tables: in every HTML table of the outputs, a row naming exactly one claim id whose 'Verdict' column starts
    with a verdict. Prose: a markdown sentence, or a plain-text output line, with one claim id and one verdict word.
    """
    import html

    found = []
    notebook = nbformat.read(notebook_path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        texts = [cell.source] if cell.cell_type == "markdown" else []
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                value = "".join(value) if isinstance(value, list) else str(value)
                if mime.endswith("text/html"):
                    found += _table_verdicts(html.unescape(value), f"{notebook_path.name} cell {index}")
                elif mime.endswith("text/plain") and "<table" not in value:
                    texts.append(value)
        for text in texts:
            for sentence in re.split(r"(?<=[.;])\s|\n", text):
                ids, verdicts = set(CLAIM_ID.findall(sentence)), set(VERDICT_WORDS.findall(sentence))
                if len(ids) == 1 and len(verdicts) == 1:
                    found.append((ids.pop(), verdicts.pop(), f"{notebook_path.name} cell {index}: {sentence[:80]}"))
    return found


def _table_verdicts(page: str, where: str) -> list[tuple[str, str, str]]:
    """Verdicts in HTML tables: every column whose header says 'verdict' (not 'earlier'), each tied to the one
    claim id in the cells since the previous verdict column ('(no claim id)' when there is none or several)."""
    found = []
    for table in re.findall(r"<table.*?</table>", page, re.S):
        rows = [[TAG.sub("", cell).strip() for cell in CELL.findall(row)] for row in ROW.findall(table)]
        header = next((row for row in rows if any("verdict" in cell.casefold() for cell in row)), None)
        if header is None:
            continue
        columns = [
            i for i, cell in enumerate(header) if "verdict" in cell.casefold() and "earlier" not in cell.casefold()
        ]
        for row in rows:
            if row is header or len(row) != len(header):
                continue
            start = 0
            for column in columns:
                ids = set(CLAIM_ID.findall(" ".join(row[start:column])))
                verdict = VERDICT_WORDS.match(row[column])
                if verdict:
                    claim_id = ids.pop() if len(ids) == 1 else "(no claim id)"
                    found.append((claim_id, verdict.group(1), f"{where}: {row[0][:60]}"))
                start = column + 1
    return found


def test_the_verdict_scan_finds_tables_and_sentences(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("The rule: AC005 differs. Nothing here.")]
    page = "<table><tr><th>Claim</th><th>Verdict</th></tr><tr><td>AC017 accounts</td><td>matches</td></tr></table>"
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": page})]
    notebook.cells.append(cell)
    path = tmp_path / "x.ipynb"
    nbformat.write(notebook, path)
    assert [(c, v) for c, v, _ in stated_verdicts(path)] == [("AC005", "differs"), ("AC017", "matches")]


def test_every_chapter_states_the_rules_verdict(real):
    """One verdict per claim: any chapter (executed outputs and prose) that names a claim id beside a verdict
    must state the rule's verdict, and a table row that shows a verdict must name its claim id. Chapters 4, 5
    and 7 pass by taking labels from factcheck.verdict_labels and showing the AC### id in the same row or
    sentence (e.g. a 'Claim' column 'AC052 ...' before the 'Verdict' column)."""
    claims, loaded = real
    expected = dict(zip(*factcheck.check_claims(claims, loaded)[["claim_id", "verdict"]].T.to_numpy(), strict=True))
    wrong = [
        f"{where}: {claim_id} says {verdict!r}, the rule says {expected.get(claim_id)!r}"
        for path in [*sorted((ROOT / "chapters").glob("*.ipynb")), ROOT / "intro.ipynb"]
        for claim_id, verdict, where in stated_verdicts(path)
        if expected.get(claim_id) != verdict
    ]
    assert not wrong, "\n".join(wrong)


def test_gap_chart_keeps_units_apart():
    import matplotlib.pyplot as plt

    gaps = pd.DataFrame(
        {
            "claim_id": ["X1", "X2"],
            "short_label": ["days", "dollars"],
            "verdict": ["differs", "matches"],
            "unit": ["days", "USD"],
            "article_value": [12.0, 5.3e6],
            "source_value": [11.0, 5.33e6],
            "allowed_low": [12.0, 5.25e6],
            "allowed_high": [12.0, 5.35e6],
        }
    )
    figure, ax = plt.subplots()
    with pytest.raises(ValueError, match="one unit per axis"):
        factcheck.plot_gaps(gaps, ax)
    ax = factcheck.plot_gaps(gaps[gaps["unit"] == "USD"].reset_index(drop=True), ax)
    assert ax.get_xlabel() == "US dollars, millions"
    plt.close(figure)
