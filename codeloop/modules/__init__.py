"""DSPy code-generation modules (see the modules issue)."""
