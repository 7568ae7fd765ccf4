"""Release gates as data: `evalkit gate --gates GATES.yaml RUN_DIR...`.

- `spec`: the gates file (Gate, GatesFile, load_gates);
- `decide`: measuring and deciding every gate on the statistics' long table;
- `outputs`: the verdict rows, JUnit XML and the Markdown summary.
"""

from evalkit.gates.decide import (
    Evaluator,
    GateReport,
    Measurement,
    MissingData,
    Verdict,
    decide,
    run_gates,
)
from evalkit.gates.outputs import (
    headline,
    junit_xml,
    markdown_summary,
    md_cell,
    value_text,
    verdict_rows,
)
from evalkit.gates.spec import DEFAULT_MIN_N, Gate, GatesFile, load_gates

__all__ = [
    "DEFAULT_MIN_N",
    "Evaluator",
    "Gate",
    "GateReport",
    "GatesFile",
    "Measurement",
    "MissingData",
    "Verdict",
    "decide",
    "headline",
    "junit_xml",
    "load_gates",
    "markdown_summary",
    "md_cell",
    "run_gates",
    "value_text",
    "verdict_rows",
]
