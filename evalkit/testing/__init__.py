"""Test helpers that ship with evalkit (fault-injecting mock endpoints)."""
