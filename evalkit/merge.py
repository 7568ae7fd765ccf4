"""`evalkit merge`: run folders asked in shards (`evalkit run --shard K/N`) joined into one run.

    merge_runs(["runs/rc-1", "runs/rc-2", "runs/rc-3"], "runs/rc")

The rules, checked before anything is written (a failed merge leaves the output untouched):

- prompts: every folder's prompts.jsonl (each shard lists every prompt of the plan); a prompt id
  whose record differs between two folders is an error naming the id and both folders;
- models: a model set up differently in two folders (anything that changes what it is asked:
  model, adapter, api, system prompt, params; not its URL or concurrency) is an error;
- responses, by key (prompt, model, sample), the last record of each folder: a key found in two
  folders must have the same answer there (request hash, text, finish reason, error). Timings,
  attempts, usage, `created_at` and `run_id` may differ (the same request asked twice, e.g. by
  overlapping shards): the record of the first folder given is kept. A failed record gives way
  to a successful one of the same request. Any other difference is a conflict naming the keys
  and both folders;
- completeness: every prompt x model x sample planned by the folders' `run` sessions (their
  models and `--samples`) must have a response, errors included (they are counted, and a rerun
  of the shard retries them); missing keys are an error listing the first few, unless
  `allow_incomplete`. Each session records the suites of the prompts it asked, so a model
  limited to some suites (`suites.<name>.models`) is expected only on those suites' prompts.

The output is written under its writer lock (`RunDir(out).writing("merge")`): prompts.jsonl,
responses.jsonl (every record's `run_id` set to the merged run's) and manifest.json (models,
datasets, every folder's sessions, `merged_from`) are each written to a temporary file and
renamed into place together. If the output already holds a run, it is merged too (first, so what
is there wins): merging the same folders again gives the same files, and nothing is dropped.
The source folders are only read, and a source that another evalkit process is writing is
refused. scores.jsonl and grade stores are not merged: score the merged run.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ValidationError

from evalkit import __version__
from evalkit.errors import UserError
from evalkit.jsonio import write_texts
from evalkit.records import Message, ModelSpec, Prompt, Response, request_hash, utc_now
from evalkit.rundir import PROMPTS, Manifest, RunDir, Session
from evalkit.runner import Key, load_responses, load_run_prompts

SHOWN = 5  # keys or conflicts named in an error; the rest are counted


class MergeConflict(UserError):
    """Two folders disagree (a prompt, a model's setup, a response): nothing was written."""

    def __init__(self, out: Path, conflicts: list[str]) -> None:
        self.conflicts = conflicts
        shown = "; ".join(conflicts[:SHOWN])
        more = f"; and {len(conflicts) - SHOWN} more" if len(conflicts) > SHOWN else ""
        super().__init__(
            f"{out}: cannot merge, {len(conflicts)} conflict(s): {shown}{more} "
            "(folders to merge must be shards of one run: rerun or leave out the wrong one)"
        )


class IncompleteMerge(UserError):
    """Planned keys that no folder has a response for: nothing was written."""

    def __init__(self, out: Path, missing: list[Key], expected: int, hint: str) -> None:
        self.missing = missing
        super().__init__(
            f"{out}: {len(missing)} of {expected} responses are missing from the folders "
            f"(a shard not run, or not finished?): {describe_keys(missing)}{hint}; "
            "rerun the shards that lack them (the same `evalkit run ... --shard K/N` command "
            "resumes), or pass --allow-incomplete"
        )


@dataclass
class MergeSummary:
    """What `merge_runs` wrote, and what the CLI prints."""

    out: Path
    run_id: str
    sources: list[str]
    prompts: int = 0
    responses: int = 0
    expected: int = 0
    missing: list[Key] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # folder -> error records kept
    duplicates: int = 0  # keys in more than one folder with the same answer
    shards: list[str] = field(default_factory=list)  # "K/N" of the folders' run sessions
    notes: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def describe_keys(keys: Sequence[Key], shown: int = SHOWN) -> str:
    """The first few keys by name, and how many more."""
    names = ", ".join(
        f"{prompt} ({model}, sample {sample})" for prompt, model, sample in keys[:shown]
    )
    return names + (f" and {len(keys) - shown} more" if len(keys) > shown else "")


def merge_runs(
    sources: Sequence[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    allow_incomplete: bool = False,
) -> MergeSummary:
    """Merge the run folders `sources` into `out` (see the module docstring for the rules).

    Raises MergeConflict or IncompleteMerge (UserErrors, exit 2) before writing anything."""
    target = RunDir(out)
    if target.path.exists() and not target.path.is_dir():
        raise UserError(f"{target.path}: is a file, expected a run folder")
    folders = _folders(sources, target)
    for folder in folders:
        _refuse_if_written(folder)
    _combine(folders, target, allow_incomplete)  # every check, before the output is touched
    with target.writing("merge") as session:
        merged = _combine(folders, target, allow_incomplete)  # again, under the lock
        summary = merged.summary
        session.models = list(merged.manifest.models)
        session.total = summary.expected
        session.asked = 0
        session.errors = sum(summary.errors.values())
        session.ok = summary.responses - session.errors
        manifest = merged.manifest
        manifest.sessions = _sessions(merged.sessions, target.manifest().sessions)
        manifest.updated_at = utc_now()
        write_texts(
            {
                target.prompts: merged.prompts_text,
                target.responses: _jsonl(merged.responses),
                target.manifest_path: manifest.model_dump_json(indent=2) + "\n",
            }
        )
    return summary


# ---------------------------------------------------------------- reading the folders


@dataclass
class _Folder:
    rundir: RunDir
    label: str  # as the user named it
    is_output: bool = False


def _folders(sources: Sequence[str | os.PathLike[str]], target: RunDir) -> list[_Folder]:
    """The output first if it already holds a run, then each source once, in the order given."""
    if not sources:
        raise UserError("give at least one run folder to merge")
    folders: list[_Folder] = []
    seen: set[Path] = set()
    if target.path.is_dir() and (target.prompts.exists() or target.responses.exists()):
        folders.append(_Folder(target, str(target.path), is_output=True))
        seen.add(target.path.resolve())
    for source in sources:
        rundir = RunDir(source).require()
        if rundir.path.resolve() in seen:
            continue
        seen.add(rundir.path.resolve())
        folders.append(_Folder(rundir, str(rundir.path)))
    return folders


def _refuse_if_written(folder: _Folder) -> None:
    """A folder another evalkit process is writing (a shard still running) is refused."""
    path = folder.rundir.lock_path
    if not path.exists():
        return
    with path.open("r", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UserError(
                f"{folder.label}: another evalkit process is writing this run folder; "
                "wait for it to finish, then merge"
            ) from None
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass
class _Merged:
    summary: MergeSummary
    manifest: Manifest
    sessions: list[Session]
    prompts_text: str
    responses: list[Response]


def _combine(folders: list[_Folder], target: RunDir, allow_incomplete: bool) -> _Merged:
    existing = target.read_manifest() if target.path.is_dir() else None
    run_id = existing.run_id if existing else target.path.name
    summary = MergeSummary(
        out=target.path,
        run_id=run_id,
        sources=[f.label for f in folders if not f.is_output],
    )
    conflicts: list[str] = []
    manifests = [
        (f, f.rundir.read_manifest() or Manifest(run_id=f.rundir.path.name)) for f in folders
    ]
    prompts = _prompts(folders, conflicts)
    models = _models(manifests, conflicts)
    responses = _responses(folders, summary, conflicts)
    if conflicts:
        raise MergeConflict(target.path, conflicts)

    # a source's session still "running" died (no process is writing the source): killed
    sessions = [
        s if f.is_output or s.status != "running" else s.model_copy(update={"status": "killed"})
        for f, m in manifests
        for s in m.sessions
    ]
    order = {pid: i for i, pid in enumerate(prompts)}
    expected = _expected(prompts, sessions, manifests)

    def position(key: Key) -> tuple:
        return (order.get(key[0], len(order)), key[0], key[1], key[2])

    summary.expected = len(expected)
    summary.missing = sorted(expected - responses.keys(), key=position)
    summary.shards = sorted({s.shard for s in sessions if s.shard}, key=_shard_order)
    if summary.missing and not allow_incomplete:
        raise IncompleteMerge(target.path, summary.missing, len(expected), _shard_hint(summary))
    if summary.missing:
        summary.notes.append(
            f"incomplete: {len(summary.missing)} of {len(expected)} responses missing: "
            f"{describe_keys(summary.missing)}{_shard_hint(summary)}"
        )

    merged_responses = [
        responses[key].model_copy(update={"run_id": run_id})
        for key in sorted(responses, key=position)
    ]
    summary.prompts = len(prompts)
    summary.responses = len(merged_responses)
    prompts_text = _jsonl(prompts.values())
    merged_from = list(existing.merged_from) if existing else []
    merged_from += [label for label in summary.sources if label not in merged_from]
    versions = {m.evalkit_version for f, m in manifests if m.evalkit_version and not f.is_output}
    if len(versions) > 1:
        summary.notes.append(f"the folders were written by evalkit {', '.join(sorted(versions))}")
    manifest = Manifest(
        run_id=run_id,
        evalkit_version=versions.pop() if len(versions) == 1 else __version__,
        project=next((m.project for _, m in manifests if m.project), None),
        created_at=min((m.created_at for _, m in manifests), default=utc_now()),
        models=models,
        datasets={PROMPTS: hashlib.sha256(prompts_text.encode("utf-8")).hexdigest()},
        merged_from=merged_from,
    )
    return _Merged(summary, manifest, sessions, prompts_text, merged_responses)


def _prompts(folders: list[_Folder], conflicts: list[str]) -> dict[str, Prompt]:
    merged: dict[str, Prompt] = {}
    where: dict[str, str] = {}
    for folder in folders:
        for pid, prompt in load_run_prompts(folder.rundir.path).items():
            if pid not in merged:
                merged[pid], where[pid] = prompt, folder.label
            elif merged[pid] != prompt:
                conflicts.append(f"prompt {pid} differs between {where[pid]} and {folder.label}")
    return merged


def _models(manifests: list[tuple[_Folder, Manifest]], conflicts: list[str]) -> dict[str, dict]:
    merged: dict[str, dict] = {}
    where: dict[str, str] = {}
    for folder, manifest in manifests:
        for name, spec in manifest.models.items():
            if name not in merged:
                merged[name], where[name] = spec, folder.label
            elif _asked_as(merged[name]) != _asked_as(spec):
                conflicts.append(
                    f"model {name} is asked differently in {where[name]} and {folder.label} "
                    "(model, adapter, api, system prompt or params)"
                )
    return merged


def _asked_as(spec: dict) -> str | None:
    """What a model is asked with (the request hash of a fixed message), None if unreadable."""
    try:
        model = ModelSpec.model_validate(spec)
    except ValidationError:
        return None
    return request_hash(model, [Message(role="user", content="")])


def _responses(
    folders: list[_Folder], summary: MergeSummary, conflicts: list[str]
) -> dict[Key, Response]:
    merged: dict[Key, Response] = {}
    where: dict[Key, str] = {}
    outputs = {f.label for f in folders if f.is_output}
    for folder in folders:
        for response in load_responses(folder.rundir.path):
            key = response.key
            kept = merged.get(key)
            if kept is None:
                merged[key], where[key] = response, folder.label
                continue
            differs = _differs(kept, response)
            if differs is None:
                summary.duplicates += where[key] not in outputs  # re-merging is not news
            elif differs == "error":  # a failure and a success (or two failures) of one request
                if not kept.ok and response.ok:
                    merged[key], where[key] = response, folder.label
            else:
                conflicts.append(
                    f"response {describe_keys([key])} differs ({differs}) between "
                    f"{where[key]} and {folder.label}"
                )
    for key, response in merged.items():
        if not response.ok:
            summary.errors[where[key]] += 1
    if summary.duplicates:
        summary.notes.append(
            f"{summary.duplicates} response(s) found in more than one folder with the same "
            "answer: kept the first folder's"
        )
    return merged


def _differs(a: Response, b: Response) -> str | None:
    """Which part of the answer differs between two records of one key, None if none does."""
    if a.request_hash != b.request_hash:
        return "request_hash"
    if a.ok != b.ok or a.error != b.error:
        return "error"
    if a.text != b.text:
        return "text"
    if a.finish_reason != b.finish_reason:
        return "finish_reason"
    return None


def _expected(
    prompts: dict[str, Prompt],
    sessions: list[Session],
    manifests: list[tuple[_Folder, Manifest]],
) -> set[Key]:
    """Every (prompt, model, sample) the folders' `run` sessions planned: each session's models
    on the prompts of its suites (all prompts for a session that did not record them), up to
    the most samples any session asked of a model. A folder without any run session (written by
    hand) plans its manifest's models once on every prompt."""
    runs = [s for s in sessions if s.command == "run"]
    samples: dict[str, int] = {}
    suites: dict[str, set[str] | None] = {}
    for session in runs:
        for model in session.models:
            samples[model] = max(samples.get(model, 1), session.samples or 1)
            if session.prompt_suites is None or suites.get(model, set()) is None:
                suites[model] = None
            else:
                suites[model] = (suites.get(model) or set()) | set(session.prompt_suites)
    if not runs:
        for _, manifest in manifests:
            for model in manifest.models:
                samples.setdefault(model, 1)
                suites[model] = None

    def wanted(model: str, prompt: Prompt) -> bool:
        allowed = suites.get(model)
        return allowed is None or (prompt.suite or "") in allowed

    return {
        (pid, model, sample)
        for model, count in samples.items()
        for pid, prompt in prompts.items()
        if wanted(model, prompt)
        for sample in range(count)
    }


def _shard_order(label: str) -> tuple[int, int]:
    index, _, count = label.partition("/")
    return (int(count), int(index)) if index.isdigit() and count.isdigit() else (0, 0)


def _shard_hint(summary: MergeSummary) -> str:
    """Which shards of a K/N split no folder holds, when the folders hold one split."""
    counts = {_shard_order(s)[0] for s in summary.shards}
    if len(counts) != 1 or 0 in counts:
        return ""
    (count,) = counts
    absent = [f"{k}/{count}" for k in range(1, count + 1) if f"{k}/{count}" not in summary.shards]
    return f" (no folder holds shard {', '.join(absent)})" if absent else ""


# ---------------------------------------------------------------- writing


def _sessions(sources: list[Session], output: list[Session]) -> list[Session]:
    """Every session of the folders and of the output (the running merge included), once each,
    in the order they started."""
    unique: dict[tuple, Session] = {}
    for session in [*output, *sources]:  # a source's own record of a session is the latest
        unique[(session.host, session.pid, session.started_at, session.command)] = session
    return sorted(unique.values(), key=lambda s: s.started_at)


def _jsonl(records: Iterable[BaseModel]) -> str:
    """JSONL text, one record a line, as `jsonio.write_records` writes it."""
    return "".join(
        json.dumps(r.model_dump(mode="json"), ensure_ascii=False, separators=(",", ":")) + "\n"
        for r in records
    )
