"""SCOP console: the control-room application of the Paris municipal police."""

__version__ = "0.1.0"
