"""codeloop: compile code-generation prompt programs on DSPy, scored by execution."""

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``codeloop.load`` pulls in DSPy; import it only when an app asks for it.
    if name in ("load", "CompiledProgram", "Solution"):
        from . import _app

        return getattr(_app, name)
    raise AttributeError(f"module 'codeloop' has no attribute {name!r}")


__all__ = ["CompiledProgram", "Solution", "__version__", "load"]
