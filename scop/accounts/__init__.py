"""Accounts of the room: who may log in, with which role; passwords and the city directory."""
