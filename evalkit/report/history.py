"""Release history: the gates' (or the headline) metrics across release candidates.

Leadership decides across runs, not on one. `history_table` measures, for each gate of a gates
file (without one: each headline metric of the statistics' long table, for the candidates), the
point and 95% interval of every run in the order given, with the gate's threshold, and tests
each change between successive runs:

- the difference is a prompt-level bootstrap (`evalkit.stats.estimate.paired_difference`) on the
  item values behind the two rows (`evalkit.stats.engine.kind_values` + `items_for` for graded
  metrics, `evalkit.stats.measured.measured_items` for program-measured rates): paired on the
  prompts both runs share, unpaired (independent) when they share none — the table says which;
- a change is significant when the 95% interval of the difference excludes 0; each pair is
  tested on its own (no adjustment across pairs or metrics);
- a change is not tested, and says why, when the two runs' rows come from different graders
  (human in one, automatic in the other) or when the statistic has no item-level values
  (latency quantiles, length-controlled and prediction-powered estimates).

The numbers of a run are the gates' own (`evalkit.gates.decide.Evaluator`, same seed and
resamples), so the history's last point and the gate's verdict never disagree.

Rendering: `history_context` (what the template partials `history.html.j2` / `history.md.j2`
read as `history`), `history_html` / `history_markdown` (the section alone), `trend_lines`
(one line per gate for the CI Markdown summary). Charts are inline SVG drawn here: no
JavaScript, every text escaped.

A gate run can also keep its own history without the old run folders: `verdict_records` +
`append_history` append the verdicts to a JSONL file, `read_history` reads it back into the same
table (changes there are unpaired: MOVER on the recorded intervals, conservative when runs
share prompts).

Where it lives: `history_stats` (the table and the tests of each change), `history_store` (the
JSONL history file), `history_format` (how values read), `history_chart` (the SVG) and
`history_render` (context, HTML, Markdown, trend lines); this module is the one import path.
"""

from __future__ import annotations

from evalkit.report.history_chart import history_chart
from evalkit.report.history_render import (
    history_context,
    history_html,
    history_markdown,
    trend_lines,
)
from evalkit.report.history_stats import HISTORY_COLUMNS, history_table
from evalkit.report.history_store import append_history, read_history, verdict_records

__all__ = [
    "HISTORY_COLUMNS",
    "append_history",
    "history_chart",
    "history_context",
    "history_html",
    "history_markdown",
    "history_table",
    "read_history",
    "trend_lines",
    "verdict_records",
]
