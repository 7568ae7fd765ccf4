"""A gate run's own release history, without the old run folders: `verdict_records` +
`append_history` append the verdicts to a JSONL file, `read_history` reads it back into the same
table as `history_table` (changes there are unpaired: MOVER on the recorded intervals,
conservative when runs share prompts)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from evalkit.errors import UserError
from evalkit.report.history_format import _finite
from evalkit.report.history_stats import HISTORY_COLUMNS, _Series, _set_change
from evalkit.stats.table import ALL, metric, metrics

if TYPE_CHECKING:
    from evalkit.gates.decide import GateReport

NAN = float("nan")
HISTORY_SCHEMA = 1


def verdict_records(
    report: GateReport, run_id: str | None = None, created_at: str | None = None
) -> list[dict[str, Any]]:
    """One JSON-ready record per verdict of a gate run (what `append_history` appends); the run
    is named by `run_id` (default: the manifests' run_ids of the report's runs, joined by +)."""
    from evalkit.records import utc_now
    from evalkit.rundir import RunDir

    if run_id is None or created_at is None:
        ids, dates = [], []
        for path in report.runs:
            try:
                manifest = RunDir(path).read_manifest()
            except Exception:  # a history record must not fail the gate run
                manifest = None
            ids.append(manifest.run_id if manifest else Path(path).name)
            if manifest and "created_at" in manifest.model_fields_set:
                dates.append(manifest.created_at)
        run_id = run_id or "+".join(ids) or "run"
        created_at = created_at if created_at is not None else max(dates, default="")
    recorded = utc_now()

    def number(value: Any) -> float | None:
        return float(value) if _finite(value) else None

    out = []
    for v in report.verdicts:
        gate, m = v.gate, v.measurement
        out.append(
            {
                "schema": HISTORY_SCHEMA, "recorded_at": recorded, "run_id": run_id,
                "created_at": created_at, "runs": list(report.runs), "gate": gate.name,
                "metric": gate.metric, "model": gate.model, "baseline": gate.baseline or "",
                "group": gate.group, "graders": m.graders if m else "",
                "estimate": number(m.value) if m else None,
                "low": number(m.low) if m else None, "high": number(m.high) if m else None,
                "n": m.n if m else 0, "threshold": number(gate.threshold),
                "direction": gate.direction or "", "bound": gate.bound or "",
                "rule": _gate_rule(v), "status": v.status, "reason": v.reason,
            }
        )  # fmt: skip
    return out


def _gate_rule(verdict: Any) -> str:
    from evalkit.gates.outputs import rule_text

    return rule_text(verdict)


def append_history(path: str | os.PathLike[str], records: Iterable[dict[str, Any]]) -> None:
    """Append verdict records to a JSONL history file (created when missing; a torn last line
    from an interrupted write is cut first)."""
    from evalkit.jsonio import AppendWriter

    try:
        with AppendWriter(path) as writer:
            for record in records:
                writer.write(record)
    except OSError as exc:
        raise UserError(f"{path}: cannot append the gate history: {exc.strerror or exc}") from None


def read_history(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A history file as a history table (runs in the order first recorded; a gate decided
    twice on one run keeps its last record). Changes are unpaired — MOVER on the recorded
    intervals (no item values are kept), conservative when runs share prompts."""
    from evalkit.jsonio import iter_json_lines

    records: dict[tuple[str, str], dict[str, Any]] = {}
    order: dict[str, int] = {}
    record: dict[str, Any] | None
    for _, record in iter_json_lines(path, allow_torn_tail=True):
        run_id, gate = str(record.get("run_id") or ""), str(record.get("gate") or "")
        if not run_id or not gate or str(record.get("metric")) not in metrics():
            continue
        order.setdefault(run_id, len(order))
        records.pop((run_id, gate), None)  # the last record wins, in its gate order
        records[(run_id, gate)] = record
    gates = list(dict.fromkeys(gate for _, gate in records))
    rows = []
    for gate in gates:
        previous: dict[str, Any] | None = None
        for run_id, i in order.items():
            record = records.get((run_id, gate))
            rows.append(_file_row(gate, run_id, i, record, previous))
            if rows[-1]["status"] != "missing":
                previous = rows[-1]
    table = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    # a run that did not record a gate: fill its descriptive columns from the gate's records
    for column in ("metric", "description", "scale", "model", "baseline", "group", "rule"):
        table[column] = table.groupby("series")[column].transform(
            lambda s: s.replace("", pd.NA).ffill().bfill().fillna("")
        )
    table["threshold"] = table.groupby("series")["threshold"].transform(lambda s: s.ffill().bfill())
    return table


def _file_row(
    gate: str, run_id: str, i: int, record: dict[str, Any] | None, previous: dict | None
) -> dict[str, Any]:
    def number(key: str) -> float:
        value: Any = (record or {}).get(key)
        return float(value) if _finite(value) else NAN

    name = str((record or {}).get("metric") or "")
    info = metric(name) if name else None
    direction = str((record or {}).get("direction") or "")
    row: dict[str, Any] = {
        "series": gate, "gate": gate, "metric": name,
        "description": info.description if info else "", "scale": info.scale if info else "",
        "model": str((record or {}).get("model") or ""),
        "baseline": str((record or {}).get("baseline") or ""),
        "group": str((record or {}).get("group") or ALL),
        "graders": str((record or {}).get("graders") or ""), "run": i, "run_id": run_id,
        "created_at": str((record or {}).get("created_at") or ""), "run_dir": "",
        "estimate": number("estimate"), "low": number("low"), "high": number("high"),
        "n": int((record or {}).get("n") or 0), "status": "ok", "note": "",
        "threshold": number("threshold"), "direction": direction,
        "bound": str((record or {}).get("bound") or ""),
        "rule": str((record or {}).get("rule") or ""), "previous": "", "change": NAN,
        "change_low": NAN, "change_high": NAN, "p_value": NAN, "significant": None,
        "better": None, "comparison": "",
    }  # fmt: skip
    status = str((record or {}).get("status") or "missing")
    if record is None or status == "missing" or not _finite(row["estimate"]):
        row["status"] = "missing"
        row["note"] = str((record or {}).get("reason") or "not recorded for this run")
        return row
    if status == "insufficient":
        row["status"], row["note"] = "insufficient", str(record.get("reason") or "")
    if previous is None:
        return row
    row["previous"] = previous["run_id"]
    mine, theirs = row["graders"].split(" ")[:1], str(previous["graders"]).split(" ")[:1]
    if mine != theirs:
        row["comparison"] = f"not tested: graders differ ({theirs[0]} before, {mine[0]} now)"
        return row
    low, high = _mover(row, previous)
    if math.isnan(low) or math.isnan(high):
        row["comparison"] = "not tested: a recorded interval is undefined"
        return row
    series = _Series(gate, name, row["model"], direction=direction)
    _set_change(row, row["estimate"] - previous["estimate"], low, high, series)
    row["comparison"] = (
        "unpaired: MOVER on the recorded 95% intervals (conservative when the runs share prompts)"
    )
    return row


def _mover(a: dict[str, Any], b: dict[str, Any]) -> tuple[float, float]:
    """The 95% interval of a − b from two independent intervals (Zou & Donner's MOVER)."""
    pa, la, ua = a["estimate"], a["low"], a["high"]
    pb, lb, ub = b["estimate"], b["low"], b["high"]
    if any(not _finite(v) for v in (pa, la, ua, pb, lb, ub)):
        return NAN, NAN
    d = pa - pb
    return d - math.hypot(pa - la, ub - pb), d + math.hypot(ua - pa, pb - lb)
