"""Reading the statistics' long table for the report: the helpers every section shares.

A section never computes a number: it picks rows of `evalkit.stats.engine.statistics_table`
(through the metric registry, `evalkit.stats.table.metrics()`), orders them (candidates first,
group "all" first), formats them (`format_row`: estimate, 95% interval, n prompts) and groups
them in blocks, one per graders (human, pooled, automatic, program), each labelled and, when
automatic, warned about. The small number formats (`pct`, `num_interval`, ...) live here too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.stats.table import ALL, Metric, format_row, metrics, parse_group

if TYPE_CHECKING:
    from evalkit.report.options import ReportOptions
    from evalkit.stats.frames import RunFrames

GRADER_LABELS = {
    "human": "human raters",
    "auto": "automatic graders",
    "any": "human and automatic grades pooled",
    "ppi": "prediction-powered (judge grades corrected by human grades)",
    "program": "measured by program",
}
GRADER_WARNINGS = {
    "auto": "These grades come from automatic graders, not from human raters: read them as a "
    "screen, not as the verdict.",
    "any": "These rows pool human and automatic grades.",
    "ppi": "Prediction-powered estimates: the judge's rate on every prompt, corrected by the "
    "human − judge gap on the prompts both graded. They assume the human-graded prompts are a "
    "random sample of the judged ones.",
}
NONE = "—"


def graders_label(graders: str) -> str:
    return GRADER_LABELS.get(graders, graders)


def is_auto(graders: str) -> bool:
    """Whether rows rest (also) on automatic grades: they are badged and warned about."""
    return graders in GRADER_WARNINGS


def p_text(p: Any) -> str:
    if not _finite(p):
        return "n/a"
    return "<0.001" if float(p) < 0.001 else f"{float(p):.3f}"


def _finite(value: Any) -> bool:
    try:
        return value is not None and not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def family_metrics(family: str, headline_only: bool | None = None) -> list[Metric]:
    """The registered metrics of a family, in registry order."""
    return [
        m
        for m in metrics().values()
        if m.family == family and (headline_only is None or m.headline == headline_only)
    ]


def families() -> list[str]:
    """Every metric family, in registry order."""
    return list(dict.fromkeys(m.family for m in metrics().values()))


def family_title(family: str) -> str:
    from evalkit.kinds.base import all_kinds

    for kind in all_kinds():
        if kind.name == family:
            return kind.label
    first = family_metrics(family)
    if first:  # a family of its own (e.g. length-controlled rates): its first metric says what
        text = first[0].description.split(" (")[0]
        return text[:1].upper() + text[1:]
    return family


def family_rows(table: pd.DataFrame, family: str) -> pd.DataFrame:
    names = [m.name for m in family_metrics(family)]
    return table[table["metric"].isin(names) & (table["n"] > 0)]


def by_graders(rows: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    """(graders, rows) in the table's order: humans, pooled, automatic, program."""
    if rows.empty:
        return []
    return list(rows.groupby("graders", sort=False))


def group_label(group: str, dimensions: Sequence[str] = ()) -> str:
    """The group as people read it: all, the value of the family's only dimension, or
    `dimension: value`."""
    dimension, value = parse_group(group)
    if dimension is None:
        return ALL
    return str(value) if len(dimensions) <= 1 else f"{dimension}: {value}"


def ordered_groups(groups: Iterable[str], dimensions: Sequence[str] = ()) -> list[str]:
    """Group "all" first, then each dimension's values (in the metric's dimension order)."""
    rank = {d: i for i, d in enumerate(dimensions)}

    def key(group: str) -> tuple:
        dimension, value = parse_group(group)
        if dimension is None:
            return (0, 0, "")
        return (1, rank.get(dimension, len(rank)), str(value))

    return sorted(dict.fromkeys(groups), key=key)


def ordered_models(models: Iterable[str], candidates: Sequence[str] = ()) -> list[str]:
    """Candidates first (in their order), then the others by name."""
    rank = {name: i for i, name in enumerate(candidates)}
    return sorted(dict.fromkeys(models), key=lambda m: (rank.get(m, len(rank)), m))


def one_row(rows: pd.DataFrame, **where: str) -> pd.Series | None:
    """The row matching every `column=value` (None when there is none)."""
    mask = pd.Series(True, index=rows.index)
    for column, value in where.items():
        mask &= rows[column] == value
    found = rows[mask]
    return None if found.empty else found.iloc[0]


def cell(row: pd.Series | None) -> str:
    """A rate (or value) as people read it: '41.2% [35.1, 47.5] n=250 prompts'."""
    return NONE if row is None else format_row(row)


