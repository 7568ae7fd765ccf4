"""Mutation testing of the release-critical code: does the fast suite notice when it breaks?

Each mutant of `bench/mutants.txt` (a file, an exact old text, its replacement, the tests that
should notice) is applied, one at a time, to a temporary copy of the checkout (everything but
.venv, .git and caches); the mutant's tests run there with this interpreter and `PYTHONPATH`
pointing at the copy (`pytest -x -q -m "not slow" <tests>`), and the file is restored byte for
byte before the next mutant. The checkout itself is never written.

A mutant is *killed* when its tests go red (or time out), *survived* when they stay green.
A survivor listed in `bench/mutants-explained.txt` (an equivalent mutant, with a one-line
reason) is *explained*; any other survivor, and a mutant whose old text is no longer found
exactly once (the code moved: update the entry), fails the run.

    .venv/bin/python bench/mutation.py                 # every mutant (about 25 minutes on 2 cores)
    .venv/bin/python bench/mutation.py --only gates/   # the mutants whose id starts so
    .venv/bin/python bench/mutation.py --list          # the mutants, without running them
    .venv/bin/python bench/mutation.py --check         # every old text and test still found?

Exit code: 0 no unexplained survivor; 1 an unexplained survivor or a stale mutant; 2 the
unmutated tests are already red (nothing can be learned from them) or bad arguments.

mutants.txt format (diff-like, so indentation is kept exactly):

    == runner/no-flush-per-record
    file: evalkit/jsonio.py
    tests: tests/runner/test_crash_resume.py tests/test_records_io.py
    about: responses are not flushed per record (issue 20 #5)
    - |        self._handle.flush()
    + |        pass

Lines `- |TEXT` make the old text, `+ |TEXT` the new one (none: the old text is deleted), each
TEXT taken verbatim after the `|`. When the old text is not in `file` (code moved in a
refactoring), it is looked for in the package of the same name (`evalkit/store.py` ->
`evalkit/store/`) and then in the file's folder; it must be found exactly once.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MUTANTS = BENCH / "mutants.txt"
EXPLAINED = BENCH / "mutants-explained.txt"
IGNORED = (".venv", ".git", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules")
PYTEST = ["-m", "pytest", "-x", "-q", "-m", "not slow", "-p", "no:cacheprovider"]


@dataclass
class Mutant:
    id: str
    file: str
    tests: list[str]
    about: str
    old: str
    new: str
    line: int  # where the entry starts in mutants.txt


@dataclass
class Outcome:
    mutant: Mutant
    status: str  # killed | survived | explained | stale | error
    seconds: float = 0.0
    detail: str = ""
    path: str = ""


@dataclass
class Copy:
    root: Path
    originals: dict[Path, bytes] = field(default_factory=dict)


# ---------------------------------------------------------------------------- the lists


def parse_mutants(path: Path = MUTANTS) -> list[Mutant]:
    """The entries of mutants.txt (see the module docstring); a malformed one is a ValueError."""
    mutants: list[Mutant] = []
    current: dict | None = None

    def finish() -> None:
        if current is None:
            return
        where = f"{path.name}:{current['line']}"
        for key in ("file", "tests", "about"):
            if not current.get(key):
                raise ValueError(f"{where}: mutant {current['id']} has no `{key}:`")
        if not current["old"]:
            raise ValueError(f"{where}: mutant {current['id']} has no `- |` old text")
        old, new = "\n".join(current["old"]), "\n".join(current["new"])
        if old == new:
            raise ValueError(f"{where}: mutant {current['id']} changes nothing")
        old, new = old + "\n", (new + "\n" if current["new"] else "")
        mutants.append(
            Mutant(current["id"], current["file"], current["tests"].split(), current["about"],
                   old, new, current["line"])
        )  # fmt: skip

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.startswith("== "):
            finish()
            current = {"id": raw[3:].strip(), "line": number, "old": [], "new": []}
            continue
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if current is None:
            raise ValueError(f"{path.name}:{number}: text before the first `== id` line")
        if raw.startswith("- |"):
            current["old"].append(raw[3:])
        elif raw.startswith("+ |"):
            current["new"].append(raw[3:])
        elif re.match(r"(file|tests|about):", raw):
            key, _, value = raw.partition(":")
            current[key] = value.strip()
        else:
            raise ValueError(f"{path.name}:{number}: cannot read {raw!r}")
    finish()
    seen: set[str] = set()
    for mutant in mutants:
        if mutant.id in seen:
            raise ValueError(f"{path.name}:{mutant.line}: mutant id {mutant.id} is used twice")
        seen.add(mutant.id)
    return mutants


def parse_explained(path: Path = EXPLAINED) -> dict[str, str]:
    """id -> why its survival is fine (`id: reason`, one a line; # comments)."""
    if not path.exists():
        return {}
    explained: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, reason = line.partition(": ")
        if not sep or not reason.strip():
            raise ValueError(f"{path.name}:{number}: expected `mutant-id: reason`")
        explained[key.strip()] = reason.strip()
    return explained


# ---------------------------------------------------------------------------- the copy


def make_copy(source: Path) -> Copy:
    root = Path(tempfile.mkdtemp(prefix="evalkit-mutation-")) / "checkout"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(*IGNORED), symlinks=True)
    return Copy(root)


