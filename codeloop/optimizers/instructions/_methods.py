"""Instruction optimizers: search over the instructions of a program's generation predictors,
leaving its demonstrations alone.

* ``seed-instruction``: no search; the student scored once on the valset (the baseline).
* ``ape``: proposals from data (APE, Zhou et al. 2023): the LM sees a sample of training
  tasks with reference code, the current instruction and a tip; ``n_candidates`` proposals
  and the current instruction are scored on the valset and the best is kept.
* ``protegi``: failure-driven rewriting (ProTeGi, Pryzant et al. 2023): the failing cases of
  a candidate, with their feedback, go to the LM for a critique (the "gradient") and then for
  rewrites; a small beam over a few steps.
* ``opro``: history-driven (OPRO, Yang et al. 2024): the LM sees the instructions tried so
  far with their scores, ascending, and proposes better ones, step after step.

Every proposal is paid work (``Session.paid("proposal")``), every candidate a recorded trial.
Candidates are compared on the same examples (the valset, or one seeded minibatch of it);
ties go to the earlier candidate, so the seed instruction is kept unless beaten.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dspy
import numpy as np

from ...modules import max_lm_calls
from .._base import Session, check, check_count, rng_for
from .._program_edits import generation_predictors
from ._base import (
    InstructionOptimizer,
    Instructions,
    Scored,
    ask,
    current_instructions,
    sample,
)
from ._signatures import (
    TIPS,
    CritiqueInstruction,
    ProposeFromHistory,
    ProposeInstruction,
    RewriteInstruction,
    clean_instruction,
    render_demos,
    render_failures,
    render_history,
)


def propose_instructions(session: Session, student: dspy.Module, trainset: Sequence[dspy.Example], *, n: int,
                         seed: int, k_demos: int = 4, temperature: float = 1.0) -> dict[str, list[str]]:
    """Per generation predictor, its current instruction followed by up to ``n`` distinct
    proposals from data (APE-style): each call shows ``k_demos`` training tasks (a seeded
    sample with reference code), the current instruction and a tip. ``n`` calls per predictor,
    all paid through ``session.paid("proposal")``; duplicates are dropped."""
    with_reference = [e for e in trainset if e.get("reference")] or list(trainset)
    out: dict[str, list[str]] = {}
    for name, predictor in generation_predictors(student):
        current = predictor.signature.instructions
        found = [current]
        rng = rng_for(seed, f"propose:{name}")
        with session.paid("proposal", {"method": "ape", "predictor": name, "n": n}) as params:
            for i in range(n):
                demos = render_demos(sample(with_reference, k_demos, rng))
                text = clean_instruction(ask(ProposeInstruction, temperature, seed * 1000 + i,
                                             current_instruction=current, task_demos=demos,
                                             tip=TIPS[(seed + i) % len(TIPS)]))
                if text and text not in found:
                    found.append(text)
            params["proposals"] = found[1:]
        out[name] = found
    return out


class SeedInstruction(InstructionOptimizer):
    """No search: the student with the instructions it has, scored once on the valset."""

    name = "seed-instruction"

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        return max_lm_calls(student) * n_dev

    def search(self, student, trainset, valset, session):
        scored = self.score(session, student, current_instructions(student), valset)
        self.best_instructions_ = scored.instructions
        return scored.program


class ApeInstructions(InstructionOptimizer):
    """Proposal from data: ``n_candidates`` proposals (each from ``k_demos`` sampled training
    tasks and a tip), scored with the current instruction on the valset (or a seeded
    ``minibatch_size`` sample of it); the best is kept."""

    name = "ape"

    def __init__(self, metric: Any = None, *, n_candidates: int = 6, k_demos: int = 4, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.n_candidates = n_candidates
        self.k_demos = k_demos

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        proposals = len(generation_predictors(student)) * self.n_candidates
        scoring = max_lm_calls(student) * self.n_compared(n_dev) * (self.n_candidates + 1)
        return proposals + scoring + self.final_calls(student, n_dev)

    def validate(self) -> None:
        super().validate()
        check_count(self.name, "n_candidates", self.n_candidates)

    def search(self, student, trainset, valset, session):
        self.require_generators(student)
        compared = self.compared_on(valset)
        scored = [self.score(session, student, current_instructions(student), compared)]
        proposals = propose_instructions(session, student, trainset, n=self.n_candidates, seed=self.seed,
                                         k_demos=self.k_demos, temperature=self.temperature)
        for i in range(1, max(len(texts) for texts in proposals.values())):
            instructions = {name: texts[i] for name, texts in proposals.items() if i < len(texts)}
            scored.append(self.score(session, student, {**scored[0].instructions, **instructions}, compared))
        return self.finish(session, self.best_of(scored), valset, compared)


class ProtegiInstructions(InstructionOptimizer):
    """Failure-driven rewriting: for each candidate in the beam, up to ``max_failures`` of its
    failing cases (with the metric's feedback: expected vs got, exceptions) go to the LM for a
    critique, then for ``expansions`` rewrites; the ``beam_width`` best of old and new go on,
    for ``steps`` steps. Failures come from the valset evaluation (``failures_from="dev"``,
    free) or from a seeded minibatch of training tasks scored for the purpose
    (``failures_from="train"``: paid, but dev labels then reach no proposal prompt)."""

    name = "protegi"
    SOURCES = ("dev", "train")

    def __init__(self, metric: Any = None, *, steps: int = 2, beam_width: int = 2, expansions: int = 2,
                 max_failures: int = 4, failures_from: str = "dev", **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.steps, self.beam_width, self.expansions = steps, beam_width, expansions
        self.max_failures, self.failures_from = max_failures, failures_from

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        per = max_lm_calls(student)
        expanded = self.steps * self.beam_width
        proposals = expanded * len(generation_predictors(student)) * (1 + self.expansions)
        scoring = per * self.n_compared(n_dev) * (1 + expanded * self.expansions)
        from_train = expanded * per * min(n_train, 2 * self.max_failures) if self.failures_from == "train" else 0
        return proposals + scoring + from_train + self.final_calls(student, n_dev)

    def validate(self) -> None:
        super().validate()
        for name in ("steps", "beam_width", "expansions", "max_failures"):
            check_count(self.name, name, getattr(self, name))
        check(self.name, "failures_from", self.failures_from, self.failures_from in self.SOURCES,
              f"one of {self.SOURCES}")

    def search(self, student, trainset, valset, session):
        self.require_generators(student)
        compared = self.compared_on(valset)
        rng = rng_for(self.seed, "protegi")
        everyone = [self.score(session, student, current_instructions(student), compared, step=0)]
        beam = list(everyone)
        for step in range(1, self.steps + 1):
            children, failed = [], False
            for rank, parent in enumerate(beam):
                failures = self.failures(session, parent, compared, trainset, rng)
                if not failures:
                    continue
                failed = True
                for instructions in self.rewrites(session, parent, failures, step * 100 + rank * 10):
                    if all(instructions != s.instructions for s in everyone + children):
                        children.append(self.score(session, student, instructions, compared, step=step))
            if not failed:  # nothing in the beam fails: nothing to learn from
                break
            everyone += children
            beam = sorted(beam + children, key=lambda s: -s.score)[: self.beam_width]  # stable: older first
        return self.finish(session, self.best_of(everyone), valset, compared)

    def failures(self, session: Session, parent: Scored, compared: list[dspy.Example],
                 trainset: list[dspy.Example], rng: np.random.Generator) -> list[tuple[dspy.Example, str, str]]:
        """Up to ``max_failures`` (example, code written, feedback) of ``parent``'s failing cases."""
        examples, evaluation = compared, parent.evaluation
        if self.failures_from == "train":
            examples = sample(trainset, 2 * self.max_failures, rng)
            evaluation = session.evaluate(parent.program, examples, {"instructions": parent.instructions,
                                                                     "purpose": "failures"},
                                          kind="proposal", track_best=False)
        failing = [(e, str(getattr(p, "code", "") or ""), f)
                   for e, s, p, f in zip(examples, evaluation.scores, evaluation.predictions, evaluation.feedback)
                   if s < 1.0]
        if len(failing) > self.max_failures:
            failing = [failing[i] for i in sorted(rng.choice(len(failing), self.max_failures, replace=False))]
        return failing

    def rewrites(self, session: Session, parent: Scored, failures: list[tuple[dspy.Example, str, str]],
                 draw: int) -> list[Instructions]:
        """``expansions`` rewritten instruction sets (one critique per predictor, then rewrites);
        ``draw`` (step and beam rank) keeps the rewrites' samples apart."""
        text = render_failures(failures)
        per_predictor: dict[str, list[str]] = {}
        for name, current in parent.instructions.items():
            with session.paid("proposal", {"method": "protegi", "draw": draw, "predictor": name}) as params:
                critique = ask(CritiqueInstruction, 0.0, 0, current_instruction=current, failures=text)
                rollout = (self.seed * 100_000 + draw) * 100
                rewrites = [clean_instruction(ask(RewriteInstruction, self.temperature, rollout + j,
                                                  current_instruction=current, failures=text, critique=critique))
                            for j in range(self.expansions)]
                params.update(critique=critique, proposals=rewrites)
            per_predictor[name] = [r or current for r in rewrites]
        return [{name: texts[j] for name, texts in per_predictor.items()} for j in range(self.expansions)]


class OproInstructions(InstructionOptimizer):
    """History-driven: at each of ``steps`` steps the LM sees the ``history_size`` best
    instructions so far with their scores (ascending, best last) and ``k_demos`` sampled
    training tasks, and proposes ``per_step`` new ones, which are scored and join the history."""

    name = "opro"

    def __init__(self, metric: Any = None, *, steps: int = 3, per_step: int = 2, history_size: int = 8,
                 k_demos: int = 3, **kwargs: Any) -> None:
        super().__init__(metric, **kwargs)
        self.steps, self.per_step, self.history_size, self.k_demos = steps, per_step, history_size, k_demos

    def estimate_calls(self, student: dspy.Module, n_train: int, n_dev: int) -> int:
        proposals = self.steps * self.per_step * len(generation_predictors(student))
        scoring = max_lm_calls(student) * self.n_compared(n_dev) * (1 + self.steps * self.per_step)
        return proposals + scoring + self.final_calls(student, n_dev)

    def validate(self) -> None:
        super().validate()
        for name in ("steps", "per_step", "history_size"):
            check_count(self.name, name, getattr(self, name))

    def search(self, student, trainset, valset, session):
        self.require_generators(student)
        compared = self.compared_on(valset)
        rng = rng_for(self.seed, "opro")
        with_reference = [e for e in trainset if e.get("reference")] or list(trainset)
        scored = [self.score(session, student, current_instructions(student), compared, step=0)]
        for step in range(1, self.steps + 1):
            proposals: dict[str, list[str]] = {}
            for name in scored[0].instructions:
                history = render_history([(s.instructions[name], s.score) for s in scored], self.history_size)
                with session.paid("proposal", {"method": "opro", "step": step, "predictor": name}) as params:
                    texts = [clean_instruction(ask(ProposeFromHistory, self.temperature,
                                                   self.seed * 1000 + step * 100 + j, scored_instructions=history,
                                                   task_demos=render_demos(sample(with_reference, self.k_demos, rng))))
                             for j in range(self.per_step)]
                    params["proposals"] = texts
                proposals[name] = texts
            for j in range(self.per_step):
                instructions = {name: texts[j] or scored[0].instructions[name] for name, texts in proposals.items()}
                if all(instructions != s.instructions for s in scored):
                    scored.append(self.score(session, student, instructions, compared, step=step))
        return self.finish(session, self.best_of(scored), valset, compared)
