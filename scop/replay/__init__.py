"""scop.replay"""
