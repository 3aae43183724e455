"""Bundled tasks on lists: filters, maps, folds, slicing, reordering and windows."""

from __future__ import annotations

from ._spec import spec

SPECS = [
    spec(
        "lists/sum_odd_squares",
        "Return the sum of the squares of the odd numbers in the list.",
        """
        def sum_odd_squares(nums: list[int]) -> int:
            return sum(x * x for x in nums if x % 2 == 1)
        """,
        [[1, 2, 3, 4, 5], [10, 7, -3, 8], [2, 9, 11], [], [0], [-1], [2, 4, 6], [1], [5, 5, 5],
         [-7, -8, -9], [1001], [0, 1, 0, 1]],
    ),
    spec(
        "lists/count_negatives",
        "Count how many numbers in the list are strictly below zero.",
        """
        def count_negatives(nums: list[float]) -> int:
            return sum(1 for x in nums if x < 0)
        """,
        [[3, -1, 0, -7, 2], [-5, -5, -5], [1, 2, -3], [], [0], [-1], [5], [0, 0, -0],
         [-100, 100], [1.5, -0.5, -2.25], [-1, -2, -3, -4, 5], [7, 8, 9]],
    ),
    spec(
        "lists/running_max",
        "Return a list whose element i is the largest value among the first i + 1 elements of the "
        "input list.",
        """
        def running_max(nums: list[int]) -> list[int]:
            out = []
            for x in nums:
                out.append(x if not out else max(out[-1], x))
            return out
        """,
        [[1, 3, 2, 5, 4], [5, 4, 3, 2, 1], [-2, 0, -1, 7, 7, 3], [], [9], [-3], [1, 1, 1], [0, -1, 1],
         [-5, -4, -6], [2, 10, 3, 11, 4], [100, -100], [3, 3, 4, 4, 2]],
    ),
    spec(
        "lists/prefix_sums",
        "Return the running totals of the list: element i of the result is the sum of the first "
        "i + 1 input elements.",
        """
        def prefix_sums(nums: list[int]) -> list[int]:
            out = []
            total = 0
            for x in nums:
                total += x
                out.append(total)
            return out
        """,
        [[1, 2, 3, 4], [5, -2, 7], [10, 0, 0, 1], [], [7], [-7], [0, 0], [1, -1, 1, -1], [100, 200, 300],
         [-1, -2, -3], [3, 3, 3, 3, 3], [2, -5, 10, -20]],
    ),
    spec(
        "lists/consecutive_differences",
        "Return the differences between neighbouring elements, each computed as the later element "
        "minus the earlier one.",
        """
        def consecutive_differences(nums: list[int]) -> list[int]:
            return [b - a for a, b in zip(nums, nums[1:])]
        """,
        [[1, 4, 9, 16], [10, 7, 7, 12], [3, 1, 2], [], [5], [2, 2], [-1, 1], [0, -5, 5], [100, 1],
         [1, 2, 3, 4, 5], [-3, -6, -9], [7, 7, 7, 7]],
    ),
    spec(
        "lists/rotate_right",
        "Rotate the list k places to the right, so that the last k elements move to the front. k may "
        "be larger than the length or negative (a left rotation); an empty list stays empty.",
        """
        def rotate_right(items: list, k: int) -> list:
            if not items:
                return []
            k %= len(items)
            return items[-k:] + items[:-k]
        """,
        [([1, 2, 3, 4, 5], 2), (["a", "b", "c"], 1), ([10, 20, 30, 40], 3), ([], 3), ([1], 5),
         ([1, 2, 3], 0), ([1, 2, 3], 3), ([1, 2, 3], 4), ([1, 2, 3], -1), ([1, 2, 3, 4], -6),
         ([None, True], 1), ([1, 1, 2], 2)],
    ),
    spec(
        "lists/chunk",
        "Split the list into consecutive pieces of the given size (at least 1); the last piece may be "
        "shorter.",
        """
        def chunk(items: list, size: int) -> list[list]:
            return [items[i:i + size] for i in range(0, len(items), size)]
        """,
        [([1, 2, 3, 4, 5, 6, 7], 3), (["a", "b", "c", "d"], 2), ([1, 2, 3], 5), ([], 2), ([1], 1),
         ([1, 2], 1), ([1, 2, 3, 4], 4), ([1, 2, 3, 4], 3), ([0, 0, 0], 2), (["x"], 10),
         ([[1], [2], [3]], 2), ([True, False, True], 2)],
    ),
    spec(
        "lists/interleave",
        "Merge two lists by taking elements alternately, starting with the first list; when one list "
        "runs out, the rest of the other is appended.",
        """
        def interleave(a: list, b: list) -> list:
            out = []
            for i in range(max(len(a), len(b))):
                if i < len(a):
                    out.append(a[i])
                if i < len(b):
                    out.append(b[i])
            return out
        """,
        [([1, 2, 3], ["a", "b", "c"]), ([1, 3, 5, 7], [2, 4]), ([0], [9, 8, 7]), ([], []), ([1], []),
         ([], [2]), ([None], [None]), (["x", "y"], ["x", "y"]), ([1, 2], [3, 4, 5, 6]),
         ([[1]], [[2]]), ([True], [False, True]), ([5, 4, 3, 2, 1], [0])],
    ),
    spec(
        "lists/dedupe_keep_order",
        "Remove repeated elements from the list, keeping only the first occurrence of each value and "
        "preserving the original order.",
        """
        def dedupe_keep_order(items: list) -> list:
            seen = set()
            out = []
            for x in items:
                if x not in seen:
                    seen.add(x)
                    out.append(x)
            return out
        """,
        [[3, 1, 3, 2, 1], ["b", "a", "b", "c"], [5, 5, 5, 5], [], [1], [1, 2, 3], [2, 1, 2, 1],
         [0, -0, 0.0], ["A", "a"], [None, None, 1], [-1, 1, -1], ["ñ", "n", "ñ"]],
    ),
    spec(
        "lists/second_largest",
        "Return the second largest distinct value in the list, or None if the list has fewer than two "
        "distinct values.",
        """
        def second_largest(nums: list[int]) -> int | None:
            distinct = sorted(set(nums))
            return distinct[-2] if len(distinct) >= 2 else None
        """,
        [[4, 1, 7, 3], [10, 10, 9, 8], [-2, -5, -1], [], [5], [3, 3, 3], [1, 2], [2, 1], [0, 0, -1],
         [100, 50, 100, 50], [-1, -1, -2, -2], [7, 7, 8]],
    ),
    spec(
        "lists/index_of_min",
        "Return the position of the first occurrence of the smallest element, or -1 for an empty "
        "list.",
        """
        def index_of_min(nums: list[int]) -> int:
            return nums.index(min(nums)) if nums else -1
        """,
        [[4, 2, 7, 2, 9], [10, 20, 5], [-1, -3, -3, 0], [], [8], [1, 1, 1], [5, 4, 3, 2, 1],
         [1, 2, 3], [0, -0], [3, -7, 2, -7], [100], [2, 2, 1]],
    ),
    spec(
        "lists/flatten_once",
        "Concatenate the inner lists of a list of lists, in order, into one list.",
        """
        def flatten_once(lists: list[list]) -> list:
            return [x for sub in lists for x in sub]
        """,
        [[[1, 2], [3], [4, 5, 6]], [["a"], [], ["b", "c"]], [[0], [0], [0]], [], [[]], [[], []],
         [[1]], [[[1, 2]], [[3]]], [[None], [True, False]], [[1, 2, 3]], [["x", "y"], ["z"]],
         [[-1], [], [-2, -3]]],
    ),
    spec(
        "lists/even_position_sum",
        "Add up the elements that sit at even positions (0, 2, 4, ...) of the list.",
        """
        def even_position_sum(nums: list[int]) -> int:
            return sum(nums[::2])
        """,
        [[1, 2, 3, 4, 5], [10, -1, 10, -1], [7, 100], [], [5], [-5], [0, 9, 0, 9], [1, 1, 1, 1, 1, 1],
         [2, 3], [-1, -2, -3], [4, 4, 4], [1000, 1, 1000, 1, 1000]],
    ),
    spec(
        "lists/clamp_all",
        "Limit every number to the range from lo to hi (lo <= hi): values below lo become lo and "
        "values above hi become hi.",
        """
        def clamp_all(nums: list[float], lo: float, hi: float) -> list[float]:
            return [min(max(x, lo), hi) for x in nums]
        """,
        [([1, 5, 10, 15], 3, 12), ([-10, 0, 10], -5, 5), ([7, 8, 9], 0, 100), ([], 0, 1), ([5], 5, 5),
         ([4, 6], 5, 5), ([0], -1, 1), ([-3, -2, -1], -2, -2), ([100, -100], 0, 0), ([2.5, 7.5], 3, 7),
         ([1, 2, 3], 1, 3), ([9, -9, 0], -10, 10)],
    ),
    spec(
        "lists/double_positives",
        "Keep only the strictly positive numbers, each multiplied by two.",
        """
        def double_positives(nums: list[float]) -> list[float]:
            return [2 * x for x in nums if x > 0]
        """,
        [[1, -2, 3, 0, 4], [-1, -2], [5, 5, 0, 5], [], [0], [7], [-7], [100, -100, 50], [1, 2, 3],
         [0.5, -0.5], [-3, 3, -3, 3], [0, 0, 1]],
    ),
    spec(
        "lists/zeros_to_end",
        "Move every zero to the end of the list while keeping the other numbers in their original "
        "order.",
        """
        def zeros_to_end(nums: list[int]) -> list[int]:
            return [x for x in nums if x != 0] + [0] * nums.count(0)
        """,
        [[0, 1, 0, 3, 12], [4, 0, 5, 0, 0, 6], [1, 2, 3], [], [0], [0, 0], [5], [0, -1, 0, -2],
         [1, 0], [0, 1], [7, 0, 7, 0, 7], [-3, 0, 0, 3]],
    ),
    spec(
        "lists/is_nondecreasing",
        "Decide whether each element of the list is less than or equal to the one after it.",
        """
        def is_nondecreasing(nums: list[int]) -> bool:
            return all(a <= b for a, b in zip(nums, nums[1:]))
        """,
        [[1, 2, 2, 5], [3, 1, 2], [-5, -3, 0, 10], [], [4], [2, 2, 2], [2, 1], [1, 2, 3, 2],
         [-1, -1, -2], [0, 0, 1], [10, 20, 30, 40, 50], [1, 3, 2, 4]],
    ),
    spec(
        "lists/count_runs",
        "Count the maximal runs of equal neighbouring elements in the list.",
        """
        def count_runs(items: list) -> int:
            return sum(1 for i in range(len(items)) if i == 0 or items[i] != items[i - 1])
        """,
        [[1, 1, 2, 2, 2, 3, 1], ["a", "a", "b", "a"], [5, 6, 7], [], [0], [4, 4, 4, 4], [1, 2, 1, 2],
         [None, None, 0], [True, True, False], ["x", "X"], [-1, -1, 1, 1, -1], [9, 9, 8, 8, 9, 9]],
    ),
    spec(
        "lists/longest_increasing_run",
        "Return the length of the longest stretch of neighbouring elements in which each element is "
        "strictly greater than the previous one; 0 for an empty list.",
        """
        def longest_increasing_run(nums: list[int]) -> int:
            best = 0
            current = 0
            for i, x in enumerate(nums):
                current = current + 1 if i > 0 and x > nums[i - 1] else 1
                best = max(best, current)
            return best
        """,
        [[1, 2, 3, 1, 2], [5, 4, 3, 2], [1, 3, 5, 7, 2, 4, 6, 8, 10], [], [7], [2, 2, 2], [1, 2],
         [2, 1], [-3, -2, -1, 0], [1, 2, 2, 3, 4], [10, 1, 2, 3, 0, 5], [0, 1, 0, 1, 0, 1]],
    ),
    spec(
        "lists/sort_by_magnitude",
        "Sort the numbers by absolute value, and numbers with the same absolute value with the "
        "negative one first.",
        """
        def sort_by_magnitude(nums: list[int]) -> list[int]:
            return sorted(nums, key=lambda x: (abs(x), x))
        """,
        [[3, -1, -4, 2], [5, -5, 0, 5], [-10, 1, -2, 3], [], [0], [-1], [2, -2, 2, -2], [7, 6, 5],
         [-1, -2, -3], [0, -0, 1], [100, -99, 98], [4, -3, 3, -4]],
    ),
    spec(
        "lists/sort_by_length",
        "Sort the strings from shortest to longest, keeping strings of equal length in their original "
        "order.",
        """
        def sort_by_length(words: list[str]) -> list[str]:
            return sorted(words, key=len)
        """,
        [["banana", "kiwi", "apple", "fig"], ["ccc", "a", "bb"], ["same", "size", "word"], [], [""],
         ["x"], ["ab", "", "a"], ["longest", "long", "lo"], ["ñandú", "té", "café"], ["b", "a"],
         ["  ", "x", ""], ["one", "three", "two", "four"]],
    ),
    spec(
        "lists/majority_element",
        "Return the value that makes up more than half of the list, or None if no value does.",
        """
        def majority_element(items: list) -> object:
            for x in items:
                if items.count(x) * 2 > len(items):
                    return x
            return None
        """,
        [[3, 1, 3, 3, 2], [1, 2, 1, 2], ["a", "b", "a"], [], [7], [1, 1], [1, 2], [2, 2, 1, 1, 2],
         [0, 0, 0, 1, 1, 1], ["x", "x", "x", "y"], [None, 1, None], [5, 6, 7, 5, 5]],
    ),
    spec(
        "lists/merge_sorted",
        "Combine two lists that are each sorted in increasing order into one sorted list containing "
        "all elements of both.",
        """
        def merge_sorted(a: list[int], b: list[int]) -> list[int]:
            return sorted(a + b)
        """,
        [([1, 4, 9], [2, 3, 10]), ([1, 1, 5], [1, 6]), ([-3, 0], [-5, 2, 8]), ([], []), ([1], []),
         ([], [2, 3]), ([5], [5]), ([1, 2, 3], [4, 5, 6]), ([4, 5, 6], [1, 2, 3]), ([0, 0], [0]),
         ([-1], [-2]), ([2, 4, 6, 8], [1, 3, 5, 7])],
    ),
    spec(
        "lists/split_on",
        "Split the list into sublists at each occurrence of sep (which is dropped), like splitting a "
        "string on a separator; n separators always give n + 1 parts.",
        """
        def split_on(items: list, sep: object) -> list[list]:
            parts = [[]]
            for x in items:
                if x == sep:
                    parts.append([])
                else:
                    parts[-1].append(x)
            return parts
        """,
        [([1, 2, 0, 3, 0, 4, 5], 0), (["a", "-", "b", "-", "-", "c"], "-"), ([1, 2, 3], 9), ([], 0),
         ([0], 0), ([0, 0], 0), ([5], 0), ([0, 1], 0), ([1, 0], 0), ([None, 1, None], None),
         (["x", "y"], "y"), ([1, 1, 1], 1)],
    ),
    spec(
        "lists/window_sums",
        "Return the sums of all windows of k neighbouring elements, from left to right (k is at least "
        "1); the result is empty when k exceeds the length of the list.",
        """
        def window_sums(nums: list[int], k: int) -> list[int]:
            return [sum(nums[i:i + k]) for i in range(len(nums) - k + 1)]
        """,
        [([1, 2, 3, 4, 5], 2), ([4, -1, 2, 7], 3), ([10, 20, 30], 1), ([], 1), ([5], 1), ([5], 2),
         ([1, 2, 3], 3), ([1, 2, 3], 4), ([0, 0, 0, 0], 2), ([-1, -2, -3, -4], 2), ([3, 3, 3], 2),
         ([1, -1, 1, -1, 1], 4)],
    ),
    spec(
        "lists/leading_positives",
        "Return the elements at the start of the list up to (not including) the first one that is "
        "zero or negative.",
        """
        def leading_positives(nums: list[float]) -> list[float]:
            out = []
            for x in nums:
                if x <= 0:
                    break
                out.append(x)
            return out
        """,
        [[3, 5, -1, 7], [1, 2, 3], [0, 4, 5], [], [-1], [1], [2, 2, 0, 2], [9, 8, 7, -7],
         [0.5, 0.1, 0.0], [-5, 5], [100, 0], [1, 1, 1, 1]],
    ),
    spec(
        "lists/pairwise_max",
        "Given two lists of the same length, return the list of the larger of the two elements at "
        "each position.",
        """
        def pairwise_max(a: list[float], b: list[float]) -> list[float]:
            return [max(x, y) for x, y in zip(a, b)]
        """,
        [([1, 5, 3], [4, 2, 6]), ([-1, -2], [-3, 0]), ([7, 7, 7], [1, 8, 7]), ([], []), ([0], [0]),
         ([5], [-5]), ([1, 2, 3], [3, 2, 1]), ([-10, 10], [10, -10]), ([2.5, 1], [2, 1.5]),
         ([100, 200], [200, 100]), ([0, 0, 0], [1, -1, 0]), ([9, 8, 7, 6], [6, 7, 8, 9])],
    ),
    spec(
        "lists/last_index_of",
        "Return the position of the last occurrence of target in the list, or -1 if it does not "
        "occur.",
        """
        def last_index_of(items: list, target: object) -> int:
            return max((i for i, x in enumerate(items) if x == target), default=-1)
        """,
        [([1, 2, 3, 2, 1], 2), (["a", "b", "a"], "a"), ([5, 6, 7], 7), ([], 1), ([1], 1), ([1], 2),
         ([3, 3, 3], 3), ([None, 0, None], None), (["x", "y"], "z"), ([0, 1, 0, 1], 0),
         ([[1], [2], [1]], [1]), ([True, 1, 1.0], 1)],
    ),
    spec(
        "lists/product_of_nonzero",
        "Multiply together all the non-zero numbers of the list; the product of no numbers is 1.",
        """
        def product_of_nonzero(nums: list[int]) -> int:
            product = 1
            for x in nums:
                if x != 0:
                    product *= x
            return product
        """,
        [[2, 0, 3, 4], [-1, 5, 0, 0, -2], [7, 1, 1], [], [0], [0, 0, 0], [9], [-3], [-1, -1, -1],
         [10, 10, 10], [1, 2, 3, 4, 5, 6], [0, -4, 0, 2]],
    ),
    spec(
        "lists/transpose",
        "Transpose a rectangular matrix given as a list of equal-length rows, returning the columns as "
        "lists.",
        """
        def transpose(rows: list[list]) -> list[list]:
            return [list(col) for col in zip(*rows)]
        """,
        [[[1, 2, 3], [4, 5, 6]], [[1, 2], [3, 4], [5, 6]], [["a", "b"], ["c", "d"]], [], [[7]],
         [[1, 2, 3]], [[1], [2], [3]], [[0, 0], [0, 0]], [[True, False], [False, True]],
         [[1, -1], [-1, 1]], [["x"]], [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]],
    ),
    spec(
        "lists/count_rises",
        "Count the elements that are strictly greater than the element just before them.",
        """
        def count_rises(nums: list[int]) -> int:
            return sum(1 for a, b in zip(nums, nums[1:]) if b > a)
        """,
        [[1, 3, 2, 4, 5], [5, 4, 3], [1, 1, 2, 2, 3], [], [9], [1, 2], [2, 1], [0, 0, 0],
         [-3, -2, -5, -1], [1, 10, 1, 10, 1], [7, 8, 9, 10], [3, 3, 2, 2]],
    ),
    spec(
        "lists/alternating_sum",
        "Compute the first element minus the second plus the third minus the fourth, and so on.",
        """
        def alternating_sum(nums: list[int]) -> int:
            return sum(nums[::2]) - sum(nums[1::2])
        """,
        [[5, 3, 2, 1], [10, 20, 30], [1, 1, 1, 1, 1], [], [7], [-7], [0, 5], [5, 0], [-1, -2, -3, -4],
         [100, 1], [2, 2], [9, 8, 7, 6, 5, 4]],
    ),
    spec(
        "lists/mode",
        "Return the most frequent value of the list; if several values are equally frequent, the "
        "smallest of them; None for an empty list.",
        """
        def mode(nums: list[int]) -> int | None:
            if not nums:
                return None
            return max(sorted(set(nums)), key=nums.count)
        """,
        [[4, 1, 2, 2, 4, 4], [3, 3, 1, 1], [7, 8, 9], [], [5], [-1, -1, 2], [0, 0, 0], [2, 1, 2, 1],
         [-3, -2, -3, -2], [10, 20, 20, 10, 30, 30], [1, 1, 1, 2, 2, 2, 2], [6, -6]],
    ),
    spec(
        "lists/drop_every_kth",
        "Remove the elements at positions k, 2k, 3k, ... when positions are counted from 1 "
        "(k is at least 1).",
        """
        def drop_every_kth(items: list, k: int) -> list:
            return [x for i, x in enumerate(items, start=1) if i % k != 0]
        """,
        [([1, 2, 3, 4, 5, 6, 7], 3), (["a", "b", "c", "d"], 2), ([10, 20, 30], 5), ([], 2), ([1], 1),
         ([1, 2], 1), ([1, 2], 2), ([0, 0, 0, 0], 4), (["x", "y", "z"], 3), ([5, 6, 7, 8, 9], 2),
         ([None, None], 2), ([1, 2, 3, 4, 5, 6], 6)],
    ),
    spec(
        "lists/evens_then_odds",
        "Reorder the numbers so that all even ones come first and all odd ones after them, each "
        "group keeping its original order.",
        """
        def evens_then_odds(nums: list[int]) -> list[int]:
            return [x for x in nums if x % 2 == 0] + [x for x in nums if x % 2 != 0]
        """,
        [[1, 2, 3, 4, 5, 6], [7, 3, 8, 0], [2, 4, 1], [], [1], [2], [0, -1, -2, -3], [5, 5, 4, 4],
         [-7, -8], [1, 3, 5], [6, 4, 2], [10, 11, 12, 13, 14]],
    ),
]
