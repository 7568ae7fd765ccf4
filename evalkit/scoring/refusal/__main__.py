"""`python -m evalkit.scoring.refusal split|train|cv`: make the dev/test split, train the model
into `refusal_model.json`, or cross-validate on dev (see the package docstring)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from evalkit.scoring.refusal.labelled import (
    DEV_SET,
    LABELLED_DIR,
    TEST_SET,
    LabelledResponse,
    batch_of,
    load_labelled,
)
from evalkit.scoring.refusal.model import MODEL_PATH, load_model
from evalkit.scoring.refusal.train import cross_validate, cross_validate_by_batch, fit_json


def _main(argv: list[str]) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m evalkit.scoring.refusal")
    sub = parser.add_subparsers(dest="command", required=True)
    split = sub.add_parser(
        "split", help="write dev.jsonl and test.jsonl: the dev sources, then the test sources"
    )
    split.add_argument("sources", nargs="+", help="the dev batches (every record goes to dev)")
    split.add_argument("--test", nargs="+", required=True, help="the held-out batches")
    train = sub.add_parser("train", help="train on dev.jsonl, write refusal_model.json")
    train.add_argument("--set", default="dev")
    train.add_argument("--out", default=str(MODEL_PATH))
    cv = sub.add_parser("cv", help="cross-validate on dev.jsonl (for tuning)")
    cv.add_argument("--set", default="dev")
    cv.add_argument("--params", default="{}", help="JSON overrides of the training defaults")
    cv.add_argument(
        "--by-batch",
        action="store_true",
        help="leave one batch out (each batch held out in turn) instead of random 5-fold",
    )
    args = parser.parse_args(argv)
    if args.command == "split":
        from evalkit.jsonio import write_records

        dev = [r for src in args.sources for r in _read_source(Path(src))]
        test = [r for src in args.test for r in _read_source(Path(src))]
        clash = {r["id"] for r in dev} & {r["id"] for r in test}
        if clash:
            parser.error(f"ids in both dev and test: {sorted(clash)[:5]}")
        LABELLED_DIR.mkdir(parents=True, exist_ok=True)
        write_records(DEV_SET, dev)
        write_records(TEST_SET, test)
        print(f"{len(dev) + len(test)} records: dev {len(dev)}, test {len(test)}")
        return 0
    records = load_labelled(args.set)
    if args.command == "train":
        obj = fit_json(
            [r.response for r in records],
            [r.label for r in records],
            groups=[batch_of(r.id) for r in records],
        )
        Path(args.out).write_text(
            json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
        )
        load_model.cache_clear()
        terms = sum(len(b["terms"]) for b in obj["blocks"].values())
        print(f"wrote {args.out}: {len(obj['dense']['features'])} dense features, {terms} n-grams,")
        print(f"trained on {len(records)} responses of {args.set}")
        return 0
    from evalkit.graders import classification_report, format_report

    params = json.loads(args.params)
    if not args.by_batch:
        detections = cross_validate(records, params)
        print(format_report(classification_report(records, detections, resamples=0)))
        return 0
    detections, batches = cross_validate_by_batch(records, params)
    print(format_report(classification_report(records, detections, resamples=0)))
    print("\nleave-one-batch-out: F1 of each held-out batch")
    scores = []
    for batch, members in batches.items():
        fold = classification_report(
            [records[i] for i in members], [detections[i] for i in members], resamples=0
        )
        scores.append(fold["overall"]["f1"]["value"])
        print(f"  {batch}: n={len(members):<4} F1 {scores[-1]:.3f}")
    print(f"  mean over {len(scores)} batches: F1 {sum(scores) / len(scores):.3f}")
    return 0


def _read_source(path: Path) -> list[dict[str, Any]]:
    fields = set(LabelledResponse.model_fields)
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            obj = json.loads(line)
            out.append({k: v for k, v in obj.items() if k in fields})
    return out


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
