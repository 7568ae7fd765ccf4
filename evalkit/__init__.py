"""evalkit: evaluate language models with human and automatic grades, with honest statistics."""

__version__ = "0.1.0"
