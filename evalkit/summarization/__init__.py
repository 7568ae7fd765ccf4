"""Product summarization sets: 750 stratified samples per use case (email, message,
notification), each written individually by an author, plus an adversarial subset per use case;
the corpus reader for a team's own data; and the automatic checks of each summary (key-fact
coverage, groundedness, length, injected instructions).

Modules: design (strata, token rule), authored (the authors' file format and its checks),
corpus (a team's corpus), sampler (the stratified draw), prompts (the product's request),
quality and audit (set properties), text (normalising words, numbers, dates and times of any
script), checks (per-summary checks).
"""
