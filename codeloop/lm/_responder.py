"""The offline backend's answer to a DSPy chat request: read the prompt, synthesize, reply.

It reads what DSPy's ChatAdapter sends: the output fields and the instruction from the
system message, demonstrations from earlier user/assistant turns, and the current inputs
from the last user message. Example lines (``f(1, [2]) == 3``, see ``codeloop._format``)
anywhere in the inputs are the specification; a ``def name(params)`` header, if present, names
the function and its parameters. Demonstration code and the instruction (and any other input
text, such as a description) shift the synthesizer's prior over building blocks. The reply
fills every requested output field in ChatAdapter's format, or as a JSON object when the
request asks for one (DSPy's JSONAdapter, and ChatAdapter's fallback to it).

A request stating a puzzle (the source of ``sat(answer, ...)`` and a ``def sol(...)`` header,
see :mod:`._puzzle_search`) gets a ``sol`` returning the cheapest of a few simple candidate
answers that the ``sat`` in its prompt accepts, checked in the sandbox.

Requests to propose an instruction (codeloop's proposers, COPRO, MIPROv2, GEPA; see
:mod:`._proposals`) get instructions written from the code, examples, feedback and scores
they carry, in words the synthesizer's keyword map reads back as building blocks.

This is a program synthesizer answering chat requests, not a language model: fields it has
no real answer for (anything but code, tests, reasoning and proposals) get a short honest
placeholder.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field, replace
from typing import Any

from .._format import ParsedExample, parse_examples
from ..exceptions import ConfigError
from ._proposals import ProposalAnswers, asks_for_fenced_instruction, fenced_instruction, is_proposal_field
from ._puzzle_search import PuzzleRequest, find_puzzle, solve_puzzle
from .synth import Prior, SearchBudget, prior_from_code, prior_from_instruction, synthesize

FIELD_MARKER = re.compile(r"\[\[ ## (\w+) ## \]\]")
OUTPUT_FIELD = re.compile(r"^\d+\. `(\w+)`", re.MULTILINE)
HEADER = re.compile(r"def\s+([A-Za-z_]\w*)\s*\(([^)]*)\)")
CODE_FENCE = re.compile(r"```(?:python)?\n(.*?)```", re.DOTALL)
OBJECTIVE = "your objective is:"
RESPOND_WITH = "Respond with the corresponding output fields"
RESPOND_WITH_JSON = "Respond with a JSON object"


def split_fields(text: str) -> dict[str, str]:
    """``[[ ## name ## ]]`` sections of a ChatAdapter message, by field name."""
    parts = FIELD_MARKER.split(text)
    return {parts[i]: parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def _reply_fields(text: str) -> dict[str, str]:
    """A demo's outputs: ``[[ ## name ## ]]`` sections, or a JSON object (JSONAdapter's demos)."""
    fields = split_fields(text)
    if fields or not text.lstrip().startswith("{"):
        return fields
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


@dataclass
class ChatRequest:
    """What a ChatAdapter request says, recovered from its messages."""

    output_fields: list[str]
    instruction: str
    inputs: dict[str, str]
    demos: list[dict[str, str]] = field(default_factory=list)  # input and output fields of each demo
    json_reply: bool = False  # the request asks for a JSON object (DSPy's JSONAdapter)

    @classmethod
    def parse(cls, messages: list[dict]) -> ChatRequest:
        system = next((m["content"] for m in messages if m["role"] == "system"), "")
        outputs_section = system.split("Your output fields are:", 1)[-1].split("All interactions", 1)[0]
        output_fields = OUTPUT_FIELD.findall(outputs_section) if "Your output fields are:" in system else []
        instruction = textwrap.dedent(system.split(OBJECTIVE, 1)[1]).strip() if OBJECTIVE in system else ""
        turns = [m for m in messages if m["role"] in ("user", "assistant")]
        last_user = next((m["content"] for m in reversed(turns) if m["role"] == "user"), "")
        json_reply = RESPOND_WITH_JSON in last_user or "Outputs will be a JSON object" in system
        # the adapters' closing reminder is not an input
        last_user = last_user.split(RESPOND_WITH, 1)[0].split(RESPOND_WITH_JSON, 1)[0]
        demos = []
        for user, assistant in zip(turns[:-1:2], turns[1:-1:2]):
            if user["role"] == "user" and assistant["role"] == "assistant":
                demos.append({**split_fields(user["content"]), **_reply_fields(assistant["content"])})
        if not output_fields:  # no structure announced: answer the fields the last turn asks for
            output_fields = [f for f in FIELD_MARKER.findall(last_user) if f not in split_fields(last_user)]
        return cls(output_fields=[f for f in output_fields if f != "completed"], instruction=instruction,
                   inputs=split_fields(last_user) or {"text": last_user}, demos=demos, json_reply=json_reply)


def _code_in(text: str) -> str:
    fenced = CODE_FENCE.findall(text)
    return "\n".join(fenced) if fenced else text


def _is_code_field(name: str) -> bool:
    return any(word in name.lower() for word in ("code", "program", "solution", "function", "implementation"))


@dataclass
class SynthesisResponder:
    """A :class:`~codeloop.lm._server.Responder` backed by the synthesizer.

    A request that carries a failed attempt (a non-empty ``previous_code`` input, as a
    refinement step sends) gets ``refine_factor`` times the search budget: the failing
    cases in the feedback are examples it already had, so what refinement can honestly add
    is more search. (A real LM would use the feedback text itself.)

    A puzzle request checks ``max_programs // 20`` candidate answers (at most 500) against its ``sat`` (in
    ``sandbox``, default the process-wide pool), times ``refine_factor`` for a refinement.
    """

    budget: SearchBudget = field(default_factory=SearchBudget)
    refine_factor: int = 4
    #: shorthand for ``budget=SearchBudget(max_programs=N)``, as ``offline:max_programs=N`` reads
    max_programs: int | None = None
    #: where a puzzle request's candidates are checked against its sat (None: the default pool)
    sandbox: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.max_programs is not None:
            if not isinstance(self.max_programs, int) or self.max_programs < 1:
                raise ConfigError(f"SynthesisResponder: max_programs must be an integer >= 1; got {self.max_programs!r}")
            self.budget = replace(self.budget, max_programs=self.max_programs)

    def __call__(self, messages: list[dict], params: dict) -> str:
        request = ChatRequest.parse(messages)
        temperature = float(params.get("temperature") or 0.0)
        seed = int(params.get("seed") or 0) * 1000 + int(params.get("sample") or 0)
        text = request.inputs.get("text", "")
        if not request.output_fields and asks_for_fenced_instruction(text):  # GEPA's plain prompt
            return fenced_instruction(text, temperature, seed)
        answers = self.answer(request, temperature, seed)
        if request.json_reply or params.get("response_format"):
            return json.dumps({name: answers[name] for name in request.output_fields}, ensure_ascii=False)
        body = "".join(f"[[ ## {name} ## ]]\n{answers[name]}\n\n" for name in request.output_fields)
        return body + "[[ ## completed ## ]]"

    def answer(self, request: ChatRequest, temperature: float, seed: int) -> dict[str, str]:
        if any(is_proposal_field(f) for f in request.output_fields):
            return self._proposal(request, temperature, seed)
        text = "\n".join(request.inputs.values())
        puzzle = find_puzzle(request.inputs) if any(_is_code_field(f) for f in request.output_fields) else None
        if puzzle is not None:
            return self._puzzle(request, puzzle, text, temperature, seed)
        examples = parse_examples(text)
        name, params = self._target(text, examples)
        positional = [(e.args + tuple(e.kwargs[p] for p in params[len(e.args):] if p in e.kwargs), e.expected)
                      for e in examples if e.entry == name]
        positional = [(args, out) for args, out in positional if len(args) == len(params)]
        prior = self._prior(request, text)
        answers: dict[str, str] = {}
        result = None
        budget = self.budget
        if request.inputs.get("previous_code", "").strip():
            budget = replace(budget, max_programs=budget.max_programs * self.refine_factor,
                             max_seconds=budget.max_seconds * self.refine_factor)
        if positional and any(_is_code_field(f) or f in ("reasoning", "rationale") for f in request.output_fields):
            result = synthesize(name, params, positional, prior=prior, budget=budget,
                                temperature=temperature, seed=seed)
        for field_name in request.output_fields:
            lowered = field_name.lower()
            if _is_code_field(field_name):
                answers[field_name] = result.code if result else self._no_examples_code(name, params)
            elif lowered in ("reasoning", "rationale", "explanation"):
                answers[field_name] = self._reasoning(result, len(positional))
            elif "test" in lowered:
                answers[field_name] = "\n".join(f"assert {line}" for line in self._example_lines(text)) or \
                    "# no examples to derive tests from"
            else:
                answers[field_name] = f"(the offline synthesizer has no answer for {field_name!r})"
        return answers

    def _puzzle(self, request: ChatRequest, puzzle: PuzzleRequest, text: str, temperature: float,
                seed: int) -> dict[str, str]:
        tries = max(1, self.budget.max_programs // 20)
        if request.inputs.get("previous_code", "").strip():
            tries *= self.refine_factor
        found = solve_puzzle(puzzle, max_candidates=tries, rejected_text=text, temperature=temperature, seed=seed,
                             sandbox=self.sandbox)
        answers: dict[str, str] = {}
        for field_name in request.output_fields:
            if _is_code_field(field_name):
                answers[field_name] = found.code
            elif field_name.lower() in ("reasoning", "rationale", "explanation"):
                answers[field_name] = (f"Checked {found.tried} simple candidate answers against sat in the sandbox: "
                                       f"{found.note}; returning `{found.expression}`.")
            else:
                answers[field_name] = f"(the offline synthesizer has no answer for {field_name!r})"
        return answers

    @staticmethod
    def _proposal(request: ChatRequest, temperature: float, seed: int) -> dict[str, str]:
        """A request to propose an instruction (or to describe data for one): no synthesis. The
        request's own instruction is the proposer's task, not the instruction to improve."""
        answers = ProposalAnswers(request.inputs, temperature, seed)
        return {name: answers.answer(name) for name in request.output_fields}

    @staticmethod
    def _target(text: str, examples: list[ParsedExample]) -> tuple[str, list[str]]:
        header = HEADER.search(text)
        if header:
            params = [p.split(":")[0].split("=")[0].strip() for p in header.group(2).split(",") if p.strip()]
            return header.group(1), [p.lstrip("*") for p in params]
        if examples:
            arity = max(len(e.args) for e in examples)
            return examples[0].entry, [f"arg{i}" for i in range(arity)]
        return "f", []

    @staticmethod
    def _prior(request: ChatRequest, text: str) -> Prior:
        demo_code = [_code_in(v) for demo in request.demos for k, v in demo.items() if _is_code_field(k)]
        prior = prior_from_code(demo_code) if demo_code else Prior()
        prose = "\n".join(line for line in text.splitlines() if "==" not in line)
        return prior.combine(prior_from_instruction(f"{request.instruction}\n{prose}"))

    @staticmethod
    def _example_lines(text: str) -> list[str]:
        return [line.strip() for line in text.splitlines() if parse_examples(line)]

    @staticmethod
    def _no_examples_code(name: str, params: list[str]) -> str:
        return f"def {name}({', '.join(params)}):\n    return None\n"

    @staticmethod
    def _reasoning(result, n_examples: int) -> str:
        if result is None:
            return "No input/output examples were found in the request, so no search was run."
        verdict = "consistent with" if result.consistent else "the best partial program for"
        return (f"Searched {result.explored} programs over a DSL of Python building blocks in "
                f"{result.seconds:.2f} s; `{result.expression}` is {verdict} {result.satisfied} of "
                f"{n_examples} examples. Building blocks: {', '.join(result.blocks) or 'none'}.")
