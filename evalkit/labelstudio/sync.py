"""Push planned items to Label Studio as tasks; pull annotations back as Grades.

push: one project per grading kind (`evalkit.kinds`), found by title (created if missing). An
existing project gets only the tasks whose `evalkit_item_id` it does not have yet, and a new
labeling config when the rubric (its version or text) changed. `--project NAME` is the title;
when one push covers several kinds (a run folder with sxs and safety plans) each project is
titled `NAME · <kind>`. Configs, tasks and grades come from the kind (`ls_config`, `ls_task`,
`ls_payload`): nothing here depends on which kinds exist. Push reads the items `evalkit plan`
stored; neither command creates a store.

pull: for every task, each Label Studio user's latest annotation becomes that rater's grade via
`GradeStore.save_grade`. The store compares payloads, so pulling twice adds nothing, and an
updated annotation becomes a new revision (the earlier grade stays in the history). Users map to
raters by `--user-map` (email -> a registered rater) or else to the unregistered rater id
`ls:<email>` (the store reserves ':' ids for imported and automatic graders). A mapped rater who
graded an item Label Studio gave them but the plan did not is assigned it, so the store's rule
(a registered rater grades only assigned items) holds.

Limits, by design: an annotation deleted in Label Studio leaves its grade in the store (grades
are history); Label Studio decides who annotates what (the project's overlap is the plan's raters
per item), and in the Community edition every member of the organization can open other users'
annotations, so blinding between raters needs Label Studio Enterprise's roles.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from evalkit.config import yaml_line
from evalkit.errors import InputError, UserError
from evalkit.kinds.base import GradingKind, all_kinds, get_kind
from evalkit.labelstudio.config import (
    ITEM_ID_FIELD,
    instructions_html,
    label_config,
    project_description,
    task_data,
    text_fields,
)
from evalkit.labelstudio.connection import LabelStudioAPI, Project
from evalkit.labelstudio.convert import Annotation, annotation_grade, latest_per_user
from evalkit.labelstudio.xml import ConversionError
from evalkit.records import Grade, Item
from evalkit.rundir import DB_ENV, RunDir
from evalkit.store import PAYLOAD_FIELDS, GradeStore
from evalkit.yamlio import parse_yaml

LS_RATER_PREFIX = "ls:"
KIND_SEPARATOR = " · "


# ---------------------------------------------------------------------------- plans


@dataclass
class PushPlan:
    """What to push: the run folder, the planned item ids per kind, raters per item."""

    run_dir: Path
    item_ids: dict[str, list[str]] = field(default_factory=dict)
    raters_per_item: dict[str, int] = field(default_factory=dict)
    sources: list[Path] = field(default_factory=list)
    store_hint: str | None = None  # the store the plan was written to (password hidden)


def load_plan(path: str | os.PathLike[str]) -> PushPlan:
    """A plan file (`RUN/plan.json`, `RUN/plans/<name>.json`) or a run folder (all its plans)."""
    path = Path(path)
    if path.is_dir():
        files = sorted((path / "plans").glob("*.json")) or [path / "plan.json"]
        files = [f for f in files if f.exists()]
        if not files:
            raise UserError(
                f"{path}: no plan found (plans/*.json or plan.json); plan items first with "
                "`evalkit plan <kind>`"
            )
        run_dir = path
    elif path.exists():
        files = [path]
        run_dir = path.parent.parent if path.parent.name == "plans" else path.parent
    else:
        raise UserError(f"{path}: plan file or run folder not found")
    plan = PushPlan(run_dir=run_dir, sources=files)
    for file in files:
        _add_plan_file(plan, file)
    return plan


def _add_plan_file(plan: PushPlan, path: Path) -> None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(path, exc.lineno, None, f"not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise InputError(path, None, None, "expected a JSON object (a plan written by evalkit)")
    kind = data.get("kind")
    known = [k.name for k in all_kinds()]
    if kind not in known:
        raise InputError(path, None, "kind", f"must be one of {', '.join(known)}, got {kind!r}")
    ids = data.get("item_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not ids:
        raise InputError(path, None, "item_ids", "must be a non-empty list of item ids")
    known = plan.item_ids.setdefault(kind, [])
    known.extend(i for i in ids if i not in set(known))
    k = data.get("raters_per_item")
    if isinstance(k, int) and k > 0:
        plan.raters_per_item[kind] = max(k, plan.raters_per_item.get(kind, 0))
    if isinstance(data.get("db"), str):
        plan.store_hint = data["db"]


def open_plan_store(plan: PushPlan, db: str | None) -> GradeStore:
    """The store `evalkit plan` wrote the plan's items to: --db > $EVALKIT_DB >
    RUN/grades.sqlite (never created here: push only reads planned items)."""
    try:
        url = RunDir(plan.run_dir).store_url(db)
    except UserError as exc:
        if not plan.store_hint:
            raise
        raise UserError(f"{exc}; the plan was written to {plan.store_hint}") from None
    return GradeStore(url, create=False)


def open_pull_store(run_dir: Path | None, db: str | None) -> GradeStore:
    """The store to pull into: --db > $EVALKIT_DB > RUN/grades.sqlite (one of them is needed;
    never created here: its items come from `evalkit plan`)."""
    if run_dir is not None:
        return GradeStore(RunDir(run_dir).require().store_url(db), create=False)
    if db or os.environ.get(DB_ENV):
        return GradeStore(db or os.environ[DB_ENV], create=False)
    raise UserError(f"which grade store? give a run folder, --db URL or set ${DB_ENV}")


def planned_items(store: GradeStore, kind: str, item_ids: Sequence[str]) -> list[Item]:
    """The plan's items of one kind (by name), from the store, in plan order (all must be there)."""
    by_id = {item.id: item for item in store.items(kind)}
    missing = [i for i in item_ids if i not in by_id]
    if missing:
        raise UserError(
            f"{len(missing)} planned {kind} item(s) are not in the grade store "
            f"{store.display_url} (first: {missing[0]}); use the store the plan was written to "
            "(--db)"
        )
    return [by_id[i] for i in item_ids]


