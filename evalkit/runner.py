"""`evalkit run`: one Response per (prompt, model, sample), append-only and resumable.

RUN_DIR/responses.jsonl only ever grows; every reader keeps the last record per key, so a key is
never counted twice. Running the same command again asks only for what is missing (or failed,
or whose request changed), repairs a line torn by a crash, and never writes a duplicate.

A run can be split over machines (`--shard K/N`, see `Shard`): each shard asks a deterministic,
balanced part of the keys into its own folder, and `evalkit merge` (evalkit/merge.py) joins the
folders into one run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import time
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
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
from evalkit.models.embedded import Served, is_embedded
from evalkit.progress import ProgressLine
from evalkit.records import ModelSpec, Prompt, Response, request_hash
from evalkit.rundir import PROMPTS, RESPONSES, RunDir

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
    # models not asked to the end, and why (a dead server, an endpoint refusing connections)
    unreachable: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    shard: str | None = None  # "K/N" when only one shard of the requests was asked

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


# ---------------------------------------------------------------- shards


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1-based): a deterministic, balanced part of a run's keys.

    Each model's keys are grouped by suite (the prompt's `suite`, in name order), sorted within
    a group by a stable hash of the key, and dealt round robin to the N shards, the deal carried
    on from group to group and from model to model (in name order). So each shard gets a part of
    every (model, suite) group, and the parts of a group, of a model and of the whole run differ
    in size by at most one. The deal depends only on the plan (prompts, models, samples): every
    shard, and a rerun of one, must be given the same. `keys` fixes the shard's keys over a
    whole plan of several batches (`for_plan`); without it each `run_prompts` call deals its own
    batch."""

    index: int
    count: int
    keys: frozenset[Key] | None = field(default=None, compare=False, repr=False)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Read "K/N" (1 <= K <= N); anything else is a UserError (exit 2)."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
        if not match:
            raise UserError(f"--shard {text!r}: expected K/N, shard K of N (e.g. 2/4)")
        index, count = int(match[1]), int(match[2])
        if count < 1:
            raise UserError(f"--shard {text}: N must be at least 1")
        if not 1 <= index <= count:
            raise UserError(f"--shard {text}: K must be between 1 and N ({count})")
        return cls(index, count)

    def for_plan(
        self, batches: Iterable[tuple[list[Prompt], list[ModelSpec]]], samples: int
    ) -> Shard:
        """This shard with its keys dealt over every (prompts, models) batch of a plan."""
        return replace(self, keys=shard_keys(batches, samples, self))

    def select(
        self, prompts: list[Prompt], models: list[ModelSpec], samples: int
    ) -> frozenset[Key]:
        """This shard's keys for one batch: the plan's if fixed, else the batch's own deal."""
        if self.keys is not None:
            return self.keys
        return shard_keys([(prompts, models)], samples, self)


def shard_keys(
    batches: Iterable[tuple[list[Prompt], list[ModelSpec]]], samples: int, shard: Shard
) -> frozenset[Key]:
    """The keys of `shard` among every key of the batches (see `Shard`)."""
    suites: dict[Key, str] = {}
    for prompts, models in batches:
        for model in models:
            for prompt in prompts:
                for sample in range(samples):
                    suites.setdefault((prompt.id, model.name, sample), prompt.suite)
    ordered = sorted(suites, key=lambda key: (key[1], suites[key], _key_hash(key), key))
    return frozenset(key for i, key in enumerate(ordered) if i % shard.count == shard.index - 1)


def _key_hash(key: Key) -> str:
    return hashlib.sha256(json.dumps(list(key)).encode()).hexdigest()


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class Job:
    prompt: Prompt
    model: ModelSpec
    sample: int
    request_hash: str


