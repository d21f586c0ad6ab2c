"""Replay and exercise windows: the timeline, the trainer's controls, the debrief."""
