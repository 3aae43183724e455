"""codeloop: compile code-generation prompt programs on DSPy, scored by execution."""

__version__ = "0.1.0"
