"""The safety screens: the « agent en danger » banner, the crews' checks, lookouts, and what
the room knows of a place (antécédents, hazard flags)."""
