"""`evalkit report RUN_DIR... --out reports/<name>/`: the leadership report."""

from __future__ import annotations

from pathlib import Path

import typer

from evalkit.stats.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED


def register(app: typer.Typer) -> None:
    """Add `evalkit report`."""

    @app.command("report")
    def report(
        run_dirs: list[Path] = typer.Argument(..., help="Run folders (pooled into one report)."),
        out: Path = typer.Option(..., "--out", "-o", help="Output folder, e.g. reports/<name>/."),
        gates: Path | None = typer.Option(None, "--gates", "-g", help="Gates file (YAML)."),
        title: str = typer.Option("Model evaluation report", "--title"),
        candidate: list[str] = typer.Option(
            None, "--candidate", "-c", help="Candidate model(s); default: the runs' manifests."
        ),
        seed: int | None = typer.Option(
            None, "--seed", help=f"Bootstrap seed (default: the gates file's, else {DEFAULT_SEED})."
        ),
        resamples: int | None = typer.Option(
            None,
            "--resamples",
            min=100,
            help=f"Default: the gates file's, else {DEFAULT_RESAMPLES}.",
        ),
        pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Also print a PDF with chromium."),
        pool: bool = typer.Option(
            False, "--pool", help="Also show rows pooling human and automatic grades (labelled)."
        ),
        rater_bootstrap: bool = typer.Option(
            False,
            "--rater-bootstrap",
            help="Intervals that also resample raters (two-way bootstrap over prompts and raters).",
        ),
        length_control: bool = typer.Option(
            False,
            "--length-control",
            help="Add the length-controlled win rates (AlpacaEval 2.0 GLM; slower). On by itself "
            "when a gate reads them.",
        ),
        ppi: bool = typer.Option(
            False,
            "--ppi",
            help="Add prediction-powered rows where judge and human grades overlap. On by itself "
            "when a gate reads them.",
        ),
        exclude_flagged: bool = typer.Option(
            False,
            "--exclude-flagged",
            help="Leave out the grades of the raters the quality check flags (see the report's "
            "Raters section) before every statistic, gates included; the report names them and "
            "says why at the top.",
        ),
        history: list[Path] = typer.Option(
            None,
            "--history",
            help="Earlier release runs, oldest first (repeatable): a section with each headline "
            "metric (each gate) over the releases, this report's runs last.",
        ),
        db: str | None = typer.Option(None, "--db", help="Grade store URL."),
    ) -> None:
        """Write a self-contained HTML report (+ Markdown, + PDF) for leadership.

        Example: evalkit report runs/rc3 --out reports/rc3 --gates gates.yaml
        --history runs/rc1 --history runs/rc2
        """
        from evalkit.gates import headline, load_gates, run_gates
        from evalkit.jsonio import check_outputs
        from evalkit.report import ReportOptions, write_report
        from evalkit.stats.runs import load_runs

        check_outputs(out / "index.html", out / "report.md")  # before the work, not after it
        frames = load_runs(list(run_dirs), db)
        gate_frames = frames
        if exclude_flagged:  # the report drops the same raters from its own numbers
            from evalkit.stats.raters import exclude_flagged as without_flagged

            gate_frames, _ = without_flagged(frames)
        verdicts = None
        spec = None
        if gates:
            from evalkit.stats.length import METRIC as LENGTH_CONTROLLED

            spec = load_gates(gates)
            # the report's tables use the gates' seed and resamples, so both show the same numbers
            seed = spec.seed if seed is None else seed
            resamples = spec.resamples if resamples is None else resamples
            # and every row a gate decides on is in the report
            pool = pool or any(g.graders == "any" for g in spec.gates)
            ppi = ppi or any(g.graders == "ppi" for g in spec.gates)
            length_control = length_control or any(
                g.info.family == LENGTH_CONTROLLED.family for g in spec.gates
            )
            verdicts = run_gates(spec, gate_frames, db, [str(d) for d in run_dirs])
        options = ReportOptions(
            title=title,
            candidates=candidate or None,
            seed=DEFAULT_SEED if seed is None else seed,
            resamples=DEFAULT_RESAMPLES if resamples is None else resamples,
            pool=pool,
            rater_bootstrap=rater_bootstrap,
            length_control=length_control,
            ppi=ppi,
            exclude_flagged=exclude_flagged,
            db=db,
        )
        if history:
            from evalkit.report.history import history_table

            options.history = history_table(
                [*history, *run_dirs], spec, db=db, seed=options.seed, resamples=options.resamples
            )
        result = write_report(frames, out, verdicts, options, pdf=pdf)
        typer.echo(f"wrote {result.html}")
        typer.echo(f"wrote {result.markdown}")
        if result.pdf:
            typer.echo(f"wrote {result.pdf}")
        else:
            typer.secho(
                f"WARNING: PDF SKIPPED — {result.pdf_skipped}. HTML and Markdown were written.",
                err=True,
                fg=typer.colors.YELLOW,
                bold=True,
            )
        if verdicts is not None:
            typer.echo(f"gates: {headline(verdicts)} ({verdicts.summary()})")
