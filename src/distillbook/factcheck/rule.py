"""The verdict rule: one claim in, one verdict out, the same way for every claim of the same kind.

Verdicts (in this order everywhere): ``matches``, ``differs``, ``misattributed`` (the quoted words exist, but
were said or written by someone other than the person the article names) and ``cannot be checked``.

* Figures, dates and item lists: the article's wording and the source's value are intervals (see
  :mod:`.intervals`); the claim matches when every value the source allows is one the wording allows.
* Every primary statement counts: a figure checked against ``statements`` (key ``speaker|topic``) matches when
  any one statement by that speaker on that topic supports it, so an article that quotes the accuser's own words
  has not misquoted it.
* Quotations: the article's words are searched in every recorded statement. Found in one by the person named:
  matches. Found only in someone else's: misattributed. Found nowhere: cannot be checked.
* Claims of absence ("no response", "none", "not specified") and of presence ("OpenAI alleged millions of API
  calls"): the thing counts as present when a statement by that speaker on that topic is recorded between the
  claim's window start (``article_date``) and the article's own date. If none is, the claim's ``search_scope``
  says what search would have found it, ``searched_through`` until when, and ``scope_complete`` whether that
  search read the whole record (a document read only through quoted passages is not): when the search is complete
  and its date is on or after the article's date, an absence matches and a presence differs; otherwise either
  cannot be checked. Claims about the same record with the same scope therefore get the same verdict.
* Quotations found only in a report that paraphrases the person named (``statements.paraphrase_of``) are
  misattributed with the sub-label 'paraphrase quoted as words': the idea is the speaker's, the words are not.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from distillbook.factcheck import intervals
from distillbook.factcheck.derivations import CHECK_KINDS, SourceValue, derive, lookup, parse_inputs
from distillbook.factcheck.errors import FactCheckError, blank, optional, text
from distillbook.factcheck.text import quote_found, same_text
from distillbook.sources import weakest_kind

VERDICTS = ("matches", "differs", "misattributed", "cannot be checked")
#: The article examined; its published date is the date claims of absence are judged at.
ARTICLE_SOURCE = "source-article"
#: Sub-label of 'misattributed' when the words are a reporter's paraphrase of the person the article names.
PARAPHRASE = "paraphrase quoted as words"


def _result(claim: pd.Series) -> dict[str, Any]:
    return {
        "claim_id": claim["claim_id"],
        "source_value": None,
        "source_bound": "",
        "source_ids": (),
        "verdict": "",
        "difference": "",
        "reason": "",
    }


def check_claim(claim: pd.Series, tables: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Return the check of one claim: source value (number, date or text) and bound, sources, verdict, difference.

    ``difference`` says what differs: 'number', 'qualifier only' (same number, but the source hedges it
    differently), 'date', 'wording', 'found' (a presence or absence the record contradicts) or, for
    'misattributed', who the words belong to. ``reason`` explains a verdict of 'cannot be checked'.
    """
    kind = claim["check_kind"]
    result = _result(claim)
    if kind not in CHECK_KINDS:
        raise FactCheckError(f"{claim['claim_id']}: unknown check_kind {kind!r}")
    if kind == "none":
        result.update(verdict="cannot be checked", reason=text(claim.get("uncheckable_reason")))
        return result
    try:
        if kind in ("absence", "presence"):
            return _check_absence(claim, tables, result)
        if kind == "quote" and claim["check_resource"] == "statements":
            return _check_quote(claim, tables, result)
        if claim["check_resource"] == "statements":
            candidates = _statement_values(tables, claim["check_key"], claim["check_field"])
        else:
            specs = parse_inputs(claim["check_resource"], claim["check_key"], claim["check_field"])
            candidates = [derive(kind, [lookup(tables, *spec) for spec in specs])]
        outcomes = [(source, *_compare(kind, claim, source)) for source in candidates if not blank(source.value)]
    except FactCheckError as error:
        raise FactCheckError(f"{claim['claim_id']}: {error}") from None
    if not outcomes:
        source = candidates[0] if candidates else SourceValue(None)
        result.update(source_ids=source.source_ids, verdict="cannot be checked", reason="the linked data cell is empty")
        return result
    source, matches, difference = next((o for o in outcomes if o[1]), outcomes[0])
    result.update(source_value=source.value, source_bound=source.bound, source_ids=source.source_ids)
    result.update(verdict="matches" if matches else "differs", difference="" if matches else difference)
    return result


