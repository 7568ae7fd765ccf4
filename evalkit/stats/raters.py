"""Rater quality control: per human rater, how they agree, what they lean to, how they do on
gold and how fast they go, and a flag (with its reasons) for the raters worth a second look.

Everything is computed on the kind's primary agreement measure (`GradingKind.agreement_measures`,
the label the statistics decide with) and, for comparison kinds, on the side-by-side `score`.
Only human grades are judged; automatic graders have their own judge-versus-human table
(`evalkit.stats.agreement.judge_agreement`).

- **Leave-one-out agreement**: on each non-gold item the rater graded that has at least two
  *other* human raters, does the rater's label equal the majority of the others' labels? When
  the others split evenly between k labels, the rater scores 1/k if theirs is one of them (the
  chance a coin-flip consensus would match), so panels of three still count. The rate is
  clustered by prompt (`clustered_rate`: Wilson, with the design effect of prompts that hold
  several items).
- **Bias** (a share minus its no-bias value, or a difference from the other raters on the same
  items; every interval clusters by prompt):
  - comparison kinds: `left_bias`, the share of grades preferring the side shown on the left
    (ties half) − 0.5, from the optional `a_on_left` column (sides are randomized, so 0 is
    the no-bias value); `length_bias`, the share of non-tied grades preferring the longer
    response − 0.5, from the optional `len_a` / `len_b` columns; `candidate_bias`, the rater's
    score (model_a terms, −2..2) minus the other raters' median score on the same item, in
    score points.
  - other kinds: `positive_bias`, the rater's rate of the primary measure's top label (a
    violation; a "good" summary) minus the other raters' consensus on the same items (1 when
    most of them gave it, 0.5 on an even split, 0 otherwise: the median of their 0/1 labels).

  The other raters' *median*, not their mean: with panels of three to five, one rater who
  always says "violation" moves the others' mean on every item they share, and every careful
  rater would then look biased against them. With one or two other raters the two agree.
- **Gold accuracy**: `evalkit.stats.agreement.gold_accuracy` (Wilson), the same numbers as the
  agreement table.
- **Speed**: the median of the optional `seconds` column over the rater's grades.

Where people act on it: `quality_tables` (every kind of a run's `RunFrames`), `display_table`
(the text cells `evalkit stats raters` and the rater app's admin page show), `flag_rule` (the
rule in one line) and `exclude_flagged` (the frames without the flagged raters' grades, and one
line per excluded rater saying why: `--exclude-flagged` of `evalkit stats` and `evalkit gate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from statsmodels.regression.linear_model import OLS

from evalkit.kinds.base import GradingKind, all_kinds, get_kind
from evalkit.stats.agreement import gold_accuracy, primary
from evalkit.stats.estimate import clustered_rate
from evalkit.text_display import visible

if TYPE_CHECKING:
    from evalkit.stats.frames import RunFrames

NAN = float("nan")
COMMON_COLUMNS = [
    "kind",
    "rater_id",
    "n_grades",
    "n_items_shared",
    "loo_agreement",
    "loo_agreement_low",
    "loo_agreement_high",
    "n_gold",
    "gold_accuracy",
    "gold_accuracy_low",
    "gold_accuracy_high",
]
TAIL_COLUMNS = ["median_seconds", "flagged", "reasons"]
COMPARISON_BIASES = ("left", "length", "candidate")
LABEL_BIASES = ("positive",)
DEFAULT_FLAG_BIASES = ("left", "candidate", "positive")
# the flag rule's default thresholds (see `rater_quality`)
AGREEMENT_MARGIN, GOLD_FLOOR, BIAS_THRESHOLD, SCORE_BIAS_THRESHOLD = 0.15, 0.7, 0.15, 0.5
FAST_RATIO, MIN_ITEMS = 0.25, 10


def bias_names(kind: GradingKind) -> tuple[str, ...]:
    """The biases measured for a kind: display side, length and candidate for comparisons;
    the rate of the top label for one-response kinds."""
    return COMPARISON_BIASES if kind.comparison else LABEL_BIASES


def rater_columns(kind: GradingKind) -> list[str]:
    """The columns of `rater_quality` for a kind (bias columns depend on the kind)."""
    bias = []
    for name in bias_names(kind):
        stem = f"{name}_bias"
        bias += [stem, f"{stem}_low", f"{stem}_high", f"{stem}_n"]
    return [*COMMON_COLUMNS, *bias, *TAIL_COLUMNS]


# ---------------------------------------------------------------- estimates


def _rate(values: Sequence[float], prompts: Sequence[object], confidence: float) -> tuple:
    """(rate, low, high, n) of item values in [0, 1], clustered by prompt."""
    if len(values) == 0:
        return NAN, NAN, NAN, 0
    est = clustered_rate(values, prompts, confidence=confidence)
    return est.estimate, est.low, est.high, est.n_items


def _share_bias(values: Sequence[float], prompts: Sequence[object], confidence: float) -> tuple:
    """A share's departure from 0.5, with the share's clustered Wilson interval shifted."""
    rate, low, high, n = _rate(values, prompts, confidence)
    return rate - 0.5, low - 0.5, high - 0.5, n


def _mean_difference(
    values: Sequence[float], prompts: Sequence[object], confidence: float
) -> tuple:
    """(mean, low, high, n) of unbounded differences: a cluster-robust t interval (statsmodels
    OLS on a constant, clusters = prompts, G − 1 degrees of freedom)."""
    y = np.asarray(values, dtype=float)
    if y.size == 0:
        return NAN, NAN, NAN, 0
    mean = float(y.mean())
    groups = pd.factorize(pd.Series(list(prompts)))[0]
    if len(np.unique(groups)) < 2:
        return mean, NAN, NAN, int(y.size)
    with np.errstate(divide="ignore", invalid="ignore"):  # constant differences: zero variance
        fit = OLS(y, np.ones(y.size)).fit(
            cov_type="cluster", cov_kwds={"groups": groups}, use_t=True
        )
        low, high = fit.conf_int(alpha=1 - confidence)[0]
    if not np.isfinite(fit.bse[0]):
        return mean, NAN, NAN, int(y.size)
    return mean, float(low), float(high), int(y.size)


# ---------------------------------------------------------------- per-grade pieces


def _others(coded: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(others, own, labels): per grade, the counts of each label among the OTHER raters of its
    item (the grade's own label taken out), the column of its own label, and the labels."""
    item_codes, _ = pd.factorize(coded["item_id"])
    label_codes, labels = pd.factorize(coded["value"], sort=True)
    counts = np.zeros((item_codes.max() + 1, len(labels)), dtype=float)
    np.add.at(counts, (item_codes, label_codes), 1)
    others = counts[item_codes].copy()
    others[np.arange(len(coded)), label_codes] -= 1
    return others, label_codes, np.asarray(labels)


