"""Suites that come from public data: IFEval (scored by lm-eval's checker) and the public
safety / factuality sets (XSTest, SimpleSafetyTests, HarmBench, AdvBench, TruthfulQA).

Importing this package registers the "ifeval" scorer; lm-eval itself is imported only when
something is scored (it is slow to import and needs the offline NLTK set-up first).
"""

from evalkit.suites.ifeval import load_ifeval, load_ifeval_prompts, score_responses
from evalkit.suites.public import LOADERS, PUBLIC_SUITES, load_public_suite

__all__ = [
    "LOADERS",
    "PUBLIC_SUITES",
    "load_ifeval",
    "load_ifeval_prompts",
    "load_public_suite",
    "score_responses",
]
