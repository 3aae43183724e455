"""What codeloop's instruction strategies share: seeded draws, one proposal call, scoring a set
of instructions as a recorded trial, and keeping the best (see ``_instructions``)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dspy
import numpy as np
from dspy.utils.exceptions import AdapterParseError

from ...exceptions import ConfigError
from ...modules import max_lm_calls
from .._base import CodeloopOptimizer, Evaluation, Session, check, rng_for
from .._program_edits import generation_predictors, set_instructions

logger = logging.getLogger(__name__)

Instructions = dict[str, str]  # generation predictor name -> instruction


def sample(examples: Sequence[dspy.Example], k: int, rng: np.random.Generator) -> list[dspy.Example]:
    """``k`` of ``examples`` drawn without replacement, in their original order."""
    if len(examples) <= k:
        return list(examples)
    return [examples[i] for i in sorted(rng.choice(len(examples), size=k, replace=False))]


def current_instructions(program: dspy.Module) -> Instructions:
    return {name: predictor.signature.instructions for name, predictor in generation_predictors(program)}


def ask(signature: type[dspy.Signature], temperature: float, rollout: int, **inputs: str) -> str:
    """One proposal call (its one output field); a reply that does not parse is no proposal
    (logged), not a crash. ``rollout`` tells samples of the same request apart."""
    config = {"temperature": temperature, "rollout_id": rollout} if temperature > 0 else {}
    (output,) = signature.output_fields
    try:
        prediction = dspy.Predict(signature)(**inputs, config=config)
    except AdapterParseError as exc:
        logger.warning("%s: reply not understood (%s); skipped", signature.__name__, str(exc).splitlines()[0])
        return ""
    return str(prediction.get(output) or "")


@dataclass
class Scored:
    """A candidate: its instructions, its program and how it scored."""

    instructions: Instructions
    program: dspy.Module
    evaluation: Evaluation

    @property
    def score(self) -> float:
        return self.evaluation.score


class InstructionOptimizer(CodeloopOptimizer):
    """What the instruction strategies share: the examples candidates are compared on, scoring
    a set of instructions as a recorded trial, and keeping the best.

    After ``compile``: ``candidates_`` (each scored candidate's instructions and score, in the
    order scored) and ``best_instructions_``.
    """

    def __init__(self, metric: Any = None, *, minibatch_size: int | None = None, temperature: float = 1.0,
                 **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.minibatch_size = minibatch_size
        self.temperature = temperature
        self.candidates_: list[dict[str, Any]] = []
        self.best_instructions_: Instructions = {}

    def validate(self) -> None:
        super().validate()
        check(self.name, "minibatch_size", self.minibatch_size, self.minibatch_size is None
              or (isinstance(self.minibatch_size, int) and self.minibatch_size >= 1), "None or an integer >= 1")

    def compared_on(self, valset: list[dspy.Example]) -> list[dspy.Example]:
        if self.minibatch_size is None:
            return valset
        return sample(valset, self.minibatch_size, rng_for(self.seed, "minibatch"))

    def n_compared(self, n_dev: int) -> int:
        return min(self.minibatch_size, n_dev) if self.minibatch_size else n_dev

    def final_calls(self, student: dspy.Module, n_dev: int) -> int:
        return max_lm_calls(student) * n_dev if self.minibatch_size and self.minibatch_size < n_dev else 0

    def score(self, session: Session, student: dspy.Module, instructions: Instructions,
              examples: list[dspy.Example], **params: Any) -> Scored:
        program = set_instructions(student, instructions)
        evaluation = session.evaluate(program, examples, {"instructions": instructions,
                                                          "candidate": len(self.candidates_), **params})
        self.candidates_.append({"instructions": instructions, "score": evaluation.score})
        return Scored(instructions, program, evaluation)

    def finish(self, session: Session, best: Scored, valset: list[dspy.Example],
               compared: list[dspy.Example]) -> dspy.Module:
        """The best candidate; scored once more on the whole valset if candidates saw a minibatch."""
        self.best_instructions_ = best.instructions
        if len(compared) < len(valset):
            session.evaluate(best.program, valset, {"instructions": best.instructions}, kind="final",
                             track_best=False)
        return best.program

    def compile(self, student: dspy.Module, **kwargs: Any) -> dspy.Module:
        self.candidates_, self.best_instructions_ = [], {}
        program = super().compile(student, **kwargs)
        if self.budget_exhausted and self.candidates_:  # the base returned the best scored so far
            self.best_instructions_ = max(self.candidates_, key=lambda c: c["score"])["instructions"]
        return program

    @staticmethod
    def best_of(scored: Sequence[Scored]) -> Scored:
        return max(scored, key=lambda s: s.score)  # max keeps the first of equals

    def require_generators(self, student: dspy.Module) -> None:
        if not generation_predictors(student):
            raise ConfigError(f"{self.name}: {type(student).__name__} has no generation predictor (one that "
                              "writes `code` from examples, function_header, description and feedback), so "
                              "it has no instruction to tune; use a module such as from-examples")