def environment(copy: Copy) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(copy.root), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep
    )
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def check_imports_from_copy(copy: Copy) -> None:
    """The copy's evalkit must win over the editable install of the checkout."""
    out = subprocess.run(
        [sys.executable, "-c", "import evalkit; print(evalkit.__file__)"],
        cwd=copy.root, env=environment(copy), capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    if not Path(out).resolve().is_relative_to(copy.root.resolve()):
        raise SystemExit(f"error: the copy imports evalkit from {out}, not from {copy.root}")


def locate(copy: Copy, mutant: Mutant) -> tuple[Path | None, str]:
    """The copy's file holding the old text exactly once, or (None, why not): the named file,
    else (the code moved) the package of the same name, else the file's folder."""
    named = copy.root / mutant.file
    package = named.with_suffix("")
    for candidates in (
        [named],
        sorted(package.rglob("*.py")) if package.is_dir() else [],
        sorted(named.parent.glob("*.py")) if named.parent.is_dir() else [],
    ):
        counts = [
            (path, count)
            for path in candidates
            if path.is_file() and (count := path.read_text(encoding="utf-8").count(mutant.old))
        ]
        if len(counts) == 1 and counts[0][1] == 1:
            return counts[0][0], ""
        if counts:
            where = ", ".join(f"{p.relative_to(copy.root)} x{c}" for p, c in counts)
            return None, f"old text found more than once ({where}): make it longer"
    return None, f"old text not found in {mutant.file} (nor its package or folder)"


def apply(copy: Copy, path: Path, mutant: Mutant) -> None:
    original = path.read_bytes()
    copy.originals[path] = original
    text = original.decode("utf-8")
    path.write_bytes(text.replace(mutant.old, mutant.new, 1).encode("utf-8"))


def restore(copy: Copy) -> None:
    """Put every mutated file back byte for byte (checked by hash)."""
    for path, original in list(copy.originals.items()):
        path.write_bytes(original)
        if hashlib.sha256(path.read_bytes()).digest() != hashlib.sha256(original).digest():
            raise SystemExit(f"error: could not restore {path}")
        del copy.originals[path]


# ---------------------------------------------------------------------------- running tests


def run_tests(copy: Copy, tests: list[str], timeout: float) -> tuple[str, float, str]:
    """(green | red | timeout | broken, seconds, first failing test or the error's tail)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, *PYTEST, *tests], cwd=copy.root, env=environment(copy),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return "timeout", time.perf_counter() - started, f"no result after {timeout:.0f} s"
    seconds = time.perf_counter() - started
    code = process.returncode
    if code == 0:
        return "green", seconds, ""
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", output, flags=re.M)
    if code in (1, 2) and (failed or "error" in output.lower()):
        return "red", seconds, failed[0] if failed else _tail(output)
    return "broken", seconds, f"pytest exit {code}: {_tail(output)}"


def _tail(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return " / ".join(lines[-3:])[:300]


def run_mutant(copy: Copy, mutant: Mutant, explained: dict[str, str], timeout: float) -> Outcome:
    path, why = locate(copy, mutant)
    if path is None:
        return Outcome(mutant, "stale", detail=why)
    relative = str(path.relative_to(copy.root))
    apply(copy, path, mutant)
    try:
        result, seconds, detail = run_tests(copy, mutant.tests, timeout)
    finally:
        restore(copy)
    if result in ("red", "timeout"):
        return Outcome(mutant, "killed", seconds, detail, relative)
    if result == "broken":
        return Outcome(mutant, "error", seconds, detail, relative)
    if mutant.id in explained:
        return Outcome(mutant, "explained", seconds, explained[mutant.id], relative)
    return Outcome(mutant, "survived", seconds, "", relative)


def check(source: Path, mutants: list[Mutant]) -> int:
    """Whether every mutant still applies to `source` (read only) and its tests exist."""
    problems = []
    for mutant in mutants:
        path, why = locate(Copy(source), mutant)
        if path is None:
            problems.append(f"{mutant.id}: {why}")
        for test in mutant.tests:
            if not (source / test.split("::")[0]).exists():
                problems.append(f"{mutant.id}: test {test} not found")
    for problem in problems:
        print(problem)
    print(f"{len(mutants)} mutants, {len(problems)} problems")
    return 1 if problems else 0


# ---------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="PREFIX",
        help="run only the mutants whose id starts with PREFIX (repeatable)",
    )
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument(
        "--check",
        action="store_true",
        help="check that every mutant's old text and tests are found, and exit",
    )
    parser.add_argument("--mutants", type=Path, default=MUTANTS, help="the list of mutants")
    parser.add_argument(
        "--explained", type=Path, default=EXPLAINED, help="the explained (equivalent) survivors"
    )
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout to copy")
    parser.add_argument(
        "--timeout",
        type=float,
        default=900,
        help="seconds before a mutant's test run counts as killed (a hang)",
    )
    parser.add_argument(
        "--no-baseline",
        action="store_true",
        help="skip the unmutated run of the tests (faster, less safe)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)

    try:
        mutants = parse_mutants(args.mutants)
        explained = parse_explained(args.explained)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    unknown = sorted(set(explained) - {m.id for m in mutants})
    if args.only:
        mutants = [m for m in mutants if any(m.id.startswith(p) for p in args.only)]
    if not mutants:
        print("error: no mutant selected", file=sys.stderr)
        return 2
    if args.list:
        for m in mutants:
            print(f"{m.id:44} {m.file}\n{'':44} {m.about}\n{'':44} tests: {' '.join(m.tests)}")
        return 0

    if args.check:
        return check(args.source.resolve(), mutants)

    copy = make_copy(args.source.resolve())
    print(f"copy of {args.source.resolve()} in {copy.root}", flush=True)
    try:
        check_imports_from_copy(copy)
        if not args.no_baseline:
            tests = sorted({t for m in mutants for t in m.tests})
            result, seconds, detail = run_tests(copy, tests, args.timeout * 2)
            print(f"baseline (unmutated): {result} in {seconds:.0f} s", flush=True)
            if result != "green":
                print(f"error: the tests fail without a mutant: {detail}", file=sys.stderr)
                return 2
        outcomes = []
        for number, mutant in enumerate(mutants, 1):
            outcome = run_mutant(copy, mutant, explained, args.timeout)
            outcomes.append(outcome)
            label = outcome.status.upper()
            detail = f" — {outcome.detail}" if outcome.detail else ""
            print(
                f"[{number:2}/{len(mutants)}] {label:9} {mutant.id} ({outcome.seconds:.0f} s)"
                f"{detail}",
                flush=True,
            )
    finally:
        restore(copy)
        if args.keep:
            print(f"kept {copy.root}")
        else:
            shutil.rmtree(copy.root.parent, ignore_errors=True)

    counts = {s: sum(o.status == s for o in outcomes) for s in
              ("killed", "survived", "explained", "stale", "error")}  # fmt: skip
    print()
    print(
        f"{len(outcomes)} mutants: {counts['killed']} killed, {counts['survived']} survived "
        f"(unexplained), {counts['explained']} explained survivors, {counts['stale']} stale, "
        f"{counts['error']} errors"
    )
    for outcome in outcomes:
        if outcome.status in ("survived", "stale", "error"):
            m = outcome.mutant
            print(f"  {outcome.status}: {m.id} ({m.file}): {m.about}"
                  + (f" — {outcome.detail}" if outcome.detail else ""))  # fmt: skip
    for outcome in outcomes:
        if outcome.status == "killed" and outcome.mutant.id in explained:
            print(f"  note: {outcome.mutant.id} is killed now: remove it from {EXPLAINED.name}")
    for name in unknown:
        print(f"  note: {EXPLAINED.name} explains {name}, which is not in {MUTANTS.name}")
    bad = counts["survived"] + counts["stale"] + counts["error"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
