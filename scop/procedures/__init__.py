"""Fiches réflexes: loading and checking the YAML procedures, the on-call directory, and
running a fiche on an event through journal entries (pure Python, no Qt)."""
