"""`evalkit summarization build|audit|stats|checks`: the product summarization sets and their
checks."""

from __future__ import annotations

from pathlib import Path

import typer

from evalkit.errors import UserError

STRATA = ("content_type", "length_bucket", "stacked")


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Product summarization sets (email, message, notification): build, audit, stats, "
        "checks.",
        no_args_is_help=True,
    )
    group.command("build")(build_command)
    group.command("audit")(audit_command)
    group.command("stats")(stats_command)
    group.command("checks")(checks_command)
    app.add_typer(group, name="summarization")


def build_command(
    use_case: str = typer.Option(..., "--use-case", help="email, message or notification."),
    authored: list[Path] = typer.Option(
        None,
        "--authored",
        help="Individually written samples: a JSONL file or a folder of them (repeatable).",
    ),
    source: list[Path] = typer.Option(
        None, "--source", help="A team's corpus to draw from (JSONL; repeatable)."
    ),
    n: int = typer.Option(
        None,
        "--n",
        min=1,
        help="Number of samples (default: every authored sample; 750 with --source).",
    ),
    adversarial: bool = typer.Option(
        False,
        "--adversarial",
        help="Build the adversarial subset (ids sumadv-<use_case>-NNNN) from --authored files.",
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the draws and of the order."),
    min_per_cell: int = typer.Option(10, "--min-per-cell", min=0, help="Minimum per stratum."),
    adapter: str = typer.Option(
        "generic", "--adapter", help="Corpus reader: generic (see --map), aeslc or dialogsum."
    ),
    mapping: list[str] = typer.Option(
        None, "--map", help="Field names of a generic corpus, e.g. text=body,content_type=kind."
    ),
    out: Path = typer.Option(None, "--out", help="Output JSONL (required)."),
) -> None:
    """Build a stratified summarization set and its strata table (<out>.strata.csv), from
    individually written samples (--authored) or from a team's corpus (--source).

    Examples:
      evalkit summarization build --use-case email --authored authored/email/
        --n 750 --out prompts/summarization/email.jsonl
      evalkit summarization build --use-case email --adversarial --authored authored/email-adv/
        --out prompts/summarization/email-adversarial.jsonl
      evalkit summarization build --use-case message --n 200 --adapter dialogsum
        --source ../shared/data/summarization/dialogsum/dialogsum.dev.jsonl --out /tmp/m.jsonl
    """
    from evalkit.jsonio import check_outputs
    from evalkit.summarization import corpus, sampler
    from evalkit.summarization.design import SET_SIZE, check_use_case
    from evalkit.summarization.quality import repetition

    check_use_case(use_case)
    if not authored and not source:
        raise UserError(
            "build needs --authored FILE_OR_FOLDER (individually written samples in the format "
            "of prompts/summarization/README.md) or --source FILE (a team's corpus: one "
            "document per JSONL line, or --adapter aeslc/dialogsum); the sentence-template "
            "generator was removed"
        )
    if authored and source:
        raise UserError("--authored and --source are two sources of a set; give one")
    if out is None:
        raise UserError("--out is required (the set's JSONL; its strata table goes beside it)")
    if source and adversarial:
        raise UserError("--adversarial builds the adversarial subset from --authored files")
    if authored and (adapter != "generic" or mapping):
        raise UserError("--adapter and --map apply to --source only")
    check_outputs(out, sampler.strata_path(out))  # the set and its strata table, before the work
    if authored:
        samples, files = _read_authored(authored)
        result = sampler.build_authored(
            use_case, samples, n, seed, min_per_cell, adversarial=adversarial
        )
        noun = "file" if len(files) == 1 else "files"
        origin = f"from {len(samples)} authored samples in {len(files)} {noun}"
    else:
        docs = corpus.read_corpus(source, adapter, corpus.parse_map(mapping or []))
        units = corpus.units(docs, use_case)
        result = sampler.build_from_corpus(use_case, units, n or SET_SIZE, seed, min_per_cell)
        origin = f"from {len(units)} corpus units"
    path, table_path = sampler.write_build(result, out)
    rep = repetition([p.documents or [] for p in result.prompts])
    table = result.table
    short = table[table["achieved"] < min_per_cell]
    typer.echo(f"wrote {path} ({len(result.prompts)} samples {origin}) and {table_path}")
    typer.echo(
        f"strata: {int((table['achieved'] > 0).sum())} cells filled, smallest "
        f"{int(table['achieved'].min())}, largest {int(table['achieved'].max())}; "
        f"{len(short)} below the minimum of {min_per_cell}"
    )
    typer.echo(
        f"sentence repetition across samples: {100 * rep.share:.2f}% "
        f"({rep.repeated} of {rep.sentences} sentences); "
        f"`evalkit summarization audit {path}` for the full audit"
    )


def _read_authored(paths: list[Path]) -> tuple[list, list[Path]]:
    """The samples of authored files and folders (each folder's *.jsonl); every problem is
    printed as `file:line: problem`, then the command stops (exit 2)."""
    from evalkit.summarization.authored import read_authored

    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.glob("*.jsonl"))
            if not found:
                raise UserError(f"{path}: no *.jsonl files of authored samples in this folder")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise UserError(f"{path}: no such file or folder")
    samples, problems = read_authored(files)
    if problems:
        for problem in problems:
            typer.echo(problem, err=True)
        noun = "problem" if len(problems) == 1 else "problems"
        raise UserError(
            f"{len(problems)} {noun} in the authored files (listed above); "
            "`python -m evalkit.summarization.authored FILE...` checks files while writing"
        )
    return samples, files