def plan_jobs(
    prompts: list[Prompt],
    models: list[ModelSpec],
    samples: int,
    existing: dict[Key, Response],
    only: Collection[Key] | None = None,
) -> tuple[list[Job], int]:
    """What still has to be asked, and how many keys are already done (of `only`, if given)."""
    jobs: list[Job] = []
    cached = 0
    for model in models:
        for prompt in prompts:
            digest = request_hash(model, prompt.messages)
            for sample in range(samples):
                if only is not None and (prompt.id, model.name, sample) not in only:
                    continue
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
    shard: Shard | None = None,
) -> RunSummary:
    """Ask every model for every prompt `samples` times; resume whatever is already there.

    With `shard`, only that shard's keys are asked (and recorded in the session); the folder's
    prompts.jsonl still lists every prompt, so `evalkit merge` can tell a missing shard.

    The run folder is locked for the call (a second writer is refused). Embedded (llamacpp)
    models are served one after another, each with every core, while remote endpoints are
    asked alongside. A model whose server dies, or whose endpoint refuses every connection, is
    not asked again in this call: its remaining requests are recorded as errors naming the
    cause. Returns the summary; the CLI exits 1 on errors unless allowed."""
    if samples < 1:
        raise UserError("--samples must be at least 1")
    if not prompts:
        raise UserError("no prompts to run")
    rundir = RunDir(run_dir)
    summary = RunSummary(run_id=rundir.path.name, run_dir=rundir.path)
    details: dict[str, object] = {
        "models": [m.name for m in models],
        "samples": samples,
        "prompt_suites": sorted({p.suite or "" for p in prompts}),
    }
    only = None
    if shard is not None:
        only = shard.select(prompts, models, samples)
        details["shard"] = summary.shard = str(shard)
    with rundir.writing("run", **details) as session:
        summary.run_id = rundir.run_id
        _merge_run_prompts(rundir, prompts)
        writer = AppendWriter(rundir.responses, fsync=False)  # repairs a torn tail first
        existing = {r.key: r for r in load_responses(rundir.path)}
        jobs, summary.cached = plan_jobs(prompts, models, samples, existing, only)
        summary.total = summary.cached + len(jobs)
        clock = time.perf_counter()
        try:
            if jobs:
                run_sync(_ask_all(jobs, models, writer, summary, progress))
        finally:
            writer.close()
            summary.elapsed_s = time.perf_counter() - clock
            for name in ("total", "cached", "asked", "ok", "errors"):
                setattr(session, name, getattr(summary, name))
            manifest = rundir.manifest()
            rundir.update_manifest(
                evalkit_version=__version__,
                project=config.project if config else manifest.project,
                models=manifest.models | {m.name: _public_spec(m) for m in models},
                datasets={PROMPTS: _sha256(rundir.prompts)},
            )
    return summary


class _Gate:
    """Whether a model may still be asked in this call, and why not."""

    def __init__(self, served: Served | None = None) -> None:
        self.served = served
        self.closed: dict[str, str] = {}
        self.succeeded: set[str] = set()

    def blocked(self, model: str) -> str | None:
        if model in self.closed:
            return self.closed[model]
        if self.served and (cause := self.served.failure(model)):
            self.closed[model] = cause
        return self.closed.get(model)

    def note(self, model: str, spec: ModelSpec, error: ModelCallError | None) -> None:
        if error is None:
            self.succeeded.add(model)
        elif error.kind == "connect" and model not in self.succeeded:
            url = _public_spec(spec).get("base_url") or spec.base_url
            self.closed.setdefault(
                model, f"endpoint {url} refused every connection (is the server running?)"
            )


async def _ask_all(
    jobs: list[Job],
    models: list[ModelSpec],
    writer: AppendWriter,
    summary: RunSummary,
    progress: bool,
) -> None:
    """Remote models all at once; embedded models one after another, each served alone."""
    by_model: dict[str, list[Job]] = {}
    for job in jobs:
        by_model.setdefault(job.model.name, []).append(job)
    asked = [m for m in models if m.name in by_model]
    remote = [m for m in asked if not is_embedded(m)]
    embedded = [m for m in asked if is_embedded(m)]
    with ProgressLine(f"run {summary.run_id}", len(jobs), enabled=progress) as bar:

        async def embedded_phases() -> None:
            for spec in embedded:
                served_cm = serving([spec], quiet=not progress)
                served = await asyncio.to_thread(served_cm.__enter__)
                try:
                    await _ask_models(served, by_model, writer, summary, bar)
                finally:
                    await asyncio.to_thread(served_cm.__exit__, None, None, None)

        await asyncio.gather(
            _ask_models(Served(specs=remote), by_model, writer, summary, bar),
            embedded_phases(),
        )


