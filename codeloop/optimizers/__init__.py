"""Exemplar and instruction optimizers (see the optimizers issue)."""