def loo_values(coded: pd.DataFrame) -> pd.Series:
    """Per human grade (index of `coded`): 1 when the rater's label is the majority label of the
    item's other raters, 1/k when the others tie between k labels including the rater's, 0
    otherwise; NaN when fewer than two other raters graded the item. The rater's own grade is
    removed from the count first, so a rater is never compared with themself."""
    if coded.empty:
        return pd.Series(dtype=float)
    others, own, _ = _others(coded)
    top = others.max(axis=1)
    modes = (others == top[:, None]).sum(axis=1)
    hit = others[np.arange(len(coded)), own] == top
    values = np.where(hit, 1.0 / modes, 0.0)
    values[others.sum(axis=1) < 2] = np.nan
    return pd.Series(values, index=coded.index)


def positive_differences(coded: pd.DataFrame, positive: object) -> pd.Series:
    """Per human grade: 1/0 for the rater's label being `positive`, minus the median of the
    item's other raters' 0/1 labels (1 for a majority, 0.5 for an even split); NaN when no
    other rater graded the item."""
    if coded.empty:
        return pd.Series(dtype=float)
    others, _, labels = _others(coded)
    n_others = others.sum(axis=1)
    column = np.flatnonzero(labels == positive)
    share = others[:, column[0]] if column.size else np.zeros(len(coded))
    with np.errstate(divide="ignore", invalid="ignore"):
        consensus = (np.sign(share / n_others - 0.5) + 1) / 2
        diff = (coded["value"].to_numpy() == positive).astype(float) - consensus
    diff[n_others < 1] = np.nan
    return pd.Series(diff, index=coded.index)


