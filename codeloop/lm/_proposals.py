"""The offline backend's answers to instruction-proposal requests: codeloop's own proposers
and DSPy's (COPRO, MIPROv2's grounded proposer and dataset summary, GEPA's reflection, SIMBA's
per-module advice).

A real LM proposes an instruction by reading examples, code, feedback and scores, and writing
words. The synthesizer is moved by words only through its keyword map
(:data:`~codeloop.lm.synth.KEYWORD_BLOCKS`: "sort" favours ``sorted``, "digit" favours
``str``/``int``...). So an answer here reads what the request holds
(:mod:`._proposal_evidence`), weighs the building blocks the tasks call for
(:mod:`._proposal_blocks`), and writes plain phrases the keyword map reads back as exactly
those blocks: an instruction naming the blocks the tasks need makes them cheaper to reach in
the search, one naming blocks they do not need dilutes the prior. That difference is what an
optimizer's evaluation measures and selects on.

Every phrase's effect is computed with :func:`~codeloop.lm.synth.blocks_in_instruction`
itself, and the fixed wording around the phrases (:data:`NEUTRAL_PROSE`) names no block, so
what an answer says is what it does. Sampling (temperature > 0) varies which code is read (a
bootstrap), how many phrases are written and their ranking (Gumbel noise); at temperature 0
an answer depends on the request alone.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, replace

from .. import _pyast
from ._proposal_blocks import UNINFORMATIVE, UNNEEDED, block_weights, code_shares
from ._proposal_evidence import Evidence, code_snippets, gather
from .synth import BASE_WEIGHTS, KEYWORD_BLOCKS, blocks_in_instruction

# Phrases naming building blocks in plain words, at least one per keyword of KEYWORD_BLOCKS.
# Words that trip the keyword map by accident ("values", "summary", "different", "keep",
# "only", "if", "end", "all", "each") are avoided; what each phrase names is computed, not
# assumed (see PHRASES).
_WORDING = (
    "sort the items", "rank the items in order", "reverse the sequence", "read it backward",
    "count the matching items", "use the length", "deduplicate the items", "sum the numbers",
    "take the product", "filter the items", "exclude the unwanted items", "test for even or odd numbers",
    "treat positive and negative numbers apart", "convert to upper case", "convert to lower case",
    "look at the vowels", "work word by word", "work character by character", "square the numbers",
    "take the maximum", "take the minimum", "look at the first item", "look at the last item",
    "join the pieces", "work with the digits", "transform every item", "look for any matching item",
    "subtract one from the other", "take the absolute size", "average the numbers", "double the numbers",
    "replace matching substrings", "strip surrounding whitespace", "split the text", "check the start",
    "check the end", "find the common items", "take the union", "find the missing items",
    "use the dictionary keys", "use the dictionary values", "invert the mapping",
    "compute a running accumulation", "compare for equality", "check for palindromes",
    "pair up adjacent items", "use the index positions", "generate a range of numbers",
    "test divisibility", "choose with if and else",
)

# Fixed wording an answer puts around its phrases: none of it names a building block.
LEAD = "Write a Python function that reproduces the examples and generalizes beyond them."
STEPS = "Useful steps:"
LITERALS = "Useful literals:"
PERSONA = "You are a careful Python programmer."
STAKES = "The code will be run on unseen inputs, so it must generalize rather than memorize the examples."
CLOSE_READING = "Read the examples closely: they are the specification."
DATA_KIND = "The tasks are Python functions given by input/output examples and reference code."
SHARED = "Steps the reference solutions share:"
ARGUMENTS, RESULTS = "Arguments are mostly", "Results are mostly"
RECUR = "Python function tasks from input/output examples; steps that recur:"
PROGRAM = ("The program writes a Python function from input/output examples, a function header and an optional "
           "description, and returns the code.")
MODULE = ("This module writes the code: it reads the examples and the function header and answers with a "
          "complete Python function.")
CALLS_FOR = "Its tasks call for steps such as:"
FAILED_ON = "Earlier attempts failed on {n} tasks."
MISSING = "The instruction does not name steps the failing cases call for:"
NOTHING_TO_FIX = "No failing cases were given, so there is nothing to correct; the instruction stands."
ADVICE = "Given examples like these, the module should"
ADVICE_STEPS = "write code that does what the better attempt did:"
ADVICE_NONE = "reproduce the examples exactly; the better attempt took no step the worse one missed."
#: Every piece of fixed wording (tests check that none names a building block).
NEUTRAL_PROSE = (LEAD, STEPS, LITERALS, PERSONA, STAKES, CLOSE_READING, DATA_KIND, SHARED, ARGUMENTS, RESULTS,
                 RECUR, PROGRAM, MODULE, CALLS_FOR, FAILED_ON, MISSING, UNNEEDED, NOTHING_TO_FIX, ADVICE,
                 ADVICE_STEPS, ADVICE_NONE)
_PROSE_TYPES = {"list": "lists", "str": "strings", "int": "integers", "float": "floats", "bool": "booleans",
                "dict": "dictionaries", "tuple": "tuples", "set": "sets"}


def _fallback(pattern: str) -> str | None:
    """A phrase for a keyword pattern no wording covers (the keyword map may grow)."""
    for alternative in pattern.split("|"):
        word = re.sub(r"[^a-z ]", "", alternative.replace(" ?", " ")).strip()
        if word and re.search(r"\b(?:" + pattern + ")", f"use {word}"):
            return f"use {word}"
    return None


def _phrase_table() -> tuple[tuple[str, frozenset[str]], ...]:
    wording = list(_WORDING)
    for pattern in KEYWORD_BLOCKS:
        if not any(re.search(r"\b(?:" + pattern + ")", w) for w in wording):
            extra = _fallback(pattern)
            if extra:
                wording.append(extra)
    table = [(w, frozenset(blocks_in_instruction(w)) - UNINFORMATIVE) for w in wording]
    return tuple((w, blocks) for w, blocks in table if blocks)


#: Each phrase and the building blocks the keyword map reads in it.
PHRASES: tuple[tuple[str, frozenset[str]], ...] = _phrase_table()

UNRELATED = 0.15  # cost of naming a block of base weight 1.5 (about the median) that nothing asks for


def naming_cost(block: str) -> float:
    """What naming a block costs: boosting it makes programs built with it (right or wrong)
    come earlier, and a block the DSL already weighs heavily shifts the prior more."""
    return UNRELATED * (0.5 + BASE_WEIGHTS.get(block, 1.0) / 3)


MIN_GAIN = 0.25  # a phrase must add at least this much weight to be written
MAX_LITERALS = 3


@dataclass
class Style:
    """How an answer is written: how many phrases, how much noise, any opening sentence."""

    max_phrases: int = 4
    noise: float = 0.0
    opening: str = ""
    closing: str = ""

    @classmethod
    def from_tip(cls, tip: str, rng: random.Random | None, temperature: float) -> Style:
        style = cls(max_phrases=rng.randint(2, 6) if rng else 4, noise=0.3 * min(temperature, 2.0) if rng else 0.0)
        low = tip.lower()
        if any(w in low for w in ("simple", "concise", "clear", "short")):
            style.max_phrases = min(style.max_phrases, 3)
        if any(w in low for w in ("descriptive", "informative", "detail")):
            style.max_phrases = max(style.max_phrases, 6)
            style.closing = CLOSE_READING
        if "creative" in low:
            style.noise = max(style.noise, 0.3) * 2
        if "persona" in low:
            style.opening = PERSONA
        if "stakes" in low:
            style.closing = STAKES
        return style


def choose_phrases(weights: Counter, have: set[str], style: Style, rng: random.Random | None) -> list[str]:
    """Greedy: the phrase adding the most weight (over blocks not yet named, less what naming
    them costs), until none adds :data:`MIN_GAIN`. Noise (sampling) reorders the phrases that
    qualify; it never lets in one that does not."""
    chosen: list[str] = []
    have = set(have)
    for _ in range(style.max_phrases):
        best, best_rank = None, -math.inf
        for phrase, blocks in PHRASES:
            new = blocks - have
            gain = sum(weights[b] - naming_cost(b) for b in new)
            if not new or gain < MIN_GAIN or phrase in chosen:
                continue
            rank = gain
            if rng is not None and style.noise:
                rank += style.noise * -math.log(-math.log(rng.random() or 1e-12))  # Gumbel
            if rank > best_rank:
                best, best_rank = phrase, rank
        if best is None:
            break
        chosen.append(best)
        have |= dict(PHRASES)[best]
    return chosen


def _literals(weights: Counter, have: set[str]) -> list[str]:
    """String constants the evidence favours, written quoted (the keyword map reads quotes)."""
    out = []
    for block, w in _ranked(weights):
        if w < 0.5 or len(out) >= MAX_LITERALS:
            break
        if block.startswith("const:'") and block not in have:
            value = block[7:-1]
            if value and '"' not in value and "\\" not in value and len(value) <= 20:
                out.append(f'"{value}"')
    return out


def _ranked(weights: Counter) -> list[tuple[str, float]]:
    """Heaviest first, ties by name (not by set order, which changes with PYTHONHASHSEED)."""
    return sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))


def lead_of(instruction: str) -> str:
    """The instruction without what an earlier answer added (steps, literals, an opening or
    closing sentence), so rewriting a rewrite does not pile them up."""
    text = instruction.split(STEPS, 1)[0].split(LITERALS, 1)[0]
    for added in (PERSONA, STAKES, CLOSE_READING):
        text = text.replace(added, "")
    return re.sub(r"[ \t]{2,}", " ", text).strip() or LEAD


def _join(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]


class ProposalAnswers:
    """Answers to one proposal request, field by field (the evidence is read once)."""

    def __init__(self, inputs: dict[str, str], temperature: float, seed: int) -> None:
        self.inputs = inputs
        self.evidence: Evidence = gather(inputs)
        self.temperature = temperature
        digest = hashlib.sha256(repr(sorted(inputs.items())).encode()).hexdigest()[:16]
        self.rng = random.Random(f"{seed}:{digest}") if temperature > 0 else None
        self.weights = block_weights(self._sampled(self.evidence))
        self.style = Style.from_tip(self.evidence.tip, self.rng, temperature)

    def _sampled(self, evidence: Evidence) -> Evidence:
        """At temperature > 0, a bootstrap of the code read (so samples weigh it differently)."""
        if self.rng is None or len(evidence.good_code) < 2:
            return evidence
        return replace(evidence, good_code=[self.rng.choice(evidence.good_code) for _ in evidence.good_code])

    # -- what each field gets ---------------------------------------------------------------

    def instruction(self) -> str:
        """A rewritten instruction: the lead of the best instruction known, then the steps."""
        lead = lead_of(self._best_instruction())
        have = set(blocks_in_instruction(lead))
        phrases = choose_phrases(self.weights, have, self.style, self.rng)
        if not phrases and self.rng is not None and not self.evidence.has_data:
            # nothing but an instruction to go on: a sample explores a step or two at random
            phrases = [p for p, _ in self.rng.sample(PHRASES, self.rng.randint(1, 2))]
        literals = _literals(self.weights, have)
        parts = [self.style.opening, lead]
        if phrases:
            parts.append(f"{STEPS} {_join(phrases)}.")
        if literals:
            parts.append(f"{LITERALS} {_join(literals)}.")
        parts.append(self.style.closing)
        return " ".join(p for p in parts if p)

    def _best_instruction(self) -> str:
        if self.evidence.history:
            return max(reversed(self.evidence.history), key=lambda h: h[1])[0]
        return self.evidence.current

    def observations(self, prior: str = "") -> str:
        """What the data shows (MIPROv2's dataset descriptor): types and shared steps."""
        phrases = choose_phrases(self.weights, set(blocks_in_instruction(prior)), Style(max_phrases=6), None)
        if prior and not phrases:
            return "COMPLETE"
        lines = [DATA_KIND]
        kinds = self._types()
        if kinds:
            lines.append(kinds)
        if phrases:
            lines.append(f"{SHARED} {_join(phrases)}.")
        return " ".join(lines)

    def _types(self) -> str:
        args: Counter = Counter()
        outs: Counter = Counter()
        for _, arguments, expected in self.evidence.cases:
            args.update(type(a).__name__ for a in arguments)
            outs[type(expected).__name__] += 1
        parts = []
        for label, counts in ((ARGUMENTS, args), (RESULTS, outs)):
            if counts:
                kind = counts.most_common(1)[0][0]
                parts.append(f"{label} {_PROSE_TYPES.get(kind, 'objects')}.")
        return " ".join(parts)

    def summary(self) -> str:
        phrases = choose_phrases(self.weights, set(), Style(max_phrases=6), None)
        return f"{RECUR} {_join(phrases)}." if phrases else DATA_KIND

    def program_description(self) -> str:
        phrases = choose_phrases(self.weights, set(), Style(max_phrases=4), None)
        return PROGRAM + (f" {CALLS_FOR} {_join(phrases)}." if phrases else "")

    def module_description(self) -> str:
        return MODULE

    def critique(self) -> str:
        """What the failing cases call for that the instruction does not name (ProTeGi's
        "gradient"), and the steps it names that nothing read supports."""
        ev = self.evidence
        if not ev.failures and not ev.failing:
            return NOTHING_TO_FIX
        named = set(blocks_in_instruction(ev.current))
        missing = choose_phrases(self.weights, named, Style(max_phrases=4, noise=self.style.noise), self.rng)
        support = block_weights(replace(ev, current="", history=[]))
        unneeded = [p for p, blocks in PHRASES
                    if p in ev.current and blocks <= named and all(support[b] <= 0 for b in blocks)]
        lines = [FAILED_ON.format(n=max(ev.failures, len({c[0] for c in ev.failing})))]
        if missing:
            lines.append(f"{MISSING} {_join(missing)}.")
        if unneeded:
            lines.append(f"{UNNEEDED} {_join(unneeded)}.")
        return "\n".join(lines)

    def reasoning(self) -> str:
        top = [b for b, w in _ranked(self.weights)[:8] if w > 0]
        return f"{self.evidence.describe()} Blocks the evidence favours: {', '.join(top) or 'none'}."

    def module_advice(self) -> str:
        """SIMBA's advice, per module (a JSON object): the steps the better trajectory's code
        takes that the worse one's does not. Only the trajectories are read; SIMBA also sends
        the example's labels (``oracle_metadata``), which this answer leaves alone."""
        better = _trajectory_code(self.inputs.get("better_program_trajectory", ""),
                                  self.inputs.get("better_program_outputs", ""))
        worse = _trajectory_code(self.inputs.get("worse_program_trajectory", ""),
                                 self.inputs.get("worse_program_outputs", ""))
        taken = set(code_shares(worse)) if worse else set()
        weights = Counter({b: w for b, w in code_shares(better).items() if b not in taken}) if better else Counter()
        phrases = choose_phrases(weights, set(), Style(max_phrases=3), None)
        advice = f"{ADVICE} {ADVICE_STEPS} {_join(phrases)}." if phrases else f"{ADVICE} {ADVICE_NONE}"
        return json.dumps({name: advice for name in _names(self.inputs.get("module_names", ""))})

    def answer(self, field_name: str) -> str:
        name = field_name.lower()
        if name == "module_advice":
            return self.module_advice()
        if "instruction" in name:
            return self.instruction()
        if name == "proposed_prefix_for_output_field":
            return "Code:"
        if name == "observations":
            prior = "\n".join(self.evidence.prose)
            return self.observations(prior)
        if name == "summary":
            return self.summary()
        if name == "program_description":
            return self.program_description()
        if name == "module_description":
            return self.module_description()
        if name in ("critique", "gradient"):
            return self.critique()
        return self.reasoning()


#: Output fields answered here (any field whose name holds "instruction" too).
PROPOSAL_FIELDS = frozenset({"proposed_prefix_for_output_field", "observations", "summary", "program_description",
                             "module_description", "critique", "gradient", "module_advice"})


def _json_or_literal(text: str) -> object:
    for parse in (json.loads, _pyast.literal_eval):
        try:
            return parse(text)
        except (ValueError, SyntaxError, TypeError):
            continue
    return None


def _names(value: str) -> list[str]:
    """Module names as an adapter renders a ``list[str]`` input (JSON, or one per line)."""
    parsed = _json_or_literal(value.strip())
    if isinstance(parsed, list):
        return [str(n) for n in parsed]
    return re.findall(r"[A-Za-z_][\w.\[\]]*", value)


def _trajectory_code(*texts: str) -> list[str]:
    """The code in a SIMBA trajectory and its outputs (JSON with ``code`` fields), or in plain text."""
    found: list[str] = []

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, str(k))
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and "code" in key.lower():
            found.extend(code_snippets(value) or ([value.strip()] if value.strip().startswith("def ") else []))

    for text in texts:
        parsed = _json_or_literal(text.strip()) if text.strip() else None
        if parsed is None:
            found.extend(code_snippets(text))
        else:
            walk(parsed)
    return list(dict.fromkeys(found))


def is_proposal_field(name: str) -> bool:
    return "instruction" in name.lower() or name.lower() in PROPOSAL_FIELDS


def asks_for_fenced_instruction(text: str) -> bool:
    """GEPA's plain reflection prompt: a new instruction wanted inside a ``` block."""
    low = text.lower()
    return "new instruction" in low and "```" in text


def fenced_instruction(text: str, temperature: float, seed: int) -> str:
    """The answer to GEPA's plain prompt: the current instruction is the first fenced block."""
    blocks = re.findall(r"```\n?(.*?)```", text, re.DOTALL)
    current = blocks[0].strip() if blocks else ""
    examples = text.split("```", 3)[3] if text.count("```") >= 4 else text
    answers = ProposalAnswers({"current_instruction": current, "examples_with_feedback": examples}, temperature, seed)
    return f"```\n{answers.instruction()}\n```"
