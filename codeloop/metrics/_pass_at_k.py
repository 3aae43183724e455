"""The unbiased pass@k estimator of Chen et al. (2021), "Evaluating Large Language Models
Trained on Code": with ``n`` samples of which ``c`` are correct,

    pass@k = 1 - C(n - c, k) / C(n, k) = 1 - prod_{i=n-c+1}^{n} (1 - k / i)

The product form avoids huge binomials; it is evaluated as ``-expm1(sum(log1p(-k / i)))``,
which keeps full relative precision when pass@k is small (product close to 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import numpy.typing as npt

ArrayLike = npt.ArrayLike

# Upper bound on the size of the padded (tasks x terms) work array, per chunk.
_CHUNK_ELEMENTS = 1 << 20


def _as_int_array(name: str, value: ArrayLike, func: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype == bool:
        raise TypeError(f"{func} needs integer {name}, but got {name}={value!r}")
    if np.issubdtype(arr.dtype, np.integer):
        return arr.astype(np.int64)
    if np.issubdtype(arr.dtype, np.floating):
        ok = np.isfinite(arr) & (arr == np.round(arr))
        if not ok.all():
            bad = arr[~ok].flat[0] if arr.ndim else arr.item()
            raise ValueError(f"{func} needs integer {name}, but got {name}={bad!r}")
        return arr.astype(np.int64)
    raise TypeError(f"{func} needs integer {name}, but got {name}={value!r}")


def _where(mask: np.ndarray) -> str:
    """Describe the first offending position of a broadcast array (empty for scalars)."""
    if mask.ndim == 0:
        return ""
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    return f" (at index {index[0] if len(index) == 1 else index})"


def _validate(n: np.ndarray, c: np.ndarray, k: np.ndarray, func: str) -> None:
    bad = (c < 0) | (c > n)
    if bad.any():
        i = np.argwhere(bad)[0] if bad.ndim else ()
        raise ValueError(f"{func} needs 0 <= c <= n, but got n={n[tuple(i)]}, c={c[tuple(i)]}{_where(bad)}")
    bad = k < 1
    if bad.any():
        i = np.argwhere(bad)[0] if bad.ndim else ()
        raise ValueError(f"{func} needs k >= 1, but got k={k[tuple(i)]}{_where(bad)}")
    bad = k > n
    if bad.any():
        i = np.argwhere(bad)[0] if bad.ndim else ()
        raise ValueError(f"{func} needs k <= n, but got n={n[tuple(i)]}, k={k[tuple(i)]}{_where(bad)}")


def _estimate(n: np.ndarray, c: np.ndarray, k: np.ndarray) -> np.ndarray:
    """pass@k for flat, validated int64 arrays of equal length."""
    out = np.ones(n.shape, dtype=np.float64)
    todo = np.flatnonzero(n - c >= k)  # otherwise every k-subset holds a correct sample: 1.0
    if todo.size == 0:
        return out
    c_max = int(c[todo].max())
    if c_max == 0:
        out[todo] = 0.0
        return out
    rows = max(1, _CHUNK_ELEMENTS // c_max)
    j = np.arange(c_max, dtype=np.int64)
    for start in range(0, todo.size, rows):
        idx = todo[start : start + rows]
        nn, cc, kk = n[idx, None], c[idx, None], k[idx, None]
        i = nn - cc + 1 + j  # the terms i = n-c+1 .. n, padded to c_max columns
        used = j < cc
        # Every i > k (i >= n - c + 1 > k, padding i > n >= k), so each log1p is finite.
        logs = np.where(used, np.log1p(-kk / i), 0.0)
        out[idx] = -np.expm1(logs.sum(axis=1))
    return out


@overload
def pass_at_k(n: int, c: int, k: int) -> float: ...
@overload
def pass_at_k(n: ArrayLike, c: ArrayLike, k: ArrayLike) -> float | np.ndarray: ...
def pass_at_k(n: ArrayLike, c: ArrayLike, k: ArrayLike) -> float | np.ndarray:
    """Unbiased estimate of pass@k from ``n`` samples with ``c`` correct.

    Accepts integers or array-likes (broadcast together, computed with numpy); returns a
    ``float`` when all inputs are scalars, else a float64 array of the broadcast shape.
    Returns 1.0 where ``n - c < k``. Raises ``ValueError`` unless ``0 <= c <= n`` and
    ``1 <= k <= n``, naming the offending values.
    """
    func = "pass_at_k"
    n_arr = _as_int_array("n", n, func)
    c_arr = _as_int_array("c", c, func)
    k_arr = _as_int_array("k", k, func)
    n_b, c_b, k_b = np.broadcast_arrays(n_arr, c_arr, k_arr)
    _validate(n_b, c_b, k_b, func)
    result = _estimate(n_b.ravel(), c_b.ravel(), k_b.ravel()).reshape(n_b.shape)
    if n_b.ndim == 0:
        return float(result)
    return result


def mean_pass_at_k(ns: Sequence[int] | ArrayLike, cs: Sequence[int] | ArrayLike, k: int) -> float:
    """Mean pass@k over tasks: ``ns[t]`` samples with ``cs[t]`` correct for each task ``t``.

    ``ns`` may be a single integer when every task has the same number of samples.
    """
    ns_arr = np.asarray(ns)
    cs_arr = np.asarray(cs)
    if cs_arr.ndim != 1 or ns_arr.ndim > 1:
        raise ValueError(
            "mean_pass_at_k needs 1-d cs (one count per task) and ns of the same length or a scalar, "
            f"but got shapes ns={ns_arr.shape}, cs={cs_arr.shape}"
        )
    if cs_arr.size == 0:
        raise ValueError("mean_pass_at_k needs at least one task, but got none")
    if ns_arr.ndim == 1 and ns_arr.shape != cs_arr.shape:
        raise ValueError(f"mean_pass_at_k needs len(ns) == len(cs), but got {ns_arr.size} and {cs_arr.size}")
    if np.ndim(k) != 0:
        raise ValueError(f"mean_pass_at_k needs a single k, but got k={k!r}")
    return float(np.mean(pass_at_k(ns_arr, cs_arr, k)))