def score_differences(grades: pd.DataFrame) -> pd.Series:
    """Per grade: its score minus the median score of the item's other raters; NaN when no
    other rater graded it."""
    score = grades["score"].astype(float)
    out = pd.Series(NAN, index=grades.index)
    for index in score.groupby(grades["item_id"], sort=False).groups.values():
        values = score.loc[index].to_numpy()
        if len(values) > 1:
            others = [np.median(np.delete(values, j)) for j in range(len(values))]
            out.loc[index] = values - np.asarray(others)
    return out


def _bools(series: pd.Series) -> pd.Series:
    """True / False / NaN from booleans, 0/1 or "true"/"false" strings (never NaN as True)."""
    words = {"true": 1.0, "yes": 1.0, "1": 1.0, "false": 0.0, "no": 0.0, "0": 0.0}

    def one(value: object) -> float:
        if isinstance(value, str):
            return words.get(value.strip().lower(), NAN)
        if value is None or pd.isna(value):
            return NAN
        return float(bool(value))

    return series.map(one).astype(float)


def left_values(grades: pd.DataFrame) -> pd.Series:
    """Per grade with a known display side: 1 when the left response was preferred, 0.5 for a
    tie, 0 for the right (NaN without `a_on_left`)."""
    if "a_on_left" not in grades.columns:
        return pd.Series(NAN, index=grades.index)
    on_left = _bools(grades["a_on_left"])
    left_score = grades["score"].astype(float) * np.where(on_left == 1, 1.0, -1.0)
    value = (np.sign(left_score) + 1) / 2
    return value.where(on_left.notna())


def length_values(grades: pd.DataFrame) -> pd.Series:
    """Per non-tied grade of responses of different lengths: 1 when the longer was preferred
    (NaN otherwise, or without `len_a` / `len_b`)."""
    if "len_a" not in grades.columns or "len_b" not in grades.columns:
        return pd.Series(NAN, index=grades.index)
    len_a = pd.to_numeric(grades["len_a"], errors="coerce")
    len_b = pd.to_numeric(grades["len_b"], errors="coerce")
    score = grades["score"].astype(float)
    longer_a = len_a > len_b
    value = ((score > 0) == longer_a).astype(float)
    known = len_a.notna() & len_b.notna() & (len_a != len_b) & (score != 0)
    return value.where(known)


# ---------------------------------------------------------------- the table


