"""Agent safety: status timers and checks, « agent en danger », antécédents, hazard flags and
lookouts. Pure Python: the console shows what these functions compute."""