async def _ask_models(
    served: Served,
    by_model: dict[str, list[Job]],
    writer: AppendWriter,
    summary: RunSummary,
    bar: ProgressLine,
) -> None:
    if not served.specs:
        return
    gate = _Gate(served)
    clients = {spec.name: client_for(spec) for spec in served.specs}
    inflight: dict[str, set[asyncio.Task[tuple[Response, ModelCallError | None]]]] = {
        name: set() for name in clients
    }
    run_id = summary.run_id

    async def watch() -> None:  # a dead server is noticed within a second, mid-request too
        while True:
            await asyncio.sleep(0.5)
            for name, tasks in inflight.items():
                if tasks and gate.blocked(name):
                    for task in list(tasks):
                        task.cancel()

    async def ask(job: Job, spec: ModelSpec) -> None:
        name = spec.name
        response: Response | None = None
        if gate.blocked(name) is None:
            task = asyncio.ensure_future(_ask_one(clients[name], job, run_id))
            inflight[name].add(task)
            try:
                response, error = await task
            except asyncio.CancelledError:
                if not gate.blocked(name):
                    raise  # the run itself is being cancelled
            finally:
                inflight[name].discard(task)
            if response is not None:
                gate.note(name, spec, error)
                if error is not None and (why := gate.blocked(name)):
                    response.error = f"{why} ({response.error})"
        if response is None:
            why = gate.blocked(name)
            response = Response(**_base(job, run_id), error=f"not asked: {why}", attempts=0)
        writer.write(response)
        _count(summary, response)
        bar.advance(error=not response.ok)

    watcher = asyncio.ensure_future(watch())
    try:
        await asyncio.gather(
            *(ask(job, spec) for spec in served.specs for job in by_model.get(spec.name, []))
        )
    finally:
        watcher.cancel()
        for client in clients.values():
            await client.aclose()
    summary.unreachable.update(gate.closed)


def _base(job: Job, run_id: str) -> dict:
    return {
        "run_id": run_id,
        "prompt_id": job.prompt.id,
        "model": job.model.name,
        "sample": job.sample,
        "request_hash": job.request_hash,
    }


async def _ask_one(
    client: ModelClient, job: Job, run_id: str
) -> tuple[Response, ModelCallError | None]:
    base = _base(job, run_id)
    try:
        result = await client.complete(job.prompt.messages, sample=job.sample)
    except ModelCallError as exc:
        return Response(**base, error=str(exc), attempts=exc.attempts), exc
    return Response(
        **base,
        text=result.text,
        finish_reason=result.finish_reason,
        usage=result.usage,
        latency_s=round(result.latency_s, 4),
        ttft_s=None if result.ttft_s is None else round(result.ttft_s, 4),
        tokens_per_s=None if result.tokens_per_s is None else round(result.tokens_per_s, 2),
        attempts=result.attempts,
    ), None


def _count(summary: RunSummary, response: Response) -> None:
    summary.asked += 1
    counts = summary.per_model.setdefault(response.model, Counter())
    if response.ok:
        summary.ok += 1
        counts["ok"] += 1
    else:
        summary.errors += 1
        counts["errors"] += 1
        summary.error_kinds[_error_kind(response.error or "")] += 1


def _error_kind(error: str) -> str:
    """A short name for counting errors: "not asked", "HTTP 500", "ConnectError", ..."""
    if error.startswith("not asked"):
        return "not asked"
    return error.split(":")[0][:60]


# ---------------------------------------------------------------- run folder bookkeeping


def _merge_run_prompts(rundir: RunDir, prompts: list[Prompt]) -> None:
    """RUN_DIR/prompts.jsonl holds every prompt the run has asked (new versions replace old)."""
    path = rundir.prompts
    merged: dict[str, Prompt] = load_run_prompts(rundir.path) if path.exists() else {}
    changed = False
    for prompt in prompts:
        if merged.get(prompt.id) != prompt:
            merged[prompt.id] = prompt
            changed = True
    if changed or not path.exists():
        write_records(path, merged.values())


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
