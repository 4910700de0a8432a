"""Check the source article's claims against the book's data: recompute each figure, compare, give a verdict.

``article_claims`` holds one row per claim, with the article's value and bound, the row(s) of another table that
hold the source's value (``check_resource``, ``check_key``, ``check_field``), how that value is obtained
(``check_kind``) and the tolerance that counts as a match. The verdicts are decided here, once, and every chapter
reads them from :func:`check_claims` (never restates its own).

Modules, one job each:

* :mod:`.intervals`: what the article's wording and a source's figure allow (the interval rule);
* :mod:`.text`: item lists and quotations compared after folding case and punctuation;
* :mod:`.derivations`: find the linked rows by the primary keys of ``datapackage.json`` and recompute ratios,
  sums, day counts and reductions;
* :mod:`.rule`: the verdict rule, including attribution, every primary statement and claims of absence;
* :mod:`.tables` and :mod:`.figures`: what chapter 8 shows.
"""

from distillbook.factcheck.derivations import (
    CHECK_KINDS,
    DERIVED_KINDS,
    NUMERIC_KINDS,
    SourceValue,
    derive,
    find_row,
    lookup,
    parse_inputs,
    primary_key,
)
from distillbook.factcheck.errors import FactCheckError
from distillbook.factcheck.figures import VERDICT_COLOURS, plot_gaps, plot_verdicts
from distillbook.factcheck.intervals import Interval, article_interval, date_interval, source_interval
from distillbook.factcheck.rule import (
    PARAPHRASE,
    VERDICTS,
    article_date,
    check_claim,
    check_claims,
    verdict_counts,
    verdict_label,
    verdict_labels,
    weakest_kind,
    with_source_kinds,
)
from distillbook.factcheck.tables import (
    DIRECTIONS,
    collapsible,
    derivation_table,
    display_table,
    error_table,
    format_value,
    gap_table,
    in_words,
)
from distillbook.factcheck.text import normalise_text, quote_found, same_text, text_items

__all__ = [
    "CHECK_KINDS",
    "DERIVED_KINDS",
    "DIRECTIONS",
    "NUMERIC_KINDS",
    "PARAPHRASE",
    "VERDICTS",
    "VERDICT_COLOURS",
    "FactCheckError",
    "Interval",
    "SourceValue",
    "article_date",
    "article_interval",
    "check_claim",
    "check_claims",
    "collapsible",
    "date_interval",
    "derivation_table",
    "derive",
    "display_table",
    "error_table",
    "find_row",
    "format_value",
    "gap_table",
    "in_words",
    "lookup",
    "normalise_text",
    "parse_inputs",
    "plot_gaps",
    "plot_verdicts",
    "primary_key",
    "quote_found",
    "same_text",
    "source_interval",
    "text_items",
    "verdict_counts",
    "verdict_label",
    "verdict_labels",
    "weakest_kind",
    "with_source_kinds",
]