def _statements(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    if "statements" not in tables:
        raise FactCheckError(f"resource 'statements' was not passed in (have: {sorted(tables)})")
    return tables["statements"]


def _speaker_topic(key: str) -> tuple[str, str]:
    parts = str(key).split("|")
    if len(parts) != 2 or not all(parts):
        raise FactCheckError(f"a statements key is 'speaker|topic', got {key!r}")
    return parts[0], parts[1]


def _statement_values(tables: dict[str, pd.DataFrame], key: str, field: str) -> list[SourceValue]:
    """Every statement by the key's speaker on its topic, as source values (each with its own bound and source)."""
    frame = _statements(tables)
    speaker, topic = _speaker_topic(key)
    rows = frame[(frame["speaker"] == speaker) & (frame["topic"] == topic) & (frame["kind"] == "statement")]
    if rows.empty:
        raise FactCheckError(f"no statement by {speaker!r} on {topic!r} in statements")
    return [lookup(tables, "statements", statement_id, field) for statement_id in rows["statement_id"].astype(str)]


def _check_quote(claim: pd.Series, tables: dict[str, pd.DataFrame], result: dict[str, Any]) -> dict[str, Any]:
    frame = _statements(tables)
    found = frame[[quote_found(claim["value_text"], words) for words in frame["words"].fillna("")]]
    by_speaker = found[found["speaker"] == claim["check_key"]]
    if by_speaker.empty and found.empty:
        reason = text(claim.get("uncheckable_reason")) or "no recorded statement contains these words"
        result.update(verdict="cannot be checked", reason=reason)
        return result
    chosen = by_speaker if not by_speaker.empty else found
    result.update(source_value=chosen.iloc[0]["words"], source_ids=tuple(dict.fromkeys(chosen["source_id"])))
    if by_speaker.empty:
        speakers = ", ".join(dict.fromkeys(found["speaker"]))
        paraphrases = found["paraphrase_of"] if "paraphrase_of" in found else pd.Series("", index=found.index)
        if (paraphrases.fillna("") == claim["check_key"]).all():
            speakers = f"{PARAPHRASE}: {speakers}"
        result.update(verdict="misattributed", difference=speakers)
    else:
        result.update(verdict="matches")
    return result


def article_date(tables: dict[str, pd.DataFrame]) -> pd.Timestamp:
    """Return the article's own date (its row in the sources table), the date claims of absence are judged at."""
    sources = tables.get("sources")
    if sources is None or ARTICLE_SOURCE not in set(sources["source_id"]):
        raise FactCheckError(f"an absence check needs the sources table with the row '{ARTICLE_SOURCE}'")
    return pd.Timestamp(sources.set_index("source_id").loc[ARTICLE_SOURCE, "published_date"])


def _check_absence(claim: pd.Series, tables: dict[str, pd.DataFrame], result: dict[str, Any]) -> dict[str, Any]:
    frame = _statements(tables)
    as_of = article_date(tables)
    start = pd.Timestamp(claim["article_date"]) if not blank(claim.get("article_date")) else pd.Timestamp.min
    speakers = [part.strip() for part in str(claim["check_key"]).split(";")]
    rows = []
    for key in speakers:
        speaker, topic = _speaker_topic(key)
        dated = frame["date"].between(start, as_of)
        rows.append(frame[(frame["speaker"] == speaker) & (frame["topic"] == topic) & dated])
    everything = pd.concat(rows)
    said = everything[everything["kind"] == "statement"]
    absence = claim["check_kind"] == "absence"
    result["source_ids"] = tuple(dict.fromkeys(everything["source_id"]))
    if not said.empty:
        result.update(source_value=said.iloc[0]["words"], source_ids=tuple(dict.fromkeys(said["source_id"])))
        result.update(verdict="differs" if absence else "matches", difference="contradicted" if absence else "")
        return result
    searched = claim.get("searched_through")
    complete = text(claim.get("scope_complete")) == "yes"
    if complete and text(claim.get("search_scope")) and not blank(searched) and pd.Timestamp(searched) >= as_of:
        result.update(source_value="none found", verdict="matches" if absence else "differs")
        result.update(difference="" if absence else "not found")
        return result
    default = "no search covers it" if complete else "the record searched was not read in full"
    result.update(verdict="cannot be checked", reason=text(claim.get("uncheckable_reason")) or default)
    return result


def _compare(kind: str, claim: pd.Series, source: SourceValue) -> tuple[bool, str]:
    if kind == "date":
        article = intervals.date_interval(claim["article_date"], text(claim.get("date_precision")) or "day")
        return article.contains(intervals.date_interval(source.value, source.precision)), "date"
    if kind == "text":
        return same_text(claim["value_text"], source.value), "wording"
    if kind == "quote":
        return quote_found(claim["value_text"], source.value), "wording"
    article = intervals.article_interval(
        claim["value"],
        claim["bound"],
        claim["tolerance_kind"],
        optional(claim.get("tolerance_value")),
        optional(claim.get("value_high")),
    )
    value = float(source.value)
    same_number = math.isclose(value, float(claim["value"]), rel_tol=intervals.RELATIVE_EPSILON)
    matched = article.contains(intervals.source_interval(value, source.bound))
    return matched, "qualifier only" if same_number else "number"


def check_claims(claims: pd.DataFrame, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Return one row per claim: the claim's columns plus source_value, source_bound, source_ids, verdict,
    difference and reason (see :func:`check_claim`). ``tables`` maps resource names to loaded DataFrames."""
    checked = pd.DataFrame([check_claim(row, tables) for _, row in claims.iterrows()])
    return claims.merge(checked, on="claim_id", how="left", validate="one_to_one")


def with_source_kinds(results: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Return ``results`` with a ``source_kind`` column: the weakest kind of the sources each check rests on."""
    out = results.copy()
    out["source_kind"] = [weakest_kind(tuple(ids), sources) for ids in out["source_ids"]]
    return out


def verdict_counts(results: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Return counts of each verdict (columns in VERDICTS order), overall or per value of column ``by``."""
    if by is None:
        counts = results["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0)
        return counts.to_frame("claims").T.reset_index(drop=True)
    table = pd.crosstab(results[by], results["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
    table.columns.name = None
    return table.astype(int)


def verdict_label(verdict: str, difference: str) -> str:
    """Return a verdict as the book shows it: 'differs (qualifier only)', 'misattributed (Bloomberg News)'."""
    return verdict + (f" ({difference})" if difference else "")


def verdict_labels(results: pd.DataFrame) -> pd.Series:
    """Return each claim's verdict as other chapters show it, indexed by claim_id: the verdict, with what differs
    in brackets ('differs (qualifier only)'), exactly as chapter 8's tables show it."""
    labels = [verdict_label(v, d) for v, d in zip(results["verdict"], results["difference"], strict=True)]
    return pd.Series(labels, index=pd.Index(results["claim_id"], name="claim_id"), name="verdict")
