"""Bottom-up enumeration by increasing cost with observational-equivalence pruning.

Two banks of expressions grow level by level (integer cost levels):

* the *main* bank: expressions over the parameters, valued on the example inputs;
* one *lambda* bank per element kind (int, str, tuple, ...): expressions over the parameters
  and a bound variable ``x``, valued on a sample of element contexts (example index, element)
  drawn from the inputs. Comprehension blocks combine a main-bank iterable with lambda-bank
  bodies; elements outside the sample are interpreted directly, so pruning on the sample is
  an approximation but every value computed for the main bank is exact.

Within a bank, an expression whose value vector equals an earlier (cheaper) one is dropped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

from .dsl import ATOM, PARAM, PRODUCTIONS, VAR, Prod
from .values import ERR, Bound, bounded, elem_key, guard_len, infer_tag, same, tag_of, vector_key

SCALE = 2.0  # integer cost units per nat of -log(probability)
MAX_CONTEXTS = 24  # element contexts per lambda bank


# Blocks whose result is always a bool (skipped in the main bank once every bool vector exists).
BOOL_RESULT = frozenset({
    "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "isdigit", "isalpha", "isupper", "islower",
    "isalnum", "startswith", "endswith", "in", "not_in", "any", "all", "issubset"})


class Stop(Exception):
    """The budget ran out."""


class Node:
    __slots__ = ("prod", "kids", "vals", "cost", "tag", "size", "uses_x", "leaf")

    def __init__(self, prod: Prod | None, kids: tuple, vals: tuple, cost: int, tag: str, size: int,
                 uses_x: bool, leaf: tuple | None = None) -> None:
        self.prod = prod
        self.kids = kids
        self.vals = vals
        self.cost = cost
        self.tag = tag
        self.size = size
        self.uses_x = uses_x
        self.leaf = leaf

    def blocks(self) -> set[str]:
        out: set[str] = set()
        stack = [self]
        while stack:
            n = stack.pop()
            if n.leaf is not None:
                kind = n.leaf[0]
                out.add(PARAM if kind == "param" else VAR if kind == "var" else "const:" + repr(n.leaf[1]))
            else:
                out.add(n.prod.name)
                stack.extend(n.kids)
        return out


class Bank:
    def __init__(self, envs: list[tuple], contexts: list[tuple[int, Any]] | None = None) -> None:
        self.envs = envs
        self.n = len(envs)
        self.table: dict[str, dict[int, list[Node]]] = {}
        self.seen: set = set()
        self.index: dict = {}
        self.contexts = contexts or []
        for i, (j, e) in enumerate(self.contexts):
            try:
                self.index.setdefault((j, type(e), e), i)
            except TypeError:
                pass
        self.by_cost: dict[int, list[Node]] = {}

    def tags(self) -> list[str]:
        return sorted(self.table)

    def get(self, tag: str, cost: int) -> list[Node]:
        d = self.table.get(tag)
        if d is None:
            return []
        return d.get(cost, [])

    def add(self, node: Node, key: Any) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        self.table.setdefault(node.tag, {}).setdefault(node.cost, []).append(node)
        self.by_cost.setdefault(node.cost, []).append(node)
        return True


def interp(node: Node, env: tuple) -> Any:
    leaf = node.leaf
    if leaf is not None:
        return leaf[1] if leaf[0] == "const" else env[leaf[1]]
    return bounded(node.prod.fn(*[interp(k, env) for k in node.kids]))


def _collect_domain(args: Sequence[tuple]) -> dict[str, list[tuple[int, Any]]]:
    """Element contexts per element kind, drawn from the example inputs."""
    per: dict[str, list[list[Any]]] = {}

    def add_container(j: int, c: Any) -> None:
        key = elem_key(tag_of(c))
        if key is None:
            return
        items = list(c)[:40]
        per.setdefault(key, [[] for _ in args])[j].extend(items)

    for j, row in enumerate(args):
        lists = []
        for v in row:
            t = type(v)
            if t is str and len(v) <= 2000:
                add_container(j, v)
                add_container(j, v.lower())
                add_container(j, v.split())
            elif t is int and v.bit_length() < 64:
                add_container(j, str(abs(v)))
                if 0 <= v <= 40:
                    add_container(j, list(range(v + 1)))
            elif t in (list, tuple, set) and len(v) <= 2000:
                add_container(j, list(v))
                lists.append(list(v))
                for e in list(v)[:20]:
                    if type(e) in (list, tuple, str):
                        add_container(j, list(e) if type(e) is not str else e)
            elif t is dict and len(v) <= 2000:
                add_container(j, list(v))
                add_container(j, list(v.values()))
                add_container(j, list(v.items()))
        for a in lists:
            add_container(j, list(zip(a, a[1:])))
            add_container(j, list(enumerate(a)))
            for b in lists:
                if a is not b:
                    add_container(j, list(zip(a, b)))
    out: dict[str, list[tuple[int, Any]]] = {}
    for key, rows in per.items():
        ctx: list[tuple[int, Any]] = []
        seen: set = set()
        # round-robin over examples so every example is represented
        depth = 0
        while len(ctx) < MAX_CONTEXTS and any(depth < len(r) for r in rows):
            for j, r in enumerate(rows):
                if depth < len(r) and len(ctx) < MAX_CONTEXTS:
                    e = r[depth]
                    try:
                        k = (j, type(e), e)
                        if k in seen:
                            continue
                        seen.add(k)
                    except TypeError:
                        pass
                    ctx.append((j, e))
            depth += 1
        if ctx:
            out[key] = ctx
    return out


class Enumerator:
    """One search: banks, costs and the level loop. ``on_solution`` is told every program whose
    values match all expected outputs."""

    def __init__(self, args: list[tuple], outputs: list[Any], costs: dict[str, int],
                 constants: list[Any], *, max_size: int, deadline: float, max_programs: int) -> None:
        self.args = args
        self.outputs = outputs
        self.nparams = len(args[0]) if args else 0
        self.costs = costs
        self.max_size = max_size
        self.deadline = deadline
        self.max_programs = max_programs
        self.explored = 0
        self.target_tag = infer_tag(tuple(outputs))
        self.solutions: list[Node] = []
        self.weak: list[Node] = []
        self.best: tuple[int, Node] | None = None  # (satisfied, node)
        self.main = Bank([tuple(a) for a in args])
        domain = _collect_domain(args)
        self.lambdas: dict[str, Bank] = {
            k: Bank([tuple(args[j]) + (e,) for j, e in ctx], ctx) for k, ctx in domain.items()}
        plain = [p for p in PRODUCTIONS if p.kind == "plain" and p.name in costs]
        self.lam_plain = [p for p in plain if p.lam]
        self.plain = [p for p in plain if self._useful_in_main(p)]
        self.bool_prods = [p for p in self.plain if p.name in BOOL_RESULT]
        self.other_prods = [p for p in self.plain if p.name not in BOOL_RESULT]
        self.comps = [p for p in PRODUCTIONS if p.kind != "plain" and p.name in costs]
        self.constants = constants
        min_leaf = min([costs.get(PARAM, 1)] + [costs.get("const:" + repr(c), 99) for c in constants])
        min_comp = min([costs[p.name] for p in self.comps], default=0)
        self.lag = min_leaf + min_comp  # lambda levels trail the main level by this much
        self._seed_leaves()

    def _useful_in_main(self, prod: Prod) -> bool:
        """Goal-directed trimming of the main bank: blocks whose results only matter for
        outputs of their own kind are enumerated only when the output is of that kind."""
        t = self.target_tag
        if prod.name == "tuple2":
            return t in ("tuple", "any")
        if prod.name in ("dict", "dict_zip"):
            return t in ("dict", "any", "int", "bool")
        return True

    def _bools_saturated(self) -> bool:
        d = self.main.table.get("bool")
        return d is not None and sum(len(v) for v in d.values()) >= 2 ** self.main.n

    # -- leaves ---------------------------------------------------------------------------

    def _leaf(self, bank: Bank, leaf: tuple, cost: int, uses_x: bool, is_main: bool) -> None:
        vals = (leaf[1],) * bank.n if leaf[0] == "const" else tuple(env[leaf[1]] for env in bank.envs)
        tag = infer_tag(vals)
        node = Node(None, (), vals, cost, tag, 1, uses_x, leaf)
        self._admit(bank, node, is_main)

    def _seed_leaves(self) -> None:
        pc = self.costs.get(PARAM, 1)
        for bank, is_main in [(self.main, True)] + [(b, False) for b in self.lambdas.values()]:
            if not is_main:
                self._leaf(bank, ("var", self.nparams), self.costs.get(VAR, 1), True, False)
            for i in range(self.nparams):
                self._leaf(bank, ("param", i), pc, False, is_main)
            for c in self.constants:
                cost = self.costs.get("const:" + repr(c))
                if cost is not None:
                    self._leaf(bank, ("const", c), cost, False, is_main)

    # -- admission -------------------------------------------------------------------------

    def _tick(self) -> None:
        self.explored += 1
        if self.explored & 127 == 0 and time.monotonic() > self.deadline:
            raise Stop
        if self.explored >= self.max_programs:
            raise Stop

    def _admit(self, bank: Bank, node: Node, is_main: bool) -> None:
        vals = node.vals
        tag = node.tag
        if is_main:
            self._check_target(node)
        elif all(v is ERR for v in vals):
            return
        bank.add(node, vector_key(tag, vals))

    def _target_compatible(self, tag: str) -> bool:
        t = self.target_tag
        if t == "any" or tag == "any" or tag == t:
            return True
        if t in ("int", "float"):
            return tag in ("int", "float")
        return t.startswith("list") and tag.startswith("list")

    def _check_target(self, node: Node) -> None:
        if not self._target_compatible(node.tag):
            return
        sat = sum(1 for v, o in zip(node.vals, self.outputs) if same(v, o))
        if sat == len(self.outputs):
            if params_used(node) >= self.nparams:
                self.solutions.append(node)
            else:
                # consistent but ignores a parameter: likely overfit, kept as a fallback
                self.weak.append(node)
        if self.best is None or (sat, -node.cost) > (self.best[0], -self.best[1].cost):
            self.best = (sat, node)

    # -- construction ----------------------------------------------------------------------

    def _make_plain(self, bank: Bank, prod: Prod, kids: tuple, cost: int, is_main: bool) -> None:
        size = 1
        for k in kids:
            size += k.size
        if size > self.max_size:
            return
        self._tick()
        fn = prod.fn
        if is_main:
            try:
                if len(kids) == 1:
                    vals = tuple([bounded(fn(a)) for a in kids[0].vals])
                elif len(kids) == 2:
                    vals = tuple([bounded(fn(a, b)) for a, b in zip(kids[0].vals, kids[1].vals)])
                else:
                    vals = tuple([bounded(fn(*a)) for a in zip(*[k.vals for k in kids])])
            except Exception:
                return
        else:
            out = []
            for a in zip(*[k.vals for k in kids]):
                if ERR in a:
                    out.append(ERR)
                    continue
                try:
                    out.append(bounded(fn(*a)))
                except Exception:
                    out.append(ERR)
            vals = tuple(out)
        tag = infer_tag(vals)
        uses_x = any(k.uses_x for k in kids)
        self._admit(bank, Node(prod, kids, vals, cost, tag, size, uses_x), is_main)

    def _grow_plain(self, bank: Bank, level: int, prods: list[Prod], is_main: bool) -> None:
        tags = bank.tags()
        for prod in prods:
            rem = level - self.costs[prod.name]
            ar = prod.arity
            if rem < ar:
                continue
            cand = [[t for t in tags if pred(t)] for pred in prod.args]
            if any(not c for c in cand):
                continue
            check = prod.check
            if ar == 1:
                for t in cand[0]:
                    for a in bank.get(t, rem):
                        self._make_plain(bank, prod, (a,), level, is_main)
            elif ar == 2:
                comm = prod.commutative
                table = bank.table
                for t1 in cand[0]:
                    d1 = table[t1]
                    for t2 in cand[1]:
                        if comm and t2 < t1:
                            continue
                        if check is not None and not check(t1, t2):
                            continue
                        d2 = table[t2]
                        for c1 in sorted(d1):
                            c2 = rem - c1
                            if c2 < 1:
                                break
                            if comm and t1 == t2 and c1 > c2:
                                break
                            l2 = d2.get(c2)
                            if not l2:
                                continue
                            l1 = d1[c1]
                            same_list = comm and c1 == c2 and t1 == t2
                            for i, a in enumerate(l1):
                                for b in (l2[i:] if same_list else l2):
                                    self._make_plain(bank, prod, (a, b), level, is_main)
            else:
                for c1 in range(1, rem - 1):
                    for c2 in range(1, rem - c1):
                        c3 = rem - c1 - c2
                        for t1 in cand[0]:
                            l1 = bank.get(t1, c1)
                            if not l1:
                                continue
                            for t2 in cand[1]:
                                l2 = bank.get(t2, c2)
                                if not l2:
                                    continue
                                for t3 in cand[2]:
                                    if check is not None and not check(t1, t2, t3):
                                        continue
                                    l3 = bank.get(t3, c3)
                                    if not l3:
                                        continue
                                    for a in l1:
                                        for b in l2:
                                            for c in l3:
                                                self._make_plain(bank, prod, (a, b, c), level, is_main)

    # -- comprehensions --------------------------------------------------------------------

    def _apply(self, lb: Bank, f: Node, j: int, e: Any) -> Any:
        try:
            idx = lb.index.get((j, type(e), e))
        except TypeError:
            idx = None
        if idx is not None:
            v = f.vals[idx]
            if v is ERR:
                raise Bound("lambda failed")
            return v
        return interp(f, self.main.envs[j] + (e,))

    def _make_comp(self, prod: Prod, lst: Node, lb: Bank, f: Node | None, p: Node | None, cost: int) -> None:
        size = 1 + lst.size + (f.size if f else 0) + (p.size if p else 0)
        if size > self.max_size:
            return
        self._tick()
        kind = prod.kind
        name = prod.name
        apply = self._apply
        vals = []
        try:
            for j, seq in enumerate(lst.vals):
                guard_len(seq)
                if kind == "map":
                    v = [apply(lb, f, j, e) for e in seq]
                elif kind == "filter":
                    v = [e for e in seq if apply(lb, p, j, e) is True]
                elif kind == "map_filter":
                    v = [apply(lb, f, j, e) for e in seq if apply(lb, p, j, e) is True]
                elif name == "sorted_key":
                    v = sorted(seq, key=lambda e, j=j: apply(lb, f, j, e))
                elif name == "max_key":
                    v = max(seq, key=lambda e, j=j: apply(lb, f, j, e))
                else:
                    v = min(seq, key=lambda e, j=j: apply(lb, f, j, e))
                vals.append(bounded(v))
        except Exception:
            return
        vals_t = tuple(vals)
        kids = (lst,) + tuple(k for k in (f, p) if k is not None)
        node = Node(prod, kids, vals_t, cost, infer_tag(vals_t), size, False)
        self._admit(self.main, node, True)

    def _grow_comps(self, level: int) -> None:
        main = self.main
        tags = main.tags()
        for prod in self.comps:
            rem = level - self.costs[prod.name]
            if rem < 2:
                continue
            kind = prod.kind
            iter_tags = [(t, elem_key(t)) for t in tags if prod.args[0](t)]
            iter_tags = [(t, k) for t, k in iter_tags if k is not None and k in self.lambdas]
            if kind == "map_filter":
                splits = [(a, b, rem - a - b) for a in range(1, rem - 1) for b in range(1, rem - a)]
            else:
                splits = [(a, rem - a, 0) for a in range(1, rem)]
            for cl, cf, cp in splits:
                for t, k in iter_tags:
                    lists = main.get(t, cl)
                    if not lists:
                        continue
                    lb = self.lambdas[k]
                    if kind == "filter":
                        fs: list[Node | None] = [None]
                        ps = [n for n in lb.by_cost.get(cf, ()) if n.uses_x and n.tag == "bool"]
                    elif kind == "map_filter":
                        fs = [n for n in lb.by_cost.get(cf, ()) if n.uses_x]
                        ps = [n for n in lb.by_cost.get(cp, ()) if n.uses_x and n.tag == "bool"]
                    elif kind == "key":
                        fs = [n for n in lb.by_cost.get(cf, ()) if n.uses_x and n.leaf is None
                              and n.tag in ("int", "float", "str", "tuple")]
                        ps = [None]
                    else:
                        fs = [n for n in lb.by_cost.get(cf, ()) if n.uses_x and n.leaf is None]
                        ps = [None]
                    if not fs or not ps:
                        continue
                    for lst in lists:
                        for f in fs:
                            for p in ps:
                                self._make_comp(prod, lst, lb, f, p, level)

    # -- the level loop --------------------------------------------------------------------

    def level(self, c: int) -> None:
        lam_level = c - self.lag
        if lam_level >= 1:
            for lb in self.lambdas.values():
                self._grow_plain(lb, lam_level, self.lam_plain, False)
        if self._bools_saturated() and self.target_tag != "bool":
            self._grow_plain(self.main, c, self.other_prods, True)
        else:
            self._grow_plain(self.main, c, self.plain, True)
        self._grow_comps(c)

    def run(self, max_level: int, stop: Callable[[int], bool]) -> bool:
        """Grow level by level until ``stop(level)`` is true after a level; False if the
        budget ran out first."""
        try:
            for c in range(1, max_level + 1):
                self.level(c)
                if stop(c):
                    return True
        except Stop:
            return False
        return True


def costs_from_weights(weights: dict[str, float]) -> dict[str, int]:
    total = sum(w for w in weights.values() if w > 0)
    return {name: max(1, round(SCALE * -math.log(w / total))) for name, w in weights.items() if w > 0}


# ---- rendering ----------------------------------------------------------------------------


def render(node: Node, names: list[str], xname: str, *, as_iter: bool = False) -> tuple[str, int]:
    leaf = node.leaf
    if leaf is not None:
        if leaf[0] == "const":
            v = leaf[1]
            code = repr(v)
            return code, (13 if isinstance(v, (int, float)) and not isinstance(v, bool) and v < 0 else ATOM)
        return (xname if leaf[0] == "var" else names[leaf[1]]), ATOM
    prod = node.prod
    template = prod.iter_template if as_iter and prod.iter_template else prod.template
    if prod.kind == "plain":
        parts = []
        for k, need in zip(node.kids, prod.arg_prec):
            code, prec = render(k, names, xname)
            parts.append(f"({code})" if prec < need else code)
        return template.format(*parts), prod.prec
    lst = node.kids[0]
    code, prec = render(lst, names, xname, as_iter=True)
    parts = [f"({code})" if prec < 3 else code]
    inner_names = names + [xname]
    for k in node.kids[1:]:
        code, prec = render(k, inner_names, xname)
        parts.append(f"({code})" if prec < 3 else code)
    return template.format(*parts, x=xname), prod.prec


def params_used(node: Node) -> int:
    used: set[int] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.leaf is not None:
            if n.leaf[0] == "param":
                used.add(n.leaf[1])
        else:
            stack.extend(n.kids)
    return len(used)


def imports_of(node: Node) -> list[str]:
    out: set[str] = set()
    stack = [node]
    while stack:
        n = stack.pop()
        if n.prod is not None:
            out.update(n.prod.imports)
            stack.extend(n.kids)
    return sorted(out)
