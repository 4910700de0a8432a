"""Display tables of chapters 1 and 2 (strings, ready for ``glue.table``) and the tidy tables behind two figures."""

from __future__ import annotations

import pandas as pd

from distillbook.distillation.extraction import APIResponse
from distillbook.distillation.kd import NUMBER_OF_CLASSES


def mean_and_range_table(
    runs: pd.DataFrame, index: str, columns: str, value: str, scale: float = 100.0, digits: int = 1
) -> pd.DataFrame:
    """Pivot per-seed ``runs`` into strings 'mean (lowest–highest seed)' of ``value`` times ``scale``.

    Columns keep the order in which they first appear in ``runs``.
    """
    grouped = runs.groupby([index, columns], sort=False)[value].agg(["mean", "min", "max"]).reset_index()
    grouped["cell"] = [
        f"{scale * m:.{digits}f} ({scale * lo:.{digits}f}–{scale * hi:.{digits}f})"
        for m, lo, hi in zip(grouped["mean"], grouped["min"], grouped["max"], strict=True)
    ]
    table = grouped.pivot(index=index, columns=columns, values="cell")
    return table.reindex(columns=list(dict.fromkeys(runs[columns])))


def _hinton_value(hinton: pd.DataFrame, experiment: str, metric: str, model: str | None = None) -> float:
    chosen = hinton[(hinton["experiment"] == experiment) & (hinton["metric"] == metric)]
    if model is not None:
        chosen = chosen[chosen["model"] == model]
    if len(chosen) != 1:
        raise ValueError(f"hinton2015 needs exactly one row for {experiment}/{metric}, found {len(chosen)}")
    return float(chosen["value"].iloc[0])


def paper_error_rates_percent(hinton: pd.DataFrame) -> dict[str, float]:
    """Return Hinton et al.'s MNIST results as test error rates in percent, from the ``hinton2015`` table.

    Keys: teacher, small_hard, small_distilled, omitted_overall, omitted_on_digit, fixed_overall, fixed_on_digit.
    Error counts are divided by the test-set sizes the same table records (all digits, and the threes).
    """
    test_size = _hinton_value(hinton, "mnist_dataset", "test_set_size")
    threes = _hinton_value(hinton, "mnist_omitted_3", "threes_in_test_set")
    return {
        "teacher": 100 * _hinton_value(hinton, "mnist_teacher", "test_errors") / test_size,
        "small_hard": 100 * _hinton_value(hinton, "mnist_student_hard_targets", "test_errors") / test_size,
        "small_distilled": 100 * _hinton_value(hinton, "mnist_student_distilled", "test_errors") / test_size,
        "omitted_overall": 100 * _hinton_value(hinton, "mnist_omitted_3", "test_errors") / test_size,
        "omitted_on_digit": 100 * _hinton_value(hinton, "mnist_omitted_3", "test_errors_on_threes") / threes,
        "fixed_overall": 100 * _hinton_value(hinton, "mnist_omitted_3_bias_corrected", "test_errors") / test_size,
        "fixed_on_digit": 100
        * _hinton_value(hinton, "mnist_omitted_3_bias_corrected", "test_errors_on_threes")
        / threes,
    }


COMPARISON_ROWS = {
    "teacher": "Teacher (large model)",
    "small_hard": "Small student, hard labels, full transfer set",
    "small_distilled": "Small student, soft targets, full transfer set",
    "small_mixed": "Small student, hard labels + soft targets, full transfer set",
    "omitted_on_digit": "Omitted digit: error on that digit, no bias fix",
    "fixed_on_digit": "Omitted digit: error on that digit, after bias fix",
    "omitted_overall": "Omitted digit: error on all digits, no bias fix",
    "fixed_overall": "Omitted digit: error on all digits, after bias fix",
}


def comparison_with_paper(
    paper_percent: dict[str, float], ours_percent: dict[str, tuple[float, float, float]], setups: dict[str, str]
) -> pd.DataFrame:
    """Side-by-side test error rates (%): Hinton et al.'s MNIST results and this chapter's, with each row's setup.

    ``paper_percent`` comes from :func:`paper_error_rates_percent` (a key may be missing: the paper has no such
    row); ``ours_percent`` maps keys of :data:`COMPARISON_ROWS` to (mean, lowest seed, highest seed), equal for a
    single model such as the teacher; ``setups`` maps the same keys to a short description of our setup.
    """
    rows = []
    for key, label in COMPARISON_ROWS.items():
        if key not in ours_percent:
            continue
        mean, low, high = ours_percent[key]
        ours = f"{mean:.1f}" if low == high else f"{mean:.1f} ({low:.1f}–{high:.1f})"
        paper = f"{paper_percent[key]:.2f}" if key in paper_percent else "not reported"
        rows.append(
            {
                "Result": label,
                "Hinton et al. 2015, MNIST": paper,
                "This chapter, digits": ours,
                "Our setup": setups[key],
            }
        )
    return pd.DataFrame(rows)


def speech_table(hinton: pd.DataFrame) -> pd.DataFrame:
    """Hinton et al.'s Table 5 (speech, frame accuracy %): the full-data baseline and the 3% runs, hard vs soft."""
    rows = hinton[hinton["experiment"] == "speech_soft_targets_regularizer"]
    accuracy = rows[rows["metric"].isin(["train_frame_accuracy", "test_frame_accuracy"])]
    table = accuracy.pivot(index="model", columns="metric", values="value").reindex(
        [
            "Baseline (100% of training set)",
            "Baseline (3% of training set), hard targets",
            "Soft Targets (3% of training set)",
        ]
    )
    return pd.DataFrame(
        {
            "System": table.index,
            "Train frame accuracy (%)": table["train_frame_accuracy"].map("{:.1f}".format).to_numpy(),
            "Test frame accuracy (%)": table["test_frame_accuracy"].map("{:.1f}".format).to_numpy(),
        }
    )