def rater_quality(
    kind: GradingKind | str,
    grades: pd.DataFrame,
    rubric: object,
    *,
    confidence: float = 0.95,
    agreement_margin: float = AGREEMENT_MARGIN,
    gold_floor: float = GOLD_FLOOR,
    bias_threshold: float = BIAS_THRESHOLD,
    score_bias_threshold: float = SCORE_BIAS_THRESHOLD,
    fast_ratio: float = FAST_RATIO,
    min_items: int = MIN_ITEMS,
    flag_biases: Iterable[str] = DEFAULT_FLAG_BIASES,
) -> pd.DataFrame:
    """One row per human rater (columns: `rater_columns(kind)`), flagged by this rule.

    A rater is flagged when any of these holds; `reasons` names each with its numbers. A flag
    is a reason to look at the rater's grades, not a verdict (with many raters and four
    criteria some careful raters will be flagged by chance); dropping them is opt-in
    (`exclude_raters`) and reported by the caller.

    - **agreement**: the upper bound of leave-one-out agreement is below the pool's median
      agreement − `agreement_margin` (0.15). Relative to the pool, because attainable
      agreement depends on how hard the items are; on the upper bound, so a rater is flagged
      only when confidently well below the typical rater (half the pool is below the median).
    - **gold**: the upper bound of gold accuracy is below `gold_floor` (0.7). Gold items have
      one clear answer, so a careful rater is near 1 and random clicking far lower (about 0.4
      on the side-by-side scale, where two of five choices pass).
    - **bias**: a bias in `flag_biases` whose interval excludes 0 AND whose size exceeds
      `bias_threshold` (0.15 on the share scale: preferring the left side in 65% of grades,
      or saying "violation" 15 points more often than the others on the same items) or, for
      `candidate_bias` (score points), `score_bias_threshold` (0.5: half a step on every
      item). Both: significance alone flags trivial leanings of prolific raters, size alone
      the noise of raters with few grades. `length` is measured but not flagged by default:
      longer answers are often better, so its no-bias value is not 0.
    - **fast**: the median seconds per grade are below `fast_ratio` (0.25) × the pool's median
      of raters' medians: four times faster than the typical rater cannot have read the
      responses.

    Biases and speed measured on fewer than `min_items` (10) grades or items are reported but
    not flagged (their t intervals and medians are unreliable there); agreement and gold rest
    on Wilson bounds, which stay honest with few items.
    """
    kind = get_kind(kind) if isinstance(kind, str) else kind
    columns = rater_columns(kind)
    if grades is None or grades.empty:
        return pd.DataFrame(columns=columns)
    humans = grades[grades["grader"] == "human"]
    if humans.empty:
        return pd.DataFrame(columns=columns)
    prompt_of = grades.drop_duplicates("item_id").set_index("item_id")["prompt_id"]

    measure, coded = primary(kind, humans, rubric)
    coded = coded[coded["grader"] == "human"].dropna(subset=["value"])
    coded = coded.drop_duplicates(["item_id", "rater_id"], keep="last").reset_index(drop=True)
    coded = coded.assign(prompt_id=coded["item_id"].map(prompt_of))
    coded["loo"] = loo_values(coded)

    plain = humans[~humans["is_gold"].astype(bool)]
    plain = plain.drop_duplicates(["item_id", "rater_id"], keep="last").reset_index(drop=True)
    per_grade: dict[str, pd.Series] = {}
    if kind.comparison:
        per_grade["left"] = left_values(plain)
        per_grade["length"] = length_values(plain)
        per_grade["candidate"] = score_differences(plain)
    else:
        positive = max(measure.domain)
        coded["positive"] = positive_differences(coded, positive)

    gold = gold_accuracy(kind, humans).set_index("rater_id")
    seconds = (
        pd.to_numeric(humans["seconds"], errors="coerce")
        if "seconds" in humans.columns
        else pd.Series(NAN, index=humans.index)
    )

    rows = []
    for rater, own in humans.groupby("rater_id", sort=True):
        mine = coded[coded["rater_id"] == rater]
        loo = mine.dropna(subset=["loo"])
        agree, low, high, n_shared = _rate(loo["loo"], loo["prompt_id"], confidence)
        has_gold = rater in gold.index
        timed = seconds.loc[own.index].dropna()
        row = {
            "kind": kind.name,
            "rater_id": rater,
            "n_grades": len(own),
            "n_items_shared": n_shared,
            "loo_agreement": agree,
            "loo_agreement_low": low,
            "loo_agreement_high": high,
            "n_gold": int(gold.at[rater, "n"]) if has_gold else 0,
            "gold_accuracy": gold.at[rater, "rate"] if has_gold else NAN,
            "gold_accuracy_low": gold.at[rater, "low"] if has_gold else NAN,
            "gold_accuracy_high": gold.at[rater, "high"] if has_gold else NAN,
            "median_seconds": float(timed.median()) if len(timed) else NAN,
            "timed_n": len(timed),
        }
        if kind.comparison:
            part = plain["rater_id"] == rater
            prompts = plain.loc[part, "prompt_id"]
            for name in ("left", "length"):
                values = per_grade[name][part]
                known = values.notna()
                row |= _bias_row(name, _share_bias(values[known], prompts[known], confidence))
            diffs = per_grade["candidate"][part]
            known = diffs.notna()
            row |= _bias_row(
                "candidate", _mean_difference(diffs[known], prompts[known], confidence)
            )
        else:
            diffs = mine.dropna(subset=["positive"])
            row |= _bias_row(
                "positive",
                _mean_difference(diffs["positive"], diffs["prompt_id"], confidence),
            )
        rows.append(row)

    table = pd.DataFrame(rows)
    thresholds = {"left": bias_threshold, "length": bias_threshold, "positive": bias_threshold}
    thresholds["candidate"] = score_bias_threshold
    labels = {"positive": f"{measure.name} bias"}
    reasons = _reasons(
        table,
        bias_names(kind),
        agreement_margin=agreement_margin,
        gold_floor=gold_floor,
        thresholds=thresholds,
        labels=labels,
        fast_ratio=fast_ratio,
        min_items=min_items,
        flag_biases=set(flag_biases),
    )
    table["reasons"] = reasons
    table["flagged"] = [bool(r) for r in reasons]
    return table[columns].reset_index(drop=True)


def _bias_row(name: str, estimate: tuple) -> dict[str, float]:
    value, low, high, n = estimate
    stem = f"{name}_bias"
    return {stem: value, f"{stem}_low": low, f"{stem}_high": high, f"{stem}_n": int(n)}


