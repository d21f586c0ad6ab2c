"""scop.protocols"""