def response_table(
    responses: dict[str, APIResponse], row: int = 0, number_of_classes: int = NUMBER_OF_CLASSES
) -> pd.DataFrame:
    """Display table (strings) of what each API returned for query ``row``: one row per API, one column per class.

    A returned probability is shown to three significant figures, a class whose score was withheld as "·";
    the column "answer" is the class the API answered with.
    """
    rows = []
    for name, response in responses.items():
        cells = {"Response": name, "answer": str(response.labels[row])}
        shown = (
            {}
            if response.logprobs is None
            else dict(zip(response.classes[row], response.probabilities[row], strict=True))
        )
        for digit in range(number_of_classes):
            cells[str(digit)] = f"{shown[digit]:.3g}" if digit in shown else "·"
        rows.append(cells)
    return pd.DataFrame(rows)


def _with_range(mean: float, low: float, high: float, digits: int = 1) -> str:
    if mean != mean:
        return "not reached"
    if abs(high - low) < 0.5 * 10**-digits:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def _ranged_column(table: pd.DataFrame, column: str, low: str, high: str) -> list[str]:
    return [_with_range(*values) for values in zip(table[column], table[low], table[high], strict=True)]


def format_tradeoff_table(table: pd.DataFrame, budget: int) -> pd.DataFrame:
    """Display version (strings) of :func:`defences.tradeoff_table`; ranges are over noise draws or seeds."""
    honest = {
        "Honest users: accuracy (%)": "accuracy_pct",
        "Brier score (×100)": "brier_score_pct",
        "Mass moved from the clean answer (%)": "distance_to_clean_pct",
    }
    shown = {"API returns": table["mode"]}
    for title, column in honest.items():
        shown[title] = _ranged_column(table, column, f"{column}_low", f"{column}_high")
    shown[f"Copier: agreement after {budget} queries (%)"] = table["agreement_pct"].map("{:.1f}".format)
    shown["Copier: queries for 90% agreement"] = table["queries_to_90"].map(
        lambda q: "not reached" if q != q else f"{q:,.0f}"
    )
    shown["× undefended (seed range)"] = _ranged_column(table, "queries_ratio", "ratio_low", "ratio_high")
    return pd.DataFrame(shown)


# --- The literature and the allegations, as tables --------------------------------------------------------------


def price_tag_table(studies: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Display table (strings) of the extraction studies that state a query count or a dollar figure.

    ``studies`` is the ``extraction_studies`` table and ``sources`` the ``sources`` table. Dollar figures are
    upper bounds ("under", "as little as") or estimates, so they are shown as "≤ $x", with "(estimate)" where the
    metric is one. Rows keep the data's order. Columns: Study, Target, Queries, Cost, Result, Source, Source kind.
    """
    kinds = sources.set_index("source_id")["kind"]
    chosen = studies[studies["queries"].notna() | studies["cost_usd"].notna()]
    rows = []
    for _, row in chosen.iterrows():
        cost = ""
        if pd.notna(row["cost_usd"]):
            cost = f"≤ ${row['cost_usd']:,.0f}" + (" (estimate)" if "estimate" in row["metric"] else "")
        result = str(row["outcome"])
        if row["metric"] == "one_minus_r_test":
            result = f"{row['value']:.2f}% agreement on test inputs"
        elif row["metric"] == "attack_time":
            result = f"{row['outcome']} in {row['value']:,.0f} s"
        rows.append(
            {
                "Study": row["study"],
                "Target": row["target"],
                "Queries": "" if pd.isna(row["queries"]) else f"{int(row['queries']):,}",
                "Cost": cost,
                "Result": result,
                "Source": row["source_id"],
                "Source kind": kinds.get(row["source_id"], "unknown"),
            }
        )
    return pd.DataFrame(rows)


def scale_points(campaigns: pd.DataFrame, datasets: pd.DataFrame, experiment_counts: dict[str, float]) -> pd.DataFrame:
    """One row per count to place on a common log axis: alleged campaigns, a distillation set, our experiment.

    ``campaigns`` is ``distillation_campaigns`` (one row per alleged campaign, already filtered by the caller);
    ``datasets`` is ``distillation_datasets``; ``experiment_counts`` maps a label to a number of queries measured
    in this chapter. Columns: label, count (exchanges, samples or queries), kind ('alleged campaign',
    'published distillation set' or 'this chapter'), actor (a company name for colouring, or ''), lower_bound
    (True where the source says "over").
    """
    rows = []
    for _, row in campaigns.iterrows():
        rows.append(
            {
                "label": f"{row['accused_company']}: alleged exchanges with {row['target_model_family']}",
                "count": float(row["exchanges_lower_bound"]),
                "kind": "alleged campaign",
                "actor": row["accused_company"],
                "lower_bound": row["exchanges_bound"] == "at least",
            }
        )
    for _, row in datasets.iterrows():
        rows.append(
            {
                "label": f"{row['model_family'].split(' (')[0]}: its own distillation set (samples)",
                "count": float(row["samples"]),
                "kind": "published distillation set",
                "actor": "DeepSeek",
                "lower_bound": False,
            }
        )
    for label, count in experiment_counts.items():
        rows.append({"label": label, "count": float(count), "kind": "this chapter", "actor": "", "lower_bound": False})
    return pd.DataFrame(rows)
