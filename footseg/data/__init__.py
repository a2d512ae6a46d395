"""Synthetic data: floors, feet, compositing, splitting and loading."""