def _reasons(
    table: pd.DataFrame,
    biases: Sequence[str],
    *,
    agreement_margin: float,
    gold_floor: float,
    thresholds: dict[str, float],
    labels: dict[str, str],
    fast_ratio: float,
    min_items: int,
    flag_biases: set[str],
) -> list[str]:
    """The flag rule of `rater_quality`, one "; "-joined string of reasons per rater."""
    pool_agreement = float(table["loo_agreement"].median())
    pool_seconds = float(table["median_seconds"].median())
    out = []
    for row in table.itertuples(index=False):
        reasons = []
        cut = pool_agreement - agreement_margin
        if row.loo_agreement_high < cut:  # False when either is NaN
            reasons.append(
                f"agreement {row.loo_agreement:.2f} [{row.loo_agreement_low:.2f}, "
                f"{row.loo_agreement_high:.2f}] on {row.n_items_shared} items is below the "
                f"pool median {pool_agreement:.2f} − {agreement_margin:.2f}"
            )
        if row.gold_accuracy_high < gold_floor:
            reasons.append(
                f"gold accuracy {row.gold_accuracy:.2f} [{row.gold_accuracy_low:.2f}, "
                f"{row.gold_accuracy_high:.2f}] on {row.n_gold} gold items is below "
                f"{gold_floor:.2f}"
            )
        for name in biases:
            stem = f"{name}_bias"
            value, low, high = (getattr(row, c) for c in (stem, f"{stem}_low", f"{stem}_high"))
            n = getattr(row, f"{stem}_n")
            excludes_zero = low > 0 or high < 0
            if name in flag_biases and n >= min_items and excludes_zero:
                if abs(value) > thresholds[name]:
                    label = labels.get(name, f"{name} bias")
                    reasons.append(
                        f"{label} {value:+.2f} [{low:+.2f}, {high:+.2f}] on {n} grades "
                        f"exceeds ±{thresholds[name]:.2f}"
                    )
        if row.timed_n >= min_items and row.median_seconds < fast_ratio * pool_seconds:
            reasons.append(
                f"fast: median {row.median_seconds:.1f}s per grade is below {fast_ratio:.2f} × "
                f"the pool median {pool_seconds:.1f}s"
            )
        out.append("; ".join(reasons))
    return out


def exclude_raters(grades: pd.DataFrame, raters: pd.DataFrame | Iterable[str]) -> pd.DataFrame:
    """The grades without the given raters' grades: `raters` is a `rater_quality` table (its
    flagged raters are dropped) or rater ids. For `--exclude-flagged` analyses; the caller
    reports who was left out."""
    if isinstance(raters, pd.DataFrame):
        drop = set(raters.loc[raters["flagged"].astype(bool), "rater_id"])
    else:
        drop = {raters} if isinstance(raters, str) else set(raters)
    return grades[~grades["rater_id"].isin(drop)].reset_index(drop=True)


# ---------------------------------------------------------------- runs: tables, exclusion, display


def flag_rule(
    *,
    agreement_margin: float = AGREEMENT_MARGIN,
    gold_floor: float = GOLD_FLOOR,
    bias_threshold: float = BIAS_THRESHOLD,
    score_bias_threshold: float = SCORE_BIAS_THRESHOLD,
    fast_ratio: float = FAST_RATIO,
    min_items: int = MIN_ITEMS,
) -> str:
    """The flag rule of `rater_quality` in one line, for the people who read the table."""
    return (
        "Flagged when any holds: leave-one-out agreement's upper 95% bound is below the pool "
        f"median − {agreement_margin:.2f}; gold accuracy's upper 95% bound is below "
        f"{gold_floor:.2f}; a left-side, candidate or top-label bias whose 95% interval "
        f"excludes 0 is larger than {bias_threshold:.2f} (candidate: {score_bias_threshold:g} "
        f"score points) on ≥ {min_items} grades; the median seconds per grade are below "
        f"{fast_ratio:.2f} × the pool's (≥ {min_items} timed grades). A flag is a reason to "
        "look at the rater's grades, not a verdict."
    )