# ---------------------------------------------------------------------------- push


@dataclass
class PushResult:
    kind: str
    project: Project
    created: bool
    config_updated: bool
    imported: int
    already: int


def project_title(name: str, kind: GradingKind, several_kinds: bool) -> str:
    """NAME, or `NAME · <kind name>` when one push covers several kinds."""
    return f"{name}{KIND_SEPARATOR}{kind.name}" if several_kinds else name


def push(
    api: LabelStudioAPI,
    store: GradeStore,
    plan: PushPlan,
    project_name: str,
    rubrics_dir: str | os.PathLike[str] | None = None,
) -> list[PushResult]:
    """Create or update one project per kind in the plan and import its missing tasks."""
    name = project_name.strip()
    if not name:
        raise UserError("--project: give the Label Studio project title")
    several = len(plan.item_ids) > 1
    results = []
    for kind in all_kinds():  # registry order: the same projects in the same order every time
        if kind.name not in plan.item_ids:
            continue
        items = planned_items(store, kind.name, plan.item_ids[kind.name])
        rubric = kind.load_rubric(rubrics_dir)
        results.append(
            push_items(
                api,
                project_title(name, kind, several),
                kind,
                items,
                rubric,
                raters_per_item=plan.raters_per_item.get(kind.name),
            )
        )
    return results


