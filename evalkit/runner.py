"""`evalkit run`: one Response per (prompt, model, sample), append-only and resumable.

RUN_DIR/responses.jsonl only ever grows; every reader keeps the last record per key, so a key is
never counted twice. Running the same command again asks only for what is missing (or failed,
or whose request changed), repairs a line torn by a crash, and never writes a duplicate.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from evalkit import __version__
from evalkit.asyncio_bridge import run_sync
from evalkit.config import ProjectConfig
from evalkit.errors import InputError, UserError
from evalkit.jsonio import (
    AppendWriter,
    iter_json_lines,
    read_records,
    validate_record,
    write_records,
)
from evalkit.models import ModelCallError, ModelClient, client_for, serving
from evalkit.progress import ProgressLine
from evalkit.records import ModelSpec, Prompt, Response, request_hash, utc_now

RESPONSES = "responses.jsonl"
PROMPTS = "prompts.jsonl"
MANIFEST = "manifest.json"

Key = tuple[str, str, int]


@dataclass
class RunSummary:
    run_id: str
    run_dir: Path
    total: int = 0
    cached: int = 0
    asked: int = 0
    ok: int = 0
    errors: int = 0
    error_kinds: Counter[str] = field(default_factory=Counter)
    per_model: dict[str, Counter[str]] = field(default_factory=dict)
    elapsed_s: float = 0.0

    @property
    def throughput(self) -> float:
        return self.asked / self.elapsed_s if self.elapsed_s > 0 else 0.0


# ---------------------------------------------------------------- reading prompts and responses


def load_prompts(paths: list[str | os.PathLike[str]]) -> list[Prompt]:
    """Prompts from JSONL files or folders of them (sorted); ids must be unique across files."""
    prompts: list[Prompt] = []
    seen: dict[str, str] = {}
    for path in _expand(paths):
        for number, obj in iter_json_lines(path):
            prompt = validate_record(obj, Prompt, path, number)
            if prompt.id in seen:
                raise InputError(
                    str(path), number, "id", f"duplicate id {prompt.id!r} ({seen[prompt.id]})"
                )
            seen[prompt.id] = f"first at {path}:{number}"
            prompts.append(prompt)
    return prompts


def _expand(paths: list[str | os.PathLike[str]]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(path.rglob("*.jsonl"))
            if not found:
                raise UserError(f"{path}: folder has no .jsonl files")
            files.extend(found)
        elif path.exists():
            files.append(path)
        else:
            raise UserError(f"{path}: prompts file not found")
    return files


def load_responses(run_dir: str | os.PathLike[str]) -> list[Response]:
    """The run's responses, the last record per (prompt, model, sample), in first-seen order.
    A torn last line (a crash mid-write) is ignored here and repaired by the next `run`."""
    path = Path(run_dir) / RESPONSES
    if not path.exists():
        raise UserError(f"{path}: no responses (run `evalkit run` first)")
    latest: dict[Key, Response] = {}
    for record in read_records(path, Response, allow_torn_tail=True):
        latest[record.key] = record
    return list(latest.values())


def load_run_prompts(run_dir: str | os.PathLike[str]) -> dict[str, Prompt]:
    """The prompts a run asked (RUN_DIR/prompts.jsonl), by id."""
    path = Path(run_dir) / PROMPTS
    if not path.exists():
        raise UserError(f"{path}: no prompts (is this a run folder?)")
    return {prompt.id: prompt for prompt in read_records(path, Prompt)}


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class Job:
    prompt: Prompt
    model: ModelSpec
    sample: int
    request_hash: str


def plan_jobs(
    prompts: list[Prompt], models: list[ModelSpec], samples: int, existing: dict[Key, Response]
) -> tuple[list[Job], int]:
    """What still has to be asked, and how many keys are already done."""
    jobs: list[Job] = []
    cached = 0
    for model in models:
        for prompt in prompts:
            digest = request_hash(model, prompt.messages)
            for sample in range(samples):
                previous = existing.get((prompt.id, model.name, sample))
                if previous and previous.ok and previous.request_hash == digest:
                    cached += 1
                else:
                    jobs.append(Job(prompt, model, sample, digest))
    return jobs, cached


def run_prompts(
    config: ProjectConfig | None,
    prompts: list[Prompt],
    models: list[ModelSpec],
    run_dir: str | os.PathLike[str],
    samples: int = 1,
    allow_errors: bool = False,
    progress: bool = True,
) -> RunSummary:
    """Ask every model for every prompt `samples` times; resume whatever is already there.

    Embedded (llamacpp) models are started for the run and stopped after it. Returns the
    summary; raising is left to the caller (the CLI exits 1 on errors unless allowed)."""
    if samples < 1:
        raise UserError("--samples must be at least 1")
    if not prompts:
        raise UserError("no prompts to run")
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    summary = RunSummary(run_id=run_dir.name, run_dir=run_dir)
    _merge_run_prompts(run_dir, prompts)
    writer = AppendWriter(run_dir / RESPONSES, fsync=False)  # repairs a torn tail first
    existing = {r.key: r for r in load_responses(run_dir)}
    jobs, summary.cached = plan_jobs(prompts, models, samples, existing)
    summary.total = summary.cached + len(jobs)
    started_at = utc_now()
    clock = time.perf_counter()
    try:
        if jobs:
            needed = [m for m in models if any(job.model.name == m.name for job in jobs)]
            with serving(needed, quiet=not progress) as ready:
                by_name = {spec.name: spec for spec in ready}
                run_sync(_ask_all(jobs, by_name, writer, summary, progress))
    finally:
        writer.close()
        summary.elapsed_s = time.perf_counter() - clock
        _write_manifest(run_dir, config, models, samples, summary, started_at)
    return summary


async def _ask_all(
    jobs: list[Job],
    specs: dict[str, ModelSpec],
    writer: AppendWriter,
    summary: RunSummary,
    progress: bool,
) -> None:
    clients = {name: client_for(spec) for name, spec in specs.items()}
    run_id = summary.run_id
    try:
        with ProgressLine(f"run {run_id}", len(jobs), enabled=progress) as bar:

            async def ask(job: Job) -> None:
                response = await _ask_one(clients[job.model.name], job, run_id)
                writer.write(response)
                _count(summary, response)
                bar.advance(error=not response.ok)

            await asyncio.gather(*(ask(job) for job in jobs))
    finally:
        for client in clients.values():
            await client.aclose()


async def _ask_one(client: ModelClient, job: Job, run_id: str) -> Response:
    base = {
        "run_id": run_id,
        "prompt_id": job.prompt.id,
        "model": job.model.name,
        "sample": job.sample,
        "request_hash": job.request_hash,
    }
    try:
        result = await client.complete(job.prompt.messages, sample=job.sample)
    except ModelCallError as exc:
        return Response(**base, error=str(exc), attempts=exc.attempts)
    return Response(
        **base,
        text=result.text,
        finish_reason=result.finish_reason,
        usage=result.usage,
        latency_s=round(result.latency_s, 4),
        ttft_s=None if result.ttft_s is None else round(result.ttft_s, 4),
        tokens_per_s=None if result.tokens_per_s is None else round(result.tokens_per_s, 2),
        attempts=result.attempts,
    )


def _count(summary: RunSummary, response: Response) -> None:
    summary.asked += 1
    counts = summary.per_model.setdefault(response.model, Counter())
    if response.ok:
        summary.ok += 1
        counts["ok"] += 1
    else:
        summary.errors += 1
        counts["errors"] += 1
        summary.error_kinds[(response.error or "").split(":")[0][:60]] += 1


# ---------------------------------------------------------------- run folder bookkeeping


def _merge_run_prompts(run_dir: Path, prompts: list[Prompt]) -> None:
    """RUN_DIR/prompts.jsonl holds every prompt the run has asked (new versions replace old)."""
    path = run_dir / PROMPTS
    merged: dict[str, Prompt] = load_run_prompts(run_dir) if path.exists() else {}
    changed = False
    for prompt in prompts:
        if merged.get(prompt.id) != prompt:
            merged[prompt.id] = prompt
            changed = True
    if changed or not path.exists():
        write_records(path, merged.values())


def _write_manifest(
    run_dir: Path,
    config: ProjectConfig | None,
    models: list[ModelSpec],
    samples: int,
    summary: RunSummary,
    started_at: str,
) -> None:
    path = run_dir / MANIFEST
    manifest = json.loads(path.read_text()) if path.exists() else {"created_at": started_at}
    manifest.update(
        {
            "run_id": summary.run_id,
            "evalkit_version": __version__,
            "project": config.project if config else None,
            "models": manifest.get("models", {}) | {m.name: _public_spec(m) for m in models},
            "datasets": {PROMPTS: _sha256(run_dir / PROMPTS)},
            "updated_at": utc_now(),
        }
    )
    manifest.setdefault("sessions", []).append(
        {
            "started_at": started_at,
            "ended_at": utc_now(),
            "models": [m.name for m in models],
            "samples": samples,
            "total": summary.total,
            "cached": summary.cached,
            "asked": summary.asked,
            "ok": summary.ok,
            "errors": summary.errors,
        }
    )
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


def _public_spec(spec: ModelSpec) -> dict:
    """The spec as recorded in the manifest: no credentials in URLs (keys are never held)."""
    data = spec.model_dump(mode="json")
    if data.get("base_url"):
        parts = urlsplit(data["base_url"])
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
        data["base_url"] = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    if spec.backend == "llamacpp":
        data["base_url"] = None  # a port of this session, meaningless later
    return data


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""
