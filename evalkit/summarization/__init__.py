"""Product summarization sets: 750 stratified samples per use case (email, message,
notification), the document generator and corpus reader that feed them, and the automatic
checks of each summary (key-fact coverage, groundedness, length).

Modules: design (strata, token rule), world + gen_* (the generator's pieces), generator,
corpus, sampler, prompts (the product's request), quality (set properties), checks.
"""
