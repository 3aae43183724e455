"""LM resolution and the offline synthesis backend (see the offline-backend issue)."""
