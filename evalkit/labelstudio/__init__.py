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

from evalkit.labelstudio.config import ITEM_ID_FIELD, label_config, task_data
from evalkit.labelstudio.connection import KEY_ENV, URL_ENV, LabelStudioAPI, connect
from evalkit.labelstudio.convert import Annotation, ConversionError, annotation_grade, grade_result
from evalkit.labelstudio.sync import PullResult, PushPlan, PushResult, load_plan, pull, push

__all__ = [
    "ITEM_ID_FIELD",
    "KEY_ENV",
    "URL_ENV",
    "Annotation",
    "ConversionError",
    "LabelStudioAPI",
    "PullResult",
    "PushPlan",
    "PushResult",
    "annotation_grade",
    "connect",
    "grade_result",
    "label_config",
    "load_plan",
    "pull",
    "push",
    "task_data",
]
