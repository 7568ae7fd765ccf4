"""Statistics: pure functions, pandas in, pandas out, explicit seeds."""