def push_items(
    api: LabelStudioAPI,
    title: str,
    kind: str | GradingKind,
    items: Sequence[Item],
    rubric: Any,
    raters_per_item: int | None = None,
) -> PushResult:
    """One project: find it by title or create it, keep its config current, add missing tasks."""
    kind = get_kind(kind) if isinstance(kind, str) else kind
    if not kind.label_studio:
        raise UserError(
            f"grading kind {kind.name!r} has no Label Studio config (GradingKind.ls_config): "
            "grade its items in evalkit's app (evalkit app)"
        )
    config = label_config(kind, rubric)
    shown = text_fields(config)
    settings: dict[str, Any] = {
        "description": project_description(kind, rubric),
        "expert_instruction": instructions_html(kind, rubric),
        "show_instruction": True,
        "show_skip_button": True,
        "enable_empty_annotation": False,
        "show_collab_predictions": False,
    }
    found = api.projects_titled(title)
    if len(found) > 1:
        ids = ", ".join(str(p.id) for p in found)
        raise UserError(
            f"Label Studio at {api.display_url} has {len(found)} projects titled {title!r} "
            f"(ids {ids}); rename all but one"
        )
    created = config_updated = False
    if found:
        project = api.project(found[0].id)
        if (project.label_config or "").strip() != config.strip():
            api.update_project(project.id, label_config=config, **settings)
            config_updated = True
    else:
        if raters_per_item:  # overlap: every task is annotated by k users
            settings |= {"maximum_annotations": raters_per_item, "overlap_cohort_percentage": 100}
        project = api.create_project(title, label_config=config, **settings)
        created = True
    present = set() if created else existing_item_ids(api, project.id)
    new = [item for item in items if item.id not in present]
    tasks = [task_data(item, rubric, shown) for item in new]
    imported = api.import_tasks(project.id, tasks) if tasks else 0
    if imported != len(new):
        raise UserError(
            f"Label Studio at {api.display_url} created {imported} of {len(new)} tasks in "
            f"project {title!r}; push again to add the rest"
        )
    return PushResult(kind.name, project, created, config_updated, imported, len(items) - len(new))


def existing_item_ids(api: LabelStudioAPI, project_id: int) -> set[str]:
    """The evalkit item ids a project's tasks already carry."""
    ids = set()
    for task in api.tasks(project_id, annotations=False):
        data = getattr(task, "data", None) or {}
        if data.get(ITEM_ID_FIELD):
            ids.add(str(data[ITEM_ID_FIELD]))
    return ids


# ---------------------------------------------------------------------------- pull


@dataclass
class PullResult:
    projects: list[Project] = field(default_factory=list)
    tasks: int = 0
    annotations: int = 0  # latest annotation per (user, task) considered
    new: int = 0
    revised: int = 0
    unchanged: int = 0
    skipped: int = 0  # of the new or revised grades: "skip" in Label Studio
    assigned: int = 0  # assignments added for mapped raters who graded in Label Studio
    raters: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


