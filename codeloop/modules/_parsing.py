"""How an LM's reply becomes the module's one output field, and which way it went.

DSPy's ChatAdapter expects ``[[ ## code ## ]]`` markers; when a reply lacks them (a small model
puts the marker inside a code fence, or writes a bare fenced block) it re-asks the LM in JSON,
an extra call that a small model often answers worse (``{"code": \"\"\"...\"\"\"}`` parses to
nothing). Every signature of the modules has a single text output, so a reply that the chat
format cannot split is still that field: the *lenient* mode hands the raw reply, markers
stripped, to :func:`~codeloop.modules.extract_code` and re-asks in JSON only when the reply holds
no code at all.

Modes (a module's ``parse_mode``, set on a whole program with :func:`set_parse_mode`, chooses one;
else ``dspy.context(adapter=ReplyParser(mode))``; else lenient). Measured on Qwen2.5-Coder-0.5B
(see the README), ``json-lenient`` solved the most with the fewest calls, so ``codeloop run`` uses it
for real LMs; the offline backend's native format is the chat one, so it keeps ``lenient``:

- ``lenient``: the chat format, then the raw reply, then DSPy's JSON fallback.
- ``chat``: DSPy's own behaviour, the chat format then the JSON fallback.
- ``json``: the JSON format only (DSPy's JSONAdapter).
- ``json-lenient``: the JSON format, then the raw reply (a JSON object whose code is in triple quotes is not
  JSON, but its function is there).

Each call records its *route* (``chat``, ``raw``, ``json``, ``failed``) in a :class:`ParseLog`
so that runs can report parse rates per route: the measurement the default was chosen by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from dspy.adapters import ChatAdapter, JSONAdapter
from dspy.utils.exceptions import AdapterParseError

ParseMode = Literal["lenient", "chat", "json", "json-lenient"]
ParseRoute = Literal["chat", "raw", "json", "failed"]
PARSE_MODES: tuple[str, ...] = ("lenient", "chat", "json", "json-lenient")
DEFAULT_PARSE_MODE: ParseMode = "lenient"

# DSPy's field markers, wherever a model put them (inside fences too): ``[[ ## code ## ]]``
_MARKER = re.compile(r"\[\[\s*##\s*\w+\s*##\s*\]\]")
# a reply "holds code" when some line starts like Python code does
_CODE_LINE = re.compile(r"^\s*(?:async\s+def|def|class|import|from|assert|@)\b", re.MULTILINE)


@dataclass
class ParseLog:
    """The route of one call's reply (the last predictor call of a ``reply_field``)."""

    route: ParseRoute = "failed"


def _single_text_output(signature: Any) -> str | None:
    fields = signature.output_fields
    if len(fields) != 1:
        return None
    name, info = next(iter(fields.items()))
    return name if info.annotation in (str, None) else None


def strip_markers(completion: str) -> str:
    """The reply without DSPy's field markers (a fence left with only a marker on its opening
    line becomes a plain fence)."""
    return _MARKER.sub("", completion).strip()


def holds_code(text: str) -> bool:
    return bool(_CODE_LINE.search(text))


class _JSONRecording(JSONAdapter):
    def __init__(self, log: ParseLog, *, lenient: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.log = log
        self.lenient = lenient

    def parse(self, signature: Any, completion: str) -> dict[str, Any]:
        try:
            fields = super().parse(signature, completion)
        except AdapterParseError:
            name = _single_text_output(signature)
            if not self.lenient or name is None or not holds_code(completion):
                raise
            self.log.route = "raw"
            return {name: strip_markers(completion)}
        name = _single_text_output(signature)
        if self.lenient and name is not None and not holds_code(str(fields.get(name) or "")) and holds_code(completion):
            self.log.route = "raw"  # repaired into a field without the code the reply holds
            return {name: strip_markers(completion)}
        self.log.route = "json"
        return fields


class ReplyParser(ChatAdapter):
    """A DSPy adapter for the modules' one-output signatures, in one of :data:`PARSE_MODES`.

    ``for_call`` makes the per-call copy that records its route: an adapter set once in
    ``dspy.context`` is shared by the evaluation threads, a log must not be."""

    def __init__(self, mode: ParseMode = DEFAULT_PARSE_MODE, *, log: ParseLog | None = None, **kwargs: Any) -> None:
        if mode not in PARSE_MODES:
            raise ValueError(f"unknown parse mode {mode!r}; accepted: {', '.join(PARSE_MODES)}")
        super().__init__(**kwargs)
        self.mode = mode
        self.log = log if log is not None else ParseLog()

    def for_call(self) -> ReplyParser:
        return ReplyParser(self.mode, log=ParseLog())

    def __call__(self, lm, lm_kwargs, signature, demos, inputs):
        if self.mode.startswith("json"):
            return _JSONRecording(self.log, lenient=self.mode == "json-lenient")(lm, lm_kwargs, signature, demos, inputs)
        return super().__call__(lm, lm_kwargs, signature, demos, inputs)

    async def acall(self, lm, lm_kwargs, signature, demos, inputs):
        if self.mode.startswith("json"):
            return await _JSONRecording(self.log, lenient=self.mode == "json-lenient").acall(
                lm, lm_kwargs, signature, demos, inputs)
        return await super().acall(lm, lm_kwargs, signature, demos, inputs)

    def _make_json_adapter_fallback(self) -> JSONAdapter:
        return _JSONRecording(self.log, use_native_function_calling=self.use_native_function_calling,
                              parallel_tool_calls=self.parallel_tool_calls)

    def parse(self, signature: Any, completion: str) -> dict[str, Any]:
        name = _single_text_output(signature)
        try:
            fields = super().parse(signature, completion)
        except AdapterParseError:
            if self.mode != "lenient" or name is None or not holds_code(completion):
                raise
            self.log.route = "raw"
            return {name: strip_markers(completion)}
        if (self.mode == "lenient" and name is not None and not holds_code(str(fields.get(name) or ""))
                and holds_code(completion)):
            # the field parsed but holds no code while the reply does (code written before the marker)
            self.log.route = "raw"
            return {name: strip_markers(completion)}
        self.log.route = "chat"
        return fields


def set_parse_mode(program: Any, mode: ParseMode | None) -> Any:
    """Set ``parse_mode`` on ``program`` and every module inside it (``None``: what DSPy's
    settings say). A copy of the program (optimizers deep-copy theirs) keeps it."""
    if mode is not None and mode not in PARSE_MODES:
        raise ValueError(f"unknown parse mode {mode!r}; accepted: {', '.join(PARSE_MODES)}")
    modules = [program, *(sub for _, sub in program.named_sub_modules())] if hasattr(program, "named_sub_modules") \
        else [program]
    for module in modules:
        if hasattr(type(module), "forward"):  # on the class: DSPy warns when an instance's forward is read
            module.parse_mode = mode
    return program
