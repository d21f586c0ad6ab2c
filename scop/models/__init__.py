"""Pure-Python domain: journal entry types, entities and the projection."""
