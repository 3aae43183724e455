"""All LM accounting: the budget, counted where every call passes (a wrapper around the LM
itself), the per-call counter of a single generation, and token usage as providers report it.

Optimizers (codeloop's and DSPy's alike) reach the LM only through ``dspy.settings.lm``
or an LM they are handed. Wrapping that LM in :class:`MeteredLM` counts every call (cache
hits included: the cap is on calls made, so it does not depend on what is cached) and
every token the provider reports, for proposals, bootstrapping and evaluation alike. A call
that would go over the cap is refused with :class:`~codeloop.exceptions.BudgetExhausted`
before it reaches the LM, and every later call is refused too, so a DSPy optimizer that
swallows per-example errors still stops quickly.

A DSPy callback cannot do this: DSPy logs and ignores exceptions raised in callbacks.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

import dspy
from dspy.utils.callback import BaseCallback
from pydantic import BaseModel, ConfigDict, Field

from ..exceptions import BudgetExhausted, BudgetStop, ConfigError


def usage_tokens(entry: dict[str, Any]) -> int:
    """Tokens in one provider usage record (total, or prompt plus completion)."""
    tokens = entry.get("total_tokens")
    if tokens is None:
        tokens = (entry.get("prompt_tokens") or entry.get("input_tokens") or 0) + \
                 (entry.get("completion_tokens") or entry.get("output_tokens") or 0)
    return int(tokens or 0)


def total_tokens(usage: dict[str, dict[str, Any]]) -> int:
    """Tokens in DSPy's per-model usage totals (``dspy.track_usage().get_total_tokens()``)."""
    return sum(usage_tokens(entry) for entry in usage.values())


class CallCounter(BaseCallback):
    """Counts LM calls (cache hits included) made while it is among the active callbacks.

    A callback, not a wrapper, because it must see the calls of one generation only: DSPy keeps
    callbacks in thread-local settings, so concurrent generations each count their own.
    """

    def __init__(self) -> None:
        self.calls = 0
        self._lock = threading.Lock()

    def on_lm_start(self, call_id: str, instance: Any, inputs: dict[str, Any]) -> None:
        with self._lock:
            self.calls += 1


