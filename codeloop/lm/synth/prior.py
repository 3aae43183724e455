"""Priors over building blocks: weights per block name, from demonstration code or instructions.

A :class:`Prior` multiplies the DSL's base weights (:data:`dsl.BASE_WEIGHTS`); the search
turns the combined weights into costs ``-log(weight / total)``, so blocks a prior raises are
explored earlier. Priors combine by multiplying weights (``a * b`` or :meth:`Prior.combine`).

``const:<repr>`` names are blocks too: a prior may introduce literal constants (from a
demonstration's code or a quoted string in an instruction) that the search then uses as leaves.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ... import _pyast
from .dsl import PARAM, VAR, const_block

CODE_BOOST = 6.0  # factor for each block a demonstration uses
INSTRUCTION_BOOST = 3.0  # factor for each block an instruction keyword names


@dataclass(frozen=True)
class Prior:
    """Weights per building-block name; a missing name weighs 1.0 (no change)."""

    weights: Mapping[str, float] = field(default_factory=dict)

    def weight(self, name: str) -> float:
        return float(self.weights.get(name, 1.0))

    def combine(self, other: Prior | None) -> Prior:
        if other is None:
            return self
        merged = dict(self.weights)
        for name, w in other.weights.items():
            merged[name] = merged.get(name, 1.0) * w
        return Prior(merged)

    __mul__ = combine

    def constants(self) -> list[Any]:
        """Literal constants this prior introduces (``const:<repr>`` names with weight > 1)."""
        out = []
        for name, w in sorted(self.weights.items()):
            if name.startswith("const:") and w > 1.0:
                try:
                    out.append(_pyast.literal_eval(name[6:]))
                except (ValueError, SyntaxError):
                    continue
        return out

    @staticmethod
    def from_blocks(blocks: Iterable[str], factor: float) -> Prior:
        return Prior({b: factor for b in set(blocks)})


# ---- from code --------------------------------------------------------------------------

_BINOPS = {
    ast.Add: ("add", "concat"), ast.Sub: ("sub", "set_diff"), ast.Mult: ("mul", "repeat"),
    ast.FloorDiv: ("floordiv",), ast.Mod: ("mod",), ast.Div: ("div",), ast.BitOr: ("set_union",),
    ast.BitAnd: ("set_inter",), ast.BitXor: ("set_symdiff",),
}
_CMPOPS = {
    ast.Eq: ("eq",), ast.NotEq: ("ne",), ast.Lt: ("lt",), ast.LtE: ("le", "issubset"), ast.Gt: ("gt",),
    ast.GtE: ("ge",), ast.In: ("in",), ast.NotIn: ("not_in",),
}
_CALLS = {
    "len": ("len",), "sorted": ("sorted",), "reversed": ("rev",), "sum": ("sum",), "min": ("min", "min2"),
    "max": ("max", "max2"), "any": ("any",), "all": ("all",), "set": ("set",), "list": ("list",),
    "abs": ("abs",), "str": ("str",), "int": ("int",), "range": ("range", "range2", "range_incl"),
    "zip": ("zip",), "enumerate": ("enumerate",), "dict": ("dict", "dict_zip"), "tuple": ("tuple2",),
    "prod": ("prod",), "accumulate": ("accumulate", "running_max"),
}
_METHODS = {
    "lower": ("lower",), "upper": ("upper",), "strip": ("strip",), "capitalize": ("capitalize",),
    "title": ("title",), "swapcase": ("swapcase",), "isdigit": ("isdigit",), "isalpha": ("isalpha",),
    "isupper": ("isupper",), "islower": ("islower",), "isalnum": ("isalnum",), "split": ("split", "split_sep"),
    "join": ("join",), "replace": ("replace",), "startswith": ("startswith",), "endswith": ("endswith",),
    "count": ("count",), "find": ("find",), "index": ("list_index",), "keys": ("keys",),
    "values": ("values",), "items": ("items",), "get": ("get",), "union": ("set_union",),
    "intersection": ("set_inter",), "difference": ("set_diff",), "issubset": ("issubset",),
}


def _comp_blocks(node: ast.AST) -> list[str]:
    gens = node.generators  # type: ignore[attr-defined]
    filtered = any(g.ifs for g in gens)
    elt = node.key if isinstance(node, ast.DictComp) else node.elt  # type: ignore[attr-defined]
    is_identity = isinstance(elt, ast.Name) and any(
        isinstance(g.target, ast.Name) and g.target.id == elt.id for g in gens)
    blocks = [VAR]
    if isinstance(node, ast.DictComp):
        blocks += ["dict", "tuple2", "comp_map"]
    if filtered and is_identity:
        blocks.append("comp_filter")
    elif filtered:
        blocks += ["comp_map_filter", "comp_filter"]
    else:
        blocks.append("comp_map")
    if isinstance(node, ast.SetComp):
        blocks.append("set")
    for g in gens:
        if isinstance(g.target, ast.Tuple):
            blocks.append("index")
    return blocks


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def blocks_in_code(source: str) -> list[str]:
    """Block names used by a piece of Python code (one entry per occurrence)."""
    try:
        tree = _pyast.parse(source)
    except SyntaxError:
        return []
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.AugAssign)):
            out += _BINOPS.get(type(node.op), ())
        elif isinstance(node, ast.UnaryOp):
            out += {ast.Not: ("not",), ast.USub: ("neg",)}.get(type(node.op), ())
        elif isinstance(node, ast.BoolOp):
            out.append("and" if isinstance(node.op, ast.And) else "or")
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                out += _CMPOPS.get(type(op), ())
        elif isinstance(node, ast.IfExp):
            out.append("ite")
        elif isinstance(node, (ast.ListComp, ast.GeneratorExp, ast.SetComp, ast.DictComp)):
            out += _comp_blocks(node)
        elif isinstance(node, ast.For):
            out += [VAR, "comp_map"]
        elif isinstance(node, ast.Call):
            name = _call_name(node.func)
            if isinstance(node.func, ast.Attribute):
                out += _METHODS.get(name or "", ())
                if name in _CALLS and name not in _METHODS:
                    out += _CALLS[name]
            else:
                out += _CALLS.get(name or "", ())
            if any(k.arg == "key" for k in node.keywords):
                out.append({"min": "min_key", "max": "max_key"}.get(name or "", "sorted_key"))
                out.append(VAR)
            if name == "sorted" and any(k.arg == "reverse" for k in node.keywords):
                out.append("sorted_desc")
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Slice):
                s = node.slice
                step = s.step
                if isinstance(step, ast.UnaryOp) and isinstance(step.op, ast.USub) and s.lower is None:
                    out.append("rev")
                elif step is not None:
                    out.append("step")
                elif s.lower is not None and s.upper is not None:
                    out.append("slice")
                elif s.lower is not None:
                    out.append("slice_from")
                else:
                    out.append("slice_to")
            else:
                out += ["index", "dget"]
        elif isinstance(node, ast.Tuple) and isinstance(node.ctx, ast.Load):
            out.append("tuple2")
        elif isinstance(node, ast.arguments):
            out += [PARAM] * len(node.args)
        elif isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool) or (isinstance(v, int) and abs(v) <= 1000) or (
                    isinstance(v, str) and len(v) <= 40):
                out.append(const_block(v))
    return out


def prior_from_code(sources: list[str], *, boost: float = CODE_BOOST) -> Prior:
    """Raise the weight of every block used in the demonstration code by ``boost`` (once per
    block, however often it occurs, so one long demo does not drown the rest)."""
    used: set[str] = set()
    for src in sources:
        used.update(blocks_in_code(src))
    used.discard(PARAM)  # parameters are always there; boosting them only shifts the balance
    return Prior.from_blocks(used, boost)


# ---- from instructions --------------------------------------------------------------------

# Keyword (a regex matched on word starts, case-insensitive) -> blocks it suggests.
KEYWORD_BLOCKS: dict[str, tuple[str, ...]] = {
    r"sort|order|rank": ("sorted", "sorted_key", "sorted_desc"),
    r"revers|backward": ("rev",),
    r"count|how many|number of": ("count", "len", "comp_filter", "sum"),
    r"length|long": ("len",),
    r"unique|distinct|duplicate|dedup": ("set", "len"),
    r"sum|total|add": ("sum", "add"),
    r"product|multipl": ("prod", "mul"),
    r"filter|only|keep|select|remove|drop|exclude|without": ("comp_filter", "comp_map_filter", "not_in"),
    r"even|odd": ("comp_filter", "mod", "const:2", "eq", "const:0", "const:1"),
    r"positive|negative": ("gt", "lt", "const:0", "comp_filter"),
    r"upper ?case|capital": ("upper", "capitalize"),
    r"lower ?case": ("lower",),
    r"vowel": ("const:'aeiou'", "in", "lower", "comp_filter"),
    r"word": ("split", "join", "const:' '", "comp_map"),
    r"char|letter": ("comp_map", "comp_filter", "join", "const:''"),
    r"square": ("mul",),
    r"max|largest|biggest|greatest|highest|longest": ("max", "max2", "max_key"),
    r"min|smallest|lowest|least|shortest": ("min", "min2", "min_key"),
    r"first": ("index", "const:0"),
    r"last": ("index", "const:-1"),
    r"join|concaten|combine|merge": ("join", "concat"),
    r"digit": ("str", "int", "isdigit", "comp_map"),
    r"each|every|all ": ("comp_map", "all"),
    r"any |some|exists|contain": ("any", "in"),
    r"differen|minus|subtract": ("sub", "set_diff"),
    r"absolute|magnitude|distance": ("abs",),
    r"half|divide|average|mean": ("floordiv", "div", "const:2", "len", "sum"),
    r"double|twice": ("mul", "const:2"),
    r"replace|substitut": ("replace",),
    r"strip|trim|whitespace": ("strip",),
    r"split|separat": ("split", "split_sep"),
    r"start|prefix|begin": ("startswith", "slice_to"),
    r"end|suffix": ("endswith", "slice_from"),
    r"common|intersect|both|shared": ("set_inter", "set"),
    r"union|either": ("set_union", "set"),
    r"missing|not in|absent": ("not_in", "set_diff"),
    r"key": ("keys", "dget", "get"),
    r"value": ("values", "items"),
    r"invert|swap|flip": ("items", "tuple2", "dict", "rev"),
    r"running|cumulative|prefix sum": ("accumulate", "running_max"),
    r"equal|same": ("eq",),
    r"palindrom": ("rev", "eq"),
    r"pair|zip|adjacent|consecutive": ("zip", "tuple2", "index"),
    r"position|index": ("enumerate", "list_index", "index"),
    r"range|between|from .* to": ("range2", "range_incl", "le", "ge"),
    r"divisib|multiple|divisor": ("mod", "eq", "const:0", "comp_filter"),
    r"if |otherwise|else|whether|when": ("ite",),
}
_QUOTED = re.compile(r"""(?:'([^'\n]{1,20})'|"([^"\n]{1,20})")""")


def blocks_in_instruction(text: str) -> list[str]:
    low = text.lower()
    out: list[str] = []
    for pattern, blocks in KEYWORD_BLOCKS.items():
        if re.search(r"\b(?:" + pattern + ")", low):
            out += blocks
    for m in _QUOTED.finditer(text):
        out.append(const_block(m.group(1) if m.group(1) is not None else m.group(2)))
    return out


def prior_from_instruction(text: str, *, boost: float = INSTRUCTION_BOOST) -> Prior:
    """Raise the weight of the blocks an instruction's keywords name (see :data:`KEYWORD_BLOCKS`)
    and of quoted literals in it."""
    return Prior.from_blocks(blocks_in_instruction(text), boost)
