"""Label Studio round trip: push planned items as blinded tasks, pull annotations as Grades.

Teams that already grade in Label Studio use it in place of the Streamlit app, on the same
items, blinding and statistics:

    evalkit labelstudio push runs/demo/plan.json --project "demo sxs"
    evalkit labelstudio pull runs/demo --project "demo sxs"

- `config`: labeling configs generated from `rubrics/*.yaml`, blinded task data (pure).
- `convert`: annotation <-> Grade (pure).
- `connection`: URL/key from the environment, the SDK client, one-line errors, no secret shown.
- `sync`: push (create/update projects, import missing tasks) and pull (idempotent, revisions).
"""