class Budget(BaseModel):
    """A hard cap on LM calls and/or tokens (``None``: no cap on that measure)."""

    model_config = ConfigDict(frozen=True)

    max_calls: int | None = Field(None, ge=1)
    max_tokens: int | None = Field(None, ge=1)

    @classmethod
    def coerce(cls, value: Budget | int | None, *, caller: str = "budget") -> Budget:
        """A budget from what callers pass: a Budget, an int (a cap on LM calls), or None (no cap)."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
            return cls(max_calls=value)
        raise ConfigError(f"The 'budget' parameter of {caller} must be a Budget, an integer >= 1 (a cap on "
                          f"LM calls) or None (no cap). Got {value!r} instead.")

    def describe(self) -> str:
        parts = [f"{self.max_calls} LM calls" if self.max_calls else "",
                 f"{self.max_tokens} tokens" if self.max_tokens else ""]
        return " and ".join(p for p in parts if p) or "no cap"


class Spend(BaseModel):
    """What was used: LM calls (cache hits included) and tokens reported by the provider."""

    calls: int = 0
    tokens: int = 0

    def __sub__(self, other: Spend) -> Spend:
        return Spend(calls=self.calls - other.calls, tokens=self.tokens - other.tokens)


class Meter:
    """Thread-safe counter of LM use against a :class:`Budget`.

    ``already`` starts the count where an earlier process stopped (a resumed run).
    """

    def __init__(self, budget: Budget | None = None, *, already: Spend | None = None) -> None:
        self.budget = budget or Budget()
        self._calls = already.calls if already else 0
        self._tokens = already.tokens if already else 0
        self._exhausted = False
        self._lock = threading.Lock()

    @property
    def spend(self) -> Spend:
        with self._lock:
            return Spend(calls=self._calls, tokens=self._tokens)

    @property
    def exhausted(self) -> bool:
        with self._lock:
            return self._exhausted or self._over()

    def remaining_calls(self) -> int | None:
        with self._lock:
            return None if self.budget.max_calls is None else max(0, self.budget.max_calls - self._calls)

    def _over(self) -> bool:
        b = self.budget
        return (b.max_calls is not None and self._calls >= b.max_calls) or \
               (b.max_tokens is not None and self._tokens >= b.max_tokens)

    def reserve(self) -> None:
        """Count one call about to be made, or refuse it (and every later one)."""
        with self._lock:
            if self._exhausted or self._over():
                self._exhausted = True
                raise BudgetExhausted(f"LM budget spent ({self.budget.describe()}): "
                                      f"{self._calls} calls and {self._tokens} tokens used")
            self._calls += 1

    def add(self, spend: Spend) -> None:
        """Count what was spent elsewhere (an earlier process of a resumed run)."""
        with self._lock:
            self._calls += spend.calls
            self._tokens += spend.tokens

    def add_tokens(self, tokens: int) -> None:
        with self._lock:
            self._tokens += int(tokens)


class _MeterTracker:
    """A usage tracker that feeds the meter and passes usage on to the tracker it replaced."""

    def __init__(self, meter: Meter, outer: Any) -> None:
        self.meter, self.outer = meter, outer

    def add_usage(self, lm: str, usage_entry: dict[str, Any]) -> None:
        self.meter.add_tokens(usage_tokens(usage_entry))
        if self.outer is not None:
            self.outer.add_usage(lm, usage_entry)


class MeteredLM(dspy.BaseLM):
    """``inner`` with every call counted by ``meter`` (and refused once the budget is spent).

    It forwards everything else to ``inner``: history, kwargs, copies (a copy shares the
    meter, so ``lm.copy(rollout_id=i)`` draws are counted too) and saved state. It fires no
    DSPy callbacks of its own; ``inner`` does, so callback counters see each call once.
    """

    def __init__(self, inner: dspy.BaseLM, meter: Meter) -> None:  # no super().__init__: all state is inner's
        if isinstance(inner, MeteredLM):
            inner = inner.inner
        self.__dict__["inner"] = inner
        self.__dict__["meter"] = meter

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["inner"], name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self.inner, name, value)

    def __repr__(self) -> str:
        return f"MeteredLM({self.inner!r}, budget={self.meter.budget.describe()})"

    # BaseLM defines these on the class, so __getattr__ would never see them.
    model = property(lambda self: self.inner.model)
    model_type = property(lambda self: self.inner.model_type)
    kwargs = property(lambda self: self.inner.kwargs)
    history = property(lambda self: self.inner.history)
    cache = property(lambda self: self.inner.cache)
    callbacks = property(lambda self: [])  # inner's callbacks fire inside inner's call
    supports_function_calling = property(lambda self: self.inner.supports_function_calling)
    supports_reasoning = property(lambda self: self.inner.supports_reasoning)
    supports_response_schema = property(lambda self: self.inner.supports_response_schema)
    supported_params = property(lambda self: self.inner.supported_params)

    def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        self.meter.reserve()
        tracker = _MeterTracker(self.meter, dspy.settings.usage_tracker)
        with dspy.settings.context(usage_tracker=tracker):
            return self.inner(prompt, messages=messages, **kwargs)

    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        self.meter.reserve()
        tracker = _MeterTracker(self.meter, dspy.settings.usage_tracker)
        with dspy.settings.context(usage_tracker=tracker):
            return await self.inner.acall(prompt, messages=messages, **kwargs)

    def forward(self, prompt: Any = None, messages: Any = None, **kwargs: Any) -> Any:
        return self(prompt, messages=messages, **kwargs)

    def copy(self, **kwargs: Any) -> MeteredLM:
        return type(self)(self.inner.copy(**kwargs), self.meter)

    def __copy__(self) -> MeteredLM:
        return type(self)(self.inner, self.meter)

    def __deepcopy__(self, memo: dict) -> MeteredLM:
        return type(self)(self.inner, self.meter)

    def dump_state(self) -> dict[str, Any]:
        return self.inner.dump_state()

    def inspect_history(self, n: int = 1, file: Any = None) -> Any:
        return self.inner.inspect_history(n, file=file)


class StoppingLM(MeteredLM):
    """A metered LM (same meter) whose refused calls raise :class:`~codeloop.exceptions.BudgetStop`.

    Handed to DSPy's optimizers, which catch ``Exception`` per example: a plain
    ``BudgetExhausted`` would be logged and the search would go on, every later call refused.
    """

    def __call__(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        try:
            return super().__call__(prompt, messages=messages, **kwargs)
        except BudgetExhausted as exc:
            raise BudgetStop(str(exc)) from exc

    async def acall(self, prompt: Any = None, *, messages: Any = None, **kwargs: Any) -> Any:
        try:
            return await super().acall(prompt, messages=messages, **kwargs)
        except BudgetExhausted as exc:
            raise BudgetStop(str(exc)) from exc

    def inspect_history(self, n: int = 1, file: Any = None) -> Any:
        """Quiet unless DSPy logs at DEBUG: COPRO calls this inside ``logger.debug`` f-strings,
        which print the whole history to stdout after every candidate."""
        if logging.getLogger("dspy").isEnabledFor(logging.DEBUG):
            return super().inspect_history(n, file=file)
        return None


@contextlib.contextmanager
def budget_stops(meter: Meter) -> Iterator[None]:
    """Turn a stop inside DSPy back into ``BudgetExhausted``; so too any error DSPy raised
    because calls were refused (e.g. ``Evaluate``'s "Execution cancelled" after max_errors)."""
    try:
        yield
    except BudgetStop as stop:
        raise BudgetExhausted(str(stop)) from None
    except BudgetExhausted:
        raise
    except Exception as exc:
        if meter.exhausted:
            raise BudgetExhausted(f"LM budget spent; DSPy then stopped with {exc!r}") from exc
        raise