def load_user_map(path: str | os.PathLike[str], store: GradeStore) -> dict[str, str]:
    """`--user-map FILE` (YAML or JSON: email: rater) -> {email (lower case): rater id}.

    Each rater must be registered and active in the store, so a typo is an error, not a new rater.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the user map ({exc})") from None
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            path, mark.line + 1 if mark else None, None, "not valid YAML/JSON"
        ) from None
    if not isinstance(data, dict):
        raise InputError(path, None, None, "expected a mapping of Label Studio email: rater name")
    raters = {r.id: r for r in store.raters()}
    mapping = {}
    for email, rater in data.items():
        line = yaml_line(text, [email])
        if not isinstance(email, str) or not isinstance(rater, str) or not rater.strip():
            raise InputError(path, line, str(email), "map an email to a rater name (text)")
        known = raters.get(rater.strip())
        if known is None or not known.active:
            state = "not registered" if known is None else "not active"
            raise InputError(
                path,
                line,
                email,
                f"rater {rater!r} is {state} in {store.display_url} "
                "(add it with `evalkit raters add`, or leave the email out to import it as "
                f"{LS_RATER_PREFIX}{email.lower()})",
            )
        mapping[email.strip().lower()] = known.id
    return mapping


def rater_for(email: str, user_map: Mapping[str, str]) -> str:
    return user_map.get(email.lower()) or f"{LS_RATER_PREFIX}{email.lower()}"


def find_pull_projects(api: LabelStudioAPI, project_name: str) -> list[Project]:
    """The project titled NAME, or else the per-kind projects `NAME · <kind>` of a mixed push."""
    name = project_name.strip()
    exact = api.projects_titled(name)
    if len(exact) > 1:
        raise UserError(
            f"Label Studio at {api.display_url} has {len(exact)} projects titled {name!r}; "
            "rename all but one"
        )
    if exact:
        return exact
    known = {kind.name for kind in all_kinds()}
    per_kind = [
        p
        for p in api.projects_with_prefix(name + KIND_SEPARATOR)
        if p.title.removeprefix(name + KIND_SEPARATOR) in known
    ]
    if not per_kind:
        raise UserError(f"no project titled {name!r} in Label Studio at {api.display_url}")
    return sorted(per_kind, key=lambda p: p.title)


def pull(
    api: LabelStudioAPI,
    store: GradeStore,
    project_name: str,
    user_map: Mapping[str, str] | None = None,
    rubrics_dir: str | os.PathLike[str] | None = None,
) -> PullResult:
    """Write each user's latest annotation of every task as a grade (idempotent, revisions)."""
    user_map = dict(user_map or {})
    result = PullResult(projects=find_pull_projects(api, project_name))
    emails = api.users()
    items = {item.id: item for item in store.items()}
    registered = {r.id for r in store.raters()}
    rubrics: dict[str, Any] = {}
    unknown_items = 0
    for project in result.projects:
        for task in api.tasks(project.id):
            result.tasks += 1
            data = getattr(task, "data", None) or {}
            item = items.get(str(data.get(ITEM_ID_FIELD, "")))
            annotations = [Annotation.from_api(a, int(task.id)) for a in task.annotations or []]
            if item is None:
                unknown_items += 1
                if annotations:
                    result.problems.append(
                        f"project {project.title!r}, task {task.id}: {ITEM_ID_FIELD} "
                        f"{data.get(ITEM_ID_FIELD)!r} is not an item of {store.display_url}; "
                        f"{len(annotations)} annotation(s) not imported"
                    )
                continue
            if item.kind not in rubrics:
                rubrics[item.kind] = get_kind(item.kind).load_rubric(rubrics_dir)
            for user_id, annotation in sorted(
                latest_per_user(annotations).items(), key=lambda kv: kv[1].id
            ):
                email = emails.get(user_id) if user_id is not None else None
                rater_id = rater_for(email or f"user-{user_id}", user_map)
                result.annotations += 1
                try:
                    grade = annotation_grade(annotation, item, rubrics[item.kind], rater_id)
                except ConversionError as exc:
                    result.problems.append(f"project {project.title!r}, {exc}")
                    continue
                _store_grade(store, grade, rater_id in registered, result)
    if unknown_items and unknown_items == result.tasks:
        raise UserError(
            f"none of the {result.tasks} tasks of {project_name!r} is an item of the grade store "
            f"{store.display_url}: pull into the store the items were planned in (--db or RUN)"
        )
    return result


def _store_grade(store: GradeStore, grade: Grade, registered: bool, result: PullResult) -> None:
    current = store.rater_grade(grade.rater_id, grade.item_id)
    if current is not None and all(
        getattr(current, f) == getattr(grade, f) for f in PAYLOAD_FIELDS
    ):
        result.unchanged += 1
        return
    if registered and store.rater_item(grade.rater_id, grade.item_id) is None:
        # Label Studio hands out its own tasks: record that this rater graded the item
        result.assigned += store.assign(grade.item_id, [grade.rater_id])
    store.save_grade(grade)
    result.raters[grade.rater_id] += 1
    result.skipped += int(grade.skipped)
    if current is None:
        result.new += 1
    else:
        result.revised += 1
