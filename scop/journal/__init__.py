"""The append-only store of the main courante: SQLAlchemy tables, hash chain, exports."""
