"""IFEval scoring with the network off, from a fresh cache, gives the same output every time."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

from evalkit.suites.ifeval import load_ifeval_prompts, score_responses
from evalkit.suites.ifeval_checker import (
    PUNKT_FILES,
    checker,
    nltk_data_dir,
    provision_nltk_data,
)

# Runs evalkit's CLI with every way out to the network refused and logged.
NO_NETWORK = """
import socket, sys
LOG = sys.argv.pop(1)
def refuse(*args, **kwargs):
    with open(LOG, "a") as log:
        log.write(repr(args[:2]) + "\\n")
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.socket.connect_ex = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
if sys.argv[1] == "--probe":
    import nltk
    nltk.download("punkt_tab", quiet=True)
    raise SystemExit(0)
from evalkit.cli import main
sys.argv = ["evalkit", *sys.argv[1:]]
main()
"""


def _offline(tmp_path: Path, args: list[str], hash_seed: str) -> subprocess.CompletedProcess:
    script = tmp_path / "no_network.py"
    script.write_text(NO_NETWORK)
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NLTK", "EVALKIT", "HF_"))}
    env |= {
        "HOME": str(home),
        "EVALKIT_CACHE": str(tmp_path / "cache"),  # empty: provisioning happens here, offline
        "HF_HUB_OFFLINE": "1",
        "PYTHONHASHSEED": hash_seed,
    }
    log = tmp_path / "connections.log"
    return subprocess.run(
        [sys.executable, str(script), str(log), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def _responses(path: Path, ifeval_data: Path) -> Path:
    """A response to every prompt, written to exercise sentence counting (punkt), word
    tokenizing and langdetect (the language and case checks)."""
    rows = [json.loads(line) for line in ifeval_data.read_text().splitlines()]
    out = path / "responses.jsonl"
    with out.open("w") as handle:
        for index, row in enumerate(rows):
            text = row["prompt"] if index % 2 else row["prompt"].lower()
            handle.write(json.dumps({"prompt": row["prompt"], "response": text}) + "\n")
    return out


def test_scoring_never_touches_the_network_and_is_deterministic(tmp_path, ifeval_data):
    print("\nevalkit tests: scoring IFEval twice in subprocesses with the network blocked")
    responses = _responses(tmp_path, ifeval_data)
    outputs = []
    for run, hash_seed in enumerate(("1", "2")):
        items = tmp_path / f"items{run}.jsonl"
        args = ["ifeval", "score", str(responses), "--data", str(ifeval_data), "--json"]
        done = _offline(tmp_path, [*args, "--items", str(items)], hash_seed)
        assert done.returncode == 0, done.stderr
        assert "nltk_data" not in done.stderr and "Downloaded" not in done.stdout
        outputs.append((json.loads(done.stdout), items.read_text()))
    assert not (tmp_path / "connections.log").exists(), "something tried to connect"
    punkt = tmp_path / "cache" / "nltk_data" / "tokenizers" / "punkt_tab" / "english"
    assert sorted(p.name for p in punkt.iterdir()) == sorted(PUNKT_FILES)
    (first, first_items), (second, second_items) = outputs
    assert first == second and first_items == second_items
    assert first["n_scored"] == 541 and first["inst_level_strict"]["n"] == 834
    assert 0 < first["inst_level_strict"]["k"] < 834


def test_the_blocker_catches_nltks_downloader(tmp_path):
    """Guards the test above: without provisioned data NLTK's download is caught and logged."""
    done = _offline(tmp_path, ["--probe"], "0")
    assert done.returncode == 0, done.stderr
    assert "raw.githubusercontent.com" in (tmp_path / "connections.log").read_text()


def test_provisioned_punkt_equals_the_packaged_parameters(tmp_path):
    from nltk.tokenize import PunktTokenizer
    from punkt.data import english

    checker()  # provisions evalkit's cache and points NLTK at it
    params = PunktTokenizer("english")._params
    assert params.abbrev_types == set(english.ABBREV_TYPES)
    assert params.collocations == set(english.COLLOCATIONS)
    assert params.sent_starters == set(english.SENT_STARTERS)
    assert dict(params.ortho_context) == dict(english.ORTHO_CONTEXT)
    root = provision_nltk_data(tmp_path / "nltk_data")
    assert provision_nltk_data(root) == root  # idempotent
    folder = root / "tokenizers" / "punkt_tab" / "english"
    default = nltk_data_dir() / "tokenizers" / "punkt_tab" / "english"
    for name in PUNKT_FILES:
        assert (folder / name).read_bytes() == (default / name).read_bytes()


def test_same_responses_score_identically_twice_and_random_state_is_kept(ifeval_data):
    prompts = {p.metadata["key"]: p for p in load_ifeval_prompts(ifeval_data)}
    # langdetect-dependent prompts (language, case) and the random-letter prompt (1122)
    keys = [1108, 1019, 1566, 1122, 1129, 1108, 1019]
    texts = ["si", "ok ok", "HI THERE", "abc", "!!!", "Hola, ¿qué tal?", "ciao bella"]
    random.seed(123)
    before = random.random()
    random.seed(123)
    first = score_responses([prompts[k] for k in keys], texts, workers=1)
    assert random.random() == before  # the caller's random state is left alone
    second = score_responses([prompts[k] for k in keys], texts, workers=1)
    assert first == second
    from langdetect import DetectorFactory

    checker()
    assert DetectorFactory.seed == 0