def preferred_pairs(frames: RunFrames, family: str) -> set[tuple[str, str]]:
    """The orientation of each compared pair when no candidate is named: the model its grade
    frame most often records as `model_a` (the planned candidate); else by name."""
    from evalkit.kinds.base import all_kinds

    names = {kind.name for kind in all_kinds()}
    frame = frames.kind(family) if family in names else pd.DataFrame()
    pairs: set[tuple[str, str]] = set()
    if frame.empty or not {"model_a", "model_b"} <= set(frame.columns):
        return pairs
    graded = frame[~frame["is_gold"].astype(bool)] if "is_gold" in frame else frame
    counts = graded.groupby(["model_a", "model_b"]).size()
    for (a, b), count in counts.items():
        other = int(counts.get((b, a), 0))
        if count > other or (count == other and str(a) <= str(b)):
            pairs.add((str(a), str(b)))
    return pairs


def shown_comparisons(
    rows: pd.DataFrame, candidates: Sequence[str], preferred: set[tuple[str, str]]
) -> pd.DataFrame:
    """Comparison rows come in both orientations; keep the candidates' (else the preferred
    orientation of each pair, else model before baseline by name)."""
    if rows.empty:
        return rows
    registry = metrics()
    comparison = rows["metric"].map(lambda name: registry[name].comparison).astype(bool)
    compared = rows[comparison]
    keep = compared["model"].isin(list(candidates)) if candidates else None
    if keep is None or not keep.any():
        pairs = list(zip(compared["model"], compared["baseline"], strict=True))
        if preferred:
            keep = pd.Series([p in preferred for p in pairs], index=compared.index)
        else:
            keep = pd.Series([str(m) <= str(b) for m, b in pairs], index=compared.index)
    return pd.concat([rows[~comparison], compared[keep]]).sort_index()


def long_blocks(
    rows: pd.DataFrame, names: Sequence[str], candidates: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """Rows of the given metrics, one block per graders: metric, model (vs baseline), group,
    value [95% CI] n, p (Holm) and method."""
    registry = metrics()
    rank = {name: i for i, name in enumerate(names)}
    rows = rows[rows["metric"].isin(list(names))]
    blocks = []
    for graders, part in by_graders(rows):
        out = []
        model_rank = {m: i for i, m in enumerate(ordered_models(part["model"], candidates))}
        for metric_name, of_metric in sorted(
            part.groupby("metric", sort=False), key=lambda kv: rank[kv[0]]
        ):
            info = registry[metric_name]
            groups = ordered_groups(of_metric["group"], info.groups)
            group_rank = {g: i for i, g in enumerate(groups)}
            ordered = of_metric.assign(
                _m=of_metric["model"].map(model_rank),
                _g=of_metric["group"].map(group_rank),
            ).sort_values(["_m", "baseline", "_g"])
            for _, row in ordered.iterrows():
                out.append(
                    {
                        "metric": metric_name,
                        "description": info.description,
                        "model": row["model"],
                        "target": (
                            f"{row['model']} vs {row['baseline']}"
                            if row["baseline"]
                            else row["model"]
                        ),
                        "group": group_label(row["group"], info.groups),
                        "is_all": row["group"] == ALL,
                        "value": format_row(row),
                        "p": p_text(row["p_adjusted"]) if info.null is not None else "",
                        "method": row["method"],
                    }
                )
        blocks.append(_block(graders, part, rows=out))
    return blocks


def _block(graders: str, part: pd.DataFrame, **content: Any) -> dict[str, Any]:
    """One graders' block of a section, from its rows of the long table (`part`)."""
    return {
        "graders": graders,
        "graders_label": graders_label(graders),
        "is_auto": is_auto(graders),
        "warning": GRADER_WARNINGS.get(graders, ""),
        # the metrics behind the block, and the measured accuracy of the graders that produced
        # them (filled by `evalkit.report.automatic.attach_accuracy` once every section is built)
        "metrics": list(dict.fromkeys(str(m) for m in part["metric"])),
        "accuracy": [],
        **content,
    }


def methods_note(rows: pd.DataFrame) -> list[str]:
    """'description: method' for each distinct method of the rows (a wide table's footnote)."""
    registry = metrics()
    seen = dict.fromkeys(f"{registry[r.metric].description}: {r.method}" for r in rows.itertuples())
    return list(seen)


def _candidates(frames: RunFrames, options: ReportOptions) -> list[str]:
    if options.candidates:
        return list(options.candidates)
    return frames.candidates()


def _method(*rows: pd.Series | None) -> str:
    return "; ".join(dict.fromkeys(str(r["method"]) for r in rows if r is not None))


def num_interval(value: float, low: float, high: float, digits: int = 2) -> str:
    if not _finite(value):
        return "n/a"
    bounds = ", ".join(f"{v:.{digits}f}" if _finite(v) else "n/a" for v in (low, high))
    return f"{value:.{digits}f} [{bounds}]"


def pct(value: Any) -> str:
    return f"{100 * float(value):.1f}%" if _finite(value) else "n/a"


def pct_interval(rate: Any, low: Any, high: Any) -> str:
    if not _finite(rate):
        return "n/a"
    bounds = ", ".join(f"{100 * float(v):.1f}" if _finite(v) else "n/a" for v in (low, high))
    return f"{pct(rate)} [{bounds}]"
