"""Bottom-up enumeration by increasing cost with observational-equivalence pruning.

Two banks of expressions grow level by level (integer cost levels):

* the *main* bank: expressions over the parameters, valued on the example inputs;
* one *lambda* bank per element kind (int, str, tuple, ...): expressions over the parameters
  and a bound variable ``x``, valued on a sample of element contexts (example index, element)
  drawn from the inputs. Comprehension blocks combine a main-bank iterable with lambda-bank
  bodies; elements outside the sample are interpreted directly, so pruning on the sample is
  an approximation but every value computed for the main bank is exact.

Within a bank, an expression whose value vector equals an earlier (cheaper) one is dropped.

Speed (every expression tried counts against the budget, so the search order and the pruning
decide the answer; what follows only makes each expression cheaper, with the same outcome):
a production is applied to whole value columns (``map`` over the examples), bounds and type
tag are checked in one pass (:func:`values.checked_tag`), unhashable vectors are keyed by
their ``marshal`` serialization, lambda-bank expressions without ``x`` are computed once per
example (``Node.pj``), lambda bodies on elements outside the sample are compiled to closures
and their values cached per node (``Node.over``), and a node is built only for a new vector.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .dsl import ATOM, PARAM, PRODUCTIONS, VAR, Prod
from .values import (
    ERR,
    HASHABLE_TAGS,
    MAX_LEN,
    Bound,
    bounded,
    canonical_repr,
    checked_tag,
    elem_key,
    infer_tag,
    same,
    spread_key,
    tag_of,
    vector_key,
)

SCALE = 2.0  # integer cost units per nat of -log(probability)
MAX_CONTEXTS = 24  # element contexts per lambda bank


# Blocks whose result is always a bool (skipped in the main bank once every bool vector exists).
BOOL_RESULT = frozenset({
    "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "isdigit", "isalpha", "isupper", "islower",
    "isalnum", "startswith", "endswith", "in", "not_in", "any", "all", "issubset"})


class Stop(Exception):
    """The budget ran out."""


class Node:
    __slots__ = ("prod", "kids", "vals", "cost", "tag", "size", "uses_x", "leaf", "has_err", "ctx", "compiled",
                 "over", "pj")

    def __init__(self, prod: Prod | None, kids: tuple, vals: tuple, cost: int, tag: str, size: int,
                 uses_x: bool, leaf: tuple | None = None, has_err: bool = False) -> None:
        self.prod = prod
        self.kids = kids
        self.vals = vals
        self.cost = cost
        self.tag = tag
        self.size = size
        self.uses_x = uses_x
        self.leaf = leaf
        self.has_err = has_err  # some value is ERR (lambda banks only)
        self.ctx: Any = None  # cached element contexts when iterated by a comprehension
        self.compiled: Callable[[tuple], Any] | None = None  # see compile_node
        self.over: list | None = None  # values in the sample, then in Bank.over contexts (lazily)
        self.pj: tuple | None = None  # lambda bank, no bound variable: one value per Bank.jlist

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
        # Element contexts met outside the sample (by comprehensions), numbered from n on;
        # a lambda body's values there are computed on demand and cached in ``Node.over``.
        self.over: dict = {}
        self.over_envs: list[tuple] = []
        self.over_js: list[int] = []
        # the examples the contexts come from, and each context's position among them
        self.jlist = sorted({j for j, _ in self.contexts})
        self.jpos = tuple(self.jlist.index(j) for j, _ in self.contexts)
        self.jmap = {j: at for at, j in enumerate(self.jlist)}

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
        self.insert(node)
        return True

    def insert(self, node: Node) -> None:
        """Store a node whose key the caller already added to ``seen``."""
        d = self.table.get(node.tag)
        if d is None:
            d = self.table[node.tag] = {}
        lst = d.get(node.cost)
        if lst is None:
            d[node.cost] = [node]
        else:
            lst.append(node)
        lst = self.by_cost.get(node.cost)
        if lst is None:
            self.by_cost[node.cost] = [node]
        else:
            lst.append(node)


def interp(node: Node, env: tuple) -> Any:
    leaf = node.leaf
    if leaf is not None:
        return leaf[1] if leaf[0] == "const" else env[leaf[1]]
    return bounded(node.prod.fn(*[interp(k, env) for k in node.kids]))


def compile_node(node: Node, jmap: dict[int, int]) -> Callable[[int, tuple], Any]:
    """A closure ``c(j, env)`` computing ``interp(node, env)`` for an environment of example
    ``j`` (same values, same exceptions), cached on the node: lambda bodies are re-evaluated
    on elements outside their bank's sample. Parts without the bound variable take their
    value for example ``j`` from ``Node.pj`` (``jmap``: the bank's example -> position)."""
    c = node.compiled
    if c is not None:
        return c
    leaf = node.leaf
    if leaf is not None:
        if leaf[0] == "const":
            value = leaf[1]

            def c(j: int, env: tuple) -> Any:
                return value
        else:
            at = leaf[1]

            def c(j: int, env: tuple) -> Any:
                return env[at]
        node.compiled = c
        return c
    fn = node.prod.fn
    ks = [compile_node(k, jmap) for k in node.kids]
    if len(ks) == 1:
        k0 = ks[0]

        def c(j: int, env: tuple) -> Any:
            return bounded(fn(k0(j, env)))
    elif len(ks) == 2:
        k0, k1 = ks

        def c(j: int, env: tuple) -> Any:
            return bounded(fn(k0(j, env), k1(j, env)))
    else:
        def c(j: int, env: tuple) -> Any:
            return bounded(fn(*[k(j, env) for k in ks]))
    pj = node.pj
    if pj is not None:
        compute = c

        def c(j: int, env: tuple) -> Any:
            at = jmap.get(j)
            if at is None:
                return compute(j, env)
            v = pj[at]
            if v is ERR:  # computing it fails for this example
                raise Bound("lambda failed")
            return v
    node.compiled = c
    return c


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
                items = sorted(v, key=canonical_repr) if t is set else list(v)  # no hash-seed order
                add_container(j, items)
                lists.append(items)
                for e in items[:20]:
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


def _cacheable(e: Any) -> bool:
    """Whether elements equal to ``e`` (of its type) behave alike in every expression: ints and
    strings, and tuples of them (not 1 and True, 0.0 and -0.0), so they can share a context."""
    t = type(e)
    return t is int or t is str or (t is tuple and _INT_STR.issuperset(map(type, e)))


_INT_STR = frozenset({int, str})


def _columns(fn: Callable, cols: list[tuple], any_err: bool) -> tuple[tuple, str, bool] | None:
    """``fn`` over value columns where a failing or ERR argument row gives ERR: the values,
    their tag and whether some is ERR; None when all are."""
    if not any_err:
        try:
            vals = tuple(map(fn, *cols))
            return vals, checked_tag(vals), False
        except Exception:
            pass
    out = []
    for a in zip(*cols):
        if ERR in a:
            out.append(ERR)
            continue
        try:
            out.append(bounded(fn(*a)))
        except Exception:
            out.append(ERR)
    vals = tuple(out)
    has_err = ERR in vals
    if has_err and all(v is ERR for v in vals):
        return None
    return vals, infer_tag(vals), has_err


_MISSING = object()  # not computed yet (Node.over)
_SIZED = frozenset({list, tuple, str, set, dict})
_CACHE_LEN = 16  # longer values computed outside the sample are not cached in Node.over
_RAISED = object()  # computing it raised (Node.over)


class Found(Stop):
    """A consistent program using every parameter was found and the search was asked to stop
    at the first one (nothing found later can be cheaper)."""


# Output types for which ``same(v, o)`` is ``type(v) is type(o) and v == o`` when the types match.
_EXACT_TYPES = frozenset({int, str, bool, type(None)})


class Enumerator:
    """One search: banks, costs and the level loop. ``on_solution`` is told every program whose
    values match all expected outputs.

    With ``stop_at_first`` the search stops at the first consistent program that uses every
    parameter and is found while growing a level: the levels come in increasing cost, so no
    later program is cheaper, and the cheapest-first choice (ties by enumeration order) is the
    same as if the search had finished the level.
    """

    def __init__(self, args: list[tuple], outputs: list[Any], costs: dict[str, int],
                 constants: list[Any], *, max_size: int, deadline: float, max_programs: int,
                 stop_at_first: bool = False) -> None:
        self.args = args
        self.outputs = outputs
        self.nparams = len(args[0]) if args else 0
        self.costs = costs
        self.max_size = max_size
        self.deadline = deadline
        self.max_programs = max_programs
        self.stop_at_first = stop_at_first
        self.explored = 0
        self.target_tag = infer_tag(tuple(outputs))
        self.solutions: list[Node] = []
        self.weak: list[Node] = []
        self.best: tuple[int, Node] | None = None  # (satisfied, node)
        self._compat: dict[str, bool] = {}
        self._bodies: dict[tuple, list[Node]] = {}
        self._seeding = True
        self.main = Bank([tuple(a) for a in args])
        domain = _collect_domain(args)
        self.lambdas: dict[str, Bank] = {
            k: Bank([tuple(args[j]) + (e,) for j, e in ctx], ctx) for k, ctx in domain.items()}
        plain = [p for p in PRODUCTIONS if p.kind == "plain" and p.name in costs]
        self.lam_plain = [p for p in plain if p.lam]
        self.plain = [p for p in plain if self._useful_in_main(p)]
        self.other_prods = [p for p in self.plain if p.name not in BOOL_RESULT]
        self.comps = [p for p in PRODUCTIONS if p.kind != "plain" and p.name in costs]
        self.constants = constants
        min_leaf = min([costs.get(PARAM, 1)] + [costs.get("const:" + repr(c), 99) for c in constants])
        min_comp = min([costs[p.name] for p in self.comps], default=0)
        self.lag = min_leaf + min_comp  # lambda levels trail the main level by this much
        self._seed_leaves()
        self._seeding = False

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
        if not is_main and not uses_x:
            m = len(bank.jlist)
            node.pj = (leaf[1],) * m if leaf[0] == "const" else tuple(self.args[j][leaf[1]] for j in bank.jlist)
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

    def _admit(self, bank: Bank, node: Node, is_main: bool) -> None:
        vals = node.vals
        tag = node.tag
        if is_main:
            self._check_target(node)
        elif all(v is ERR for v in vals):
            return
        else:
            node.has_err = any(v is ERR for v in vals)
        bank.add(node, vector_key(tag, vals))

    def _target_compatible(self, tag: str) -> bool:
        ok = self._compat.get(tag)
        if ok is None:
            t = self.target_tag
            if t == "any" or tag == "any" or tag == t:
                ok = True
            elif t in ("int", "float"):
                ok = tag in ("int", "float")
            else:
                ok = t.startswith("list") and tag.startswith("list")
            self._compat[tag] = ok
        return ok

    def _target_sat(self, vals: tuple, cost: int) -> int:
        """Examples a main-bank value vector satisfies, or -1 when it can neither be consistent
        nor beat the best partial program (counting stops at the first mismatch that decides it)."""
        outputs = self.outputs
        n = len(outputs)
        best = self.best
        if best is None:
            allowed = n
        else:
            need = best[0] if cost < best[1].cost else best[0] + 1
            allowed = n - min(need, n)
        miss = 0
        for v, o in zip(vals, outputs):
            tv = type(v)
            if tv is type(o) and tv in _EXACT_TYPES:
                if v == o:
                    continue
            elif same(v, o):
                continue
            miss += 1
            if miss > allowed:
                return -1
        return n - miss

    def _record(self, node: Node, sat: int) -> None:
        """Note a main-bank program that satisfies ``sat`` examples (see ``_target_sat``)."""
        found = False
        if sat == len(self.outputs):
            if params_used(node) >= self.nparams:
                self.solutions.append(node)
                found = True
            else:
                # consistent but ignores a parameter: likely overfit, kept as a fallback
                self.weak.append(node)
        if self.best is None or (sat, -node.cost) > (self.best[0], -self.best[1].cost):
            self.best = (sat, node)
        if found and self.stop_at_first and not self._seeding:
            raise Found

    def _check_target(self, node: Node) -> None:
        if not self._target_compatible(node.tag):
            return
        sat = self._target_sat(node.vals, node.cost)
        if sat >= 0:
            self._record(node, sat)

    # -- construction ----------------------------------------------------------------------

    def _count(self) -> int:
        """Count one more program against the budget, returning the count."""
        ex = self.explored = self.explored + 1
        if (ex & 127 == 0 and time.monotonic() > self.deadline) or ex >= self.max_programs:
            raise Stop
        return ex

    def _emit_main(self, prod: Prod, cost: int, chunks: Iterator[tuple[tuple, list[Node]]]) -> None:
        """Evaluate ``prod`` on every kid tuple ``prefix + (z,)`` for ``(prefix, zs)`` in
        ``chunks``, z in zs, and admit the results to the main bank."""
        fn = prod.fn
        bank = self.main
        seen = bank.seen
        insert = bank.insert
        max_size = self.max_size
        compat = self._compat
        compatible = self._target_compatible
        target_sat = self._target_sat
        count = self._count
        for prefix, zs in chunks:
            np = len(prefix)
            psize = 1
            for k in prefix:
                psize += k.size
            if np == 1:
                pv0 = prefix[0].vals
            elif np == 2:
                pv0 = prefix[0].vals
                pv1 = prefix[1].vals
            for z in zs:
                size = psize + z.size
                if size > max_size:
                    continue
                count()
                try:
                    if np == 0:
                        vals = tuple(map(fn, z.vals))
                    elif np == 1:
                        vals = tuple(map(fn, pv0, z.vals))
                    else:
                        vals = tuple(map(fn, pv0, pv1, z.vals))
                    tag = checked_tag(vals)
                except Exception:
                    continue
                node = None
                ok = compat.get(tag)
                if ok is None:
                    ok = compatible(tag)
                if ok:
                    sat = target_sat(vals, cost)
                    if sat >= 0:
                        node = Node(prod, prefix + (z,), vals, cost, tag, size, False)
                        self._record(node, sat)
                key = (tag, vals) if tag in HASHABLE_TAGS else vector_key(tag, vals)
                if key in seen:
                    continue
                seen.add(key)
                insert(node or Node(prod, prefix + (z,), vals, cost, tag, size, False))

    def _emit_lambda(self, bank: Bank, prod: Prod, cost: int, chunks: Iterator[tuple[tuple, list[Node]]]) -> None:
        """As ``_emit_main`` for a lambda bank: a failing element makes that value ERR.

        A program without the bound variable has one value per example: it is computed once
        per example (``Node.pj``) and spread over that example's element contexts, which
        gives the same vector as computing it in every context."""
        fn = prod.fn
        seen = bank.seen
        insert = bank.insert
        max_size = self.max_size
        count = self._count
        jpos = bank.jpos
        for prefix, zs in chunks:
            psize = 1
            p_err = p_x = False
            for k in prefix:
                psize += k.size
                p_err = p_err or k.has_err
                p_x = p_x or k.uses_x
            pvals = [k.vals for k in prefix]
            ppj = None if p_x else [k.pj for k in prefix]
            for z in zs:
                size = psize + z.size
                if size > max_size:
                    continue
                count()
                if ppj is None or z.uses_x:
                    got = _columns(fn, pvals + [z.vals], p_err or z.has_err)
                    if got is None:
                        continue
                    vals, tag, has_err = got
                    pj = None
                else:
                    got = _columns(fn, ppj + [z.pj], p_err or z.has_err)
                    if got is None:
                        continue
                    pj, tag, has_err = got
                    vals = tuple(map(pj.__getitem__, jpos))
                if tag in HASHABLE_TAGS:
                    key = (tag, vals)
                elif pj is None:
                    key = vector_key(tag, vals)
                else:
                    key = spread_key(tag, pj, jpos, vals)
                if key in seen:
                    continue
                seen.add(key)
                node = Node(prod, prefix + (z,), vals, cost, tag, size, pj is None, None, has_err)
                node.pj = pj
                insert(node)

    def _chunks(self, bank: Bank, prod: Prod, rem: int, cand: list[list[str]]) -> Iterator[tuple[tuple, list[Node]]]:
        """Kid tuples of total cost ``rem`` for ``prod``, grouped by all but the last kid, in
        the enumeration order (read lazily: the bank grows while they are consumed)."""
        ar = prod.arity
        check = prod.check
        table = bank.table
        if ar == 1:
            for t in cand[0]:
                lst = bank.get(t, rem)
                if lst:
                    yield (), lst
        elif ar == 2:
            comm = prod.commutative
            for t1 in cand[0]:
                d1 = table[t1]
                # (costs below ``rem``: the bank only gains nodes of cost level > rem meanwhile)
                costs1 = sorted(c for c in d1 if c < rem)
                for t2 in cand[1]:
                    if comm and t2 < t1:
                        continue
                    if check is not None and not check(t1, t2):
                        continue
                    d2 = table[t2]
                    for c1 in costs1:
                        c2 = rem - c1
                        if c2 < 1:
                            break
                        if comm and t1 == t2 and c1 > c2:
                            break
                        l2 = d2.get(c2)
                        if not l2:
                            continue
                        l1 = d1[c1]
                        if comm and c1 == c2 and t1 == t2:
                            for i, a in enumerate(l1):
                                yield (a,), l2[i:]
                        else:
                            for a in l1:
                                yield (a,), l2
        else:
            d1s = [(t, table[t]) for t in cand[0]]
            d2s = [(t, table[t]) for t in cand[1]]
            # the third kids' tags allowed after each pair of tags, in ``cand[2]`` order
            d3s = {(t1, t2): [table[t3] for t3 in cand[2] if check is None or check(t1, t2, t3)]
                   for t1 in cand[0] for t2 in cand[1]}
            for c1 in range(1, rem - 1):
                for c2 in range(1, rem - c1):
                    c3 = rem - c1 - c2
                    for t1, d1 in d1s:
                        l1 = d1.get(c1)
                        if not l1:
                            continue
                        for t2, d2 in d2s:
                            l2 = d2.get(c2)
                            if not l2:
                                continue
                            for d3 in d3s[(t1, t2)]:
                                l3 = d3.get(c3)
                                if not l3:
                                    continue
                                for a in l1:
                                    for b in l2:
                                        yield (a, b), l3

    def _grow_plain(self, bank: Bank, level: int, prods: list[Prod], is_main: bool) -> None:
        tags = bank.tags()
        by_pred: dict[Callable, list[str]] = {}  # the tags each argument predicate accepts
        for prod in prods:
            rem = level - self.costs[prod.name]
            if rem < prod.arity:
                continue
            cand = []
            for pred in prod.args:
                ok = by_pred.get(pred)
                if ok is None:
                    ok = by_pred[pred] = [t for t in tags if pred(t)]
                cand.append(ok)
            if any(not c for c in cand):
                continue
            chunks = self._chunks(bank, prod, rem, cand)
            if is_main:
                self._emit_main(prod, level, chunks)
            else:
                self._emit_lambda(bank, prod, level, chunks)

    # -- comprehensions --------------------------------------------------------------------

    def _comp_context(self, lst: Node, lb: Bank) -> list | None:
        """Per example: the iterable's elements, their context numbers in the lambda bank (in
        its sample, else in ``Bank.over``) and a mode (0: all in the sample, 1: not); None
        when an iterable is too long. Cached on the node: one iterable meets many lambda bodies.

        Elements outside the sample share a ``Bank.over`` context when they are equal ints,
        strings or tuples of them (which behave alike in every expression), or when they are
        the same object."""
        ctx = lst.ctx
        if ctx is None:
            ctx = []
            index = lb.index
            over = lb.over
            n = lb.n
            envs = self.main.envs
            for j, seq in enumerate(lst.vals):
                if len(seq) > MAX_LEN:
                    ctx = False
                    break
                items = list(seq)
                idxs = []
                mode = 0
                for e in items:
                    try:
                        key: tuple = (j, type(e), e)
                        i = index.get(key)
                    except TypeError:  # unhashable
                        i = None
                        key = (j, id(e))
                    if i is None:
                        if len(key) == 3 and not _cacheable(e):
                            key = (j, id(e))  # this very object (its context keeps it alive)
                        i = over.get(key)
                        if i is None:
                            i = over[key] = n + len(lb.over_envs)
                            lb.over_envs.append(envs[j] + (e,))
                            lb.over_js.append(j)
                        mode = 1
                    idxs.append(i)
                ctx.append((items, idxs, mode))
            lst.ctx = ctx
        return ctx or None

    def _lambda_values(self, f: Node, lb: Bank, idxs: list, mode: int) -> list:
        """The lambda body ``f`` on each element (by context number): its bank value for
        sampled elements, else computed directly, raising when that fails (values in
        ``Bank.over`` contexts are cached in ``Node.over``). ERR values are left for the caller."""
        if mode == 0:
            return list(map(f.vals.__getitem__, idxs))
        n = lb.n
        ext = f.over
        if ext is None:
            ext = f.over = list(f.vals)
        total = n + len(lb.over_envs)
        if len(ext) < total:
            ext.extend([_MISSING] * (total - len(ext)))
        v = list(map(ext.__getitem__, idxs))
        if _MISSING in v:
            c = compile_node(f, lb.jmap)
            for at, i in enumerate(idxs):
                if v[at] is not _MISSING:
                    continue
                x = ext[i]  # (the same element may come again)
                if x is _MISSING:
                    try:
                        x = c(lb.over_js[i - n], lb.over_envs[i - n])
                    except Exception:
                        x = _RAISED
                    if type(x) not in _SIZED or len(x) <= _CACHE_LEN:
                        ext[i] = x  # (long values are not kept: many would take much memory)
                v[at] = x
        if _RAISED in v:
            raise Bound("lambda failed")
        return v

    def _make_comp(self, prod: Prod, lst: Node, lb: Bank, f: Node | None, p: Node | None, cost: int) -> None:
        size = 1 + lst.size + (f.size if f else 0) + (p.size if p else 0)
        if size > self.max_size:
            return
        self._count()
        ctx = self._comp_context(lst, lb)
        if ctx is None:
            return
        kind = prod.kind
        name = prod.name
        values = self._lambda_values
        vals = []
        try:
            for items, idxs, mode in ctx:
                if kind == "map":
                    v = values(f, lb, idxs, mode)
                    if f.has_err and ERR in v:
                        return
                elif kind == "filter":
                    keep = values(p, lb, idxs, mode)
                    if p.has_err and ERR in keep:
                        return
                    v = [e for e, k in zip(items, keep) if k is True]
                elif kind == "map_filter":
                    keep = values(p, lb, idxs, mode)
                    if p.has_err and ERR in keep:
                        return
                    sel_idxs = [i for i, k in zip(idxs, keep) if k is True]
                    v = values(f, lb, sel_idxs, mode)
                    if f.has_err and ERR in v:
                        return
                else:
                    keys = values(f, lb, idxs, mode)
                    if f.has_err and ERR in keys:
                        return
                    at = keys.__getitem__
                    if name == "sorted_key":
                        v = [items[i] for i in sorted(range(len(items)), key=at)]
                    elif name == "max_key":
                        v = items[max(range(len(items)), key=at)]
                    else:
                        v = items[min(range(len(items)), key=at)]
                vals.append(v)
            vals_t = tuple(vals)
            tag = checked_tag(vals_t)
        except Exception:
            return
        kids = (lst,) + tuple(k for k in (f, p) if k is not None)
        node = Node(prod, kids, vals_t, cost, tag, size, False)
        self._admit(self.main, node, True)

    def _grow_comps(self, level: int) -> None:
        main = self.main
        tags = main.tags()
        # Lambda bodies per (bank, cost, role), kept across levels: the bodies used here cost
        # at most the current lambda level (an iterable costs at least ``min_leaf``), whose
        # nodes are all in by now, and later levels only add costlier ones.
        bodies = self._bodies

        def select(k: str, lb: Bank, cost: int, role: str) -> list[Node]:
            got = bodies.get((k, cost, role))
            if got is None:
                pool = lb.by_cost.get(cost, ())
                if role == "pred":
                    got = [n for n in pool if n.uses_x and n.tag == "bool"]
                elif role == "any":
                    got = [n for n in pool if n.uses_x]
                elif role == "key":
                    got = [n for n in pool if n.uses_x and n.leaf is None
                           and n.tag in ("int", "float", "str", "tuple")]
                else:
                    got = [n for n in pool if n.uses_x and n.leaf is None]
                bodies[(k, cost, role)] = got
            return got

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
                        ps: list[Node | None] = select(k, lb, cf, "pred")
                    elif kind == "map_filter":
                        fs = select(k, lb, cf, "any")
                        ps = select(k, lb, cp, "pred")
                    elif kind == "key":
                        fs = select(k, lb, cf, "key")
                        ps = [None]
                    else:
                        fs = select(k, lb, cf, "body")
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
        budget ran out first (or the search stopped at its first consistent program)."""
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
