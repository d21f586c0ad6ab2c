"""Everything that imports Qt lives under this package (and scop/app.py)."""
