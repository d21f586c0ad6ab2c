"""scop.procedures"""