def audit_command(
    files: list[Path] = typer.Argument(..., help="Set files (JSONL of Prompt records)."),
    as_json: bool = typer.Option(False, "--json", help="Print every measure as one JSON object."),
) -> None:
    """Data-quality audit of summarization sets, read together: masked-pattern repetition,
    vocabulary growth, first-line diversity, late-item key facts in stacks of 3+, strata, hard
    cases, languages, token lengths (and the share of emails of 2,000+ tokens), and how often
    the reference summaries keep their own key facts. The measures are defined in
    evalkit/summarization/audit.py.

    Example: evalkit summarization audit prompts/summarization/email.jsonl --json
    """
    import json

    from evalkit.jsonio import read_records
    from evalkit.records import Prompt
    from evalkit.summarization.audit import audit

    prompts: list[Prompt] = []
    for path in files:
        if not path.is_file():
            raise UserError(f"{path}: no such file")
        prompts += read_records(path, Prompt)
    if not prompts:
        raise UserError("no records to audit")
    result = audit(prompts)
    if as_json:
        typer.echo(json.dumps({"files": [str(f) for f in files], **result.to_dict()}, indent=2))
        return
    typer.echo(f"== {', '.join(str(f) for f in files)}")
    for line in result.lines():
        typer.echo(line)


def stats_command(
    files: list[Path] = typer.Argument(
        None, help="Set files (default: prompts/summarization/{email,message,notification}.jsonl)."
    ),
    min_per_cell: int = typer.Option(10, "--min-per-cell", min=0, help="Minimum per stratum."),
) -> None:
    """Strata counts, sentence repetition and validation of summarization sets.

    Example: evalkit summarization stats prompts/summarization/email.jsonl
    """
    from evalkit.jsonio import read_records
    from evalkit.paths import PROMPTS_DIR
    from evalkit.records import Prompt
    from evalkit.summarization.design import USE_CASES, sample_tokens
    from evalkit.summarization.quality import repetition, strata_counts, validate_set

    if not files:
        files = [PROMPTS_DIR / "summarization" / f"{u}.jsonl" for u in USE_CASES]
        files = [f for f in files if f.exists()]
        if not files:
            raise UserError("no summarization sets found; run `evalkit summarization build`")
    failed = False
    for path in files:
        prompts = read_records(path, Prompt)
        use_cases = sorted({p.use_case or "?" for p in prompts})
        if len(use_cases) != 1:
            raise UserError(f"{path}: expected one use case, found {', '.join(use_cases)}")
        use_case = use_cases[0]
        generated = all((p.source or "").startswith("evalkit:generator") for p in prompts)
        counts = strata_counts(prompts)
        rep = repetition([p.documents or [] for p in prompts])
        tokens = [sample_tokens(p.documents or []) for p in prompts]
        problems = validate_set(prompts, use_case, minimum=min_per_cell if generated else 0)
        typer.echo(f"== {path}: {len(prompts)} samples, use case {use_case}")
        for column in STRATA:
            margin = counts.groupby(column)["n"].sum().to_dict()
            typer.echo(f"  {column}: " + ", ".join(f"{k}={v}" for k, v in margin.items()))
        typer.echo(
            f"  cells: {len(counts)} filled, smallest {int(counts['n'].min())}, "
            f"largest {int(counts['n'].max())}"
        )
        typer.echo(
            f"  tokens (chars/4): min {min(tokens)}, median {sorted(tokens)[len(tokens) // 2]}, "
            f"max {max(tokens)}; key facts per sample: "
            f"{sum(len(p.key_facts or []) for p in prompts) / len(prompts):.2f}"
        )
        typer.echo(
            f"  sentence repetition across samples: {100 * rep.share:.2f}% "
            f"({rep.repeated} of {rep.sentences})"
        )
        for sentence, k in rep.top[:3]:
            typer.echo(f"    in {k} samples: {sentence[:90]}")
        typer.echo(f"  validation: {'ok' if not problems else f'{len(problems)} problems'}")
        for problem in problems[:20]:
            typer.echo(f"    {problem}")
        failed = failed or bool(problems)
    if failed:
        raise typer.Exit(1)


