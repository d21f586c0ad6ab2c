"""Reports computed from the journal alone: the Observatoire's barometers."""