def quality_tables(
    frames: RunFrames, kinds: Iterable[str] | None = None, **rule: Any
) -> dict[str, pd.DataFrame]:
    """kind name -> its `rater_quality` table, for the kinds (default: every registered kind)
    with human grades in `frames`; `rule` passes thresholds on to `rater_quality`. Speed (and
    its flag) needs the frames' `seconds` column, which `evalkit.stats.runs` adds."""
    names = list(kinds) if kinds is not None else [kind.name for kind in all_kinds()]
    out = {}
    for name in names:
        grades = frames.kind(name)
        if grades.empty or not (grades["grader"] == "human").any():
            continue
        out[name] = rater_quality(name, grades, frames.rubric(name), **rule)
    return out


def exclude_flagged(
    frames: RunFrames, kinds: Iterable[str] | None = None, **rule: Any
) -> tuple[RunFrames, list[str]]:
    """The frames without the grades of the raters `rater_quality` flags, kind by kind (a rater
    flagged on safety keeps their side-by-side grades), and one line per excluded rater and
    kind saying who and why, for the caller to print: `--exclude-flagged`."""
    grades = dict(frames.grades)
    lines = []
    for name, table in quality_tables(frames, kinds, **rule).items():
        flagged = table[table["flagged"].astype(bool)]
        if flagged.empty:
            continue
        grades[name] = exclude_raters(frames.kind(name), flagged["rater_id"])
        lines += [
            f"{name}: excluded rater {visible(str(row.rater_id))} ({row.n_grades} grades): "
            f"{row.reasons}"
            for row in flagged.itertuples(index=False)
        ]
    return replace(frames, grades=grades), lines


def bias_headers(kind: GradingKind | str, rubric: object = None) -> dict[str, str]:
    """bias name -> its column heading: "left bias", "candidate bias (points)", or the
    one-response kinds' top label named by their primary measure ("violation bias")."""
    from evalkit.stats.frames import empty

    kind = get_kind(kind) if isinstance(kind, str) else kind
    if kind.comparison:
        return {
            "left": "left bias",
            "length": "length bias",
            "candidate": "candidate bias (points)",
        }
    measure, _ = primary(kind, empty(kind), rubric if rubric is not None else kind.load_rubric())
    return {"positive": f"{measure.name} bias"}


def _shown(value: float, low: float, high: float, n: int, signed: bool = False) -> str:
    """'0.82 [0.71, 0.90] n=36' (signed: '+0.50 [+0.41, +0.50] n=120'); '—' without data."""
    if not n or pd.isna(value):
        return "—"
    number = "{:+.2f}" if signed else "{:.2f}"
    interval = (
        "" if pd.isna(low) or pd.isna(high) else f" [{number.format(low)}, {number.format(high)}]"
    )
    return f"{number.format(value)}{interval} n={int(n)}"


def display_table(
    kind: GradingKind | str,
    table: pd.DataFrame,
    rubric: object = None,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A `rater_quality` table as people read it (text cells; the CLI and the admin page show
    these): rater, grades, agreement, each bias and gold accuracy as 'estimate [95% CI] n=…',
    median seconds per grade, FLAGGED and the reasons. `names` maps rater ids to names; every
    rater id is shown through `visible` (invisible and direction-changing characters marked)."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    headers = bias_headers(kind, rubric)
    columns = ["rater", "grades", "agreement [95% CI] n", *headers.values()]
    columns += ["gold accuracy [95% CI] n", "median s/grade", "flag", "reasons"]
    rows = []
    for row in table.to_dict("records"):
        rater = str(row["rater_id"])
        out = {
            "rater": visible((names or {}).get(rater, rater)),
            "grades": str(int(row["n_grades"])),
            "agreement [95% CI] n": _shown(
                row["loo_agreement"], row["loo_agreement_low"], row["loo_agreement_high"],
                row["n_items_shared"],
            ),
        }  # fmt: skip
        for name, heading in headers.items():
            stem = f"{name}_bias"
            out[heading] = _shown(
                row[stem], row[f"{stem}_low"], row[f"{stem}_high"], row[f"{stem}_n"], signed=True
            )
        out["gold accuracy [95% CI] n"] = _shown(
            row["gold_accuracy"], row["gold_accuracy_low"], row["gold_accuracy_high"], row["n_gold"]
        )
        seconds = row["median_seconds"]
        out["median s/grade"] = "—" if pd.isna(seconds) else f"{seconds:.1f}"
        out["flag"] = "FLAGGED" if row["flagged"] else ""
        out["reasons"] = str(row["reasons"] or "")
        rows.append(out)
    return pd.DataFrame(rows, columns=columns)
