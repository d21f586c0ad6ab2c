"""Geography of Paris without a network: the area, distances, the address base."""