def checks_command(
    run_dir: Path = typer.Argument(..., help="Run folder (responses.jsonl, prompts.jsonl)."),
    by: list[str] = typer.Option(
        None,
        "--by",
        help="Grouping, comma-separated (model,use_case,content_type,length_bucket,stacked; "
        "'stratum' = all three strata). Repeatable. Default: model,use_case then each stratum.",
    ),
    csv: Path = typer.Option(None, "--csv", help="Also write one row per response here."),
) -> None:
    """Key-fact coverage, groundedness and length compliance per model, use case and stratum,
    with n and Wilson 95% intervals; under the tables, each check's own error measured on
    evalkit's labelled test split (`evalkit graders eval summary` for the full report).

    Example: evalkit summarization checks runs/demo --by model,use_case,stratum
    """
    from evalkit.jsonio import atomic_output, check_outputs
    from evalkit.runner import load_responses, load_run_prompts
    from evalkit.summarization.checks import checks_frame, readable, tabulate_checks

    if not run_dir.is_dir():
        raise UserError(f"{run_dir}: run folder not found")
    check_outputs(csv)
    prompts = load_run_prompts(run_dir)
    responses = load_responses(run_dir)
    summarization = {pid for pid, p in prompts.items() if p.suite == "summarization"}
    relevant = [r for r in responses if r.prompt_id in summarization]
    errors = sum(1 for r in relevant if not r.ok)
    frame = checks_frame(prompts, relevant)
    if frame.empty:
        raise UserError(f"{run_dir}: no successful responses to summarization prompts")
    groupings = (
        [_grouping(spec) for spec in by]
        if by
        else [
            ["model", "use_case"],
            *(["model", "use_case", column] for column in STRATA),
        ]
    )
    typer.echo(
        f"{len(frame)} summaries checked in {run_dir}"
        + (f"; {errors} errored responses excluded" if errors else "")
    )
    for grouping in groupings:
        table = readable(tabulate_checks(frame, grouping), grouping)
        typer.echo(f"\n== by {', '.join(grouping)}")
        typer.echo(table.to_string(index=False))
    _print_accuracy()
    if csv is not None:
        from evalkit.exports import write_csv  # formula-like cells made inert

        with atomic_output(csv) as handle:
            write_csv(frame, handle)
        typer.echo(f"\nwrote {csv}")


def _print_accuracy() -> None:
    """Each check's measured error under its rates: a rate is only as good as its check."""
    from evalkit.summarization.accuracy import accuracy_lines

    typer.echo("\n== measured accuracy of the checks (positive = the fault; 95% intervals)")
    for line in accuracy_lines():
        typer.echo(f"  {line}")


def _grouping(spec: str) -> list[str]:
    allowed = {"model", "use_case", *STRATA}
    columns: list[str] = []
    for part in (p.strip() for p in spec.split(",")):
        if part == "stratum":
            columns += list(STRATA)
        elif part in allowed:
            columns.append(part)
        else:
            raise UserError(f"--by {spec!r}: unknown column {part!r}")
    if not columns:
        raise UserError("--by: empty grouping")
    return columns
