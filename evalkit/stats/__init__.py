"""Statistics: pure functions, pandas in, pandas out, explicit seeds.

- `sxs`: win / tie / loss per (candidate, baseline, category), bootstrap intervals over prompts,
  sign test and Holm correction.
- `safety`: violation and over-refusal rates (Wilson), model differences (Newcombe).
- `ifeval`: the four IFEval accuracies with intervals.
- `summarization`: good / neutral / poor ratios by the rubric's five-dimension rule.
- `agreement`: Krippendorff's alpha, Cohen's kappa, gold accuracy, judge vs human.
- `ranking`: Bradley–Terry strengths with bootstrap intervals.
- `power`: sample sizes, and what 750 items buy.
- `latency`: latency and tokens/s per model.
- `frames`: the input frames, grade files and a run's frames.

Every rate comes with its n and a 95% interval; every random step takes an explicit seed.
"""

from evalkit.stats.proportions import format_rate, newcombe_interval, wilson_interval

__all__ = ["format_rate", "newcombe_interval", "wilson_interval"]
