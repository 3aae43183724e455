"""Bundled tasks that are small algorithms: stacks, dynamic programming, search, simulation."""

from __future__ import annotations

from ._spec import spec

SPECS = [
    spec(
        "algorithms/balanced_brackets",
        "Decide whether the round, square and curly brackets in the text are properly balanced and "
        "nested; all other characters are ignored.",
        """
        def balanced_brackets(text: str) -> bool:
            pairs = {")": "(", "]": "[", "}": "{"}
            stack = []
            for c in text:
                if c in "([{":
                    stack.append(c)
                elif c in pairs:
                    if not stack or stack.pop() != pairs[c]:
                        return False
            return not stack
        """,
        ["f(a[1], {b: 2})", "(]", "((())", "", "()", ")(", "[{()}]", "{[}]", "abc", "(((())))",
         "([)]", "x = [1, (2, 3)] }"],
    ),
    spec(
        "algorithms/leftmost_index",
        "In a list sorted in increasing order, return the index of the first element equal to the "
        "target, or -1 if it is absent. The search should take logarithmic time.",
        """
        def leftmost_index(nums: list[int], target: int) -> int:
            lo, hi = 0, len(nums)
            while lo < hi:
                mid = (lo + hi) // 2
                if nums[mid] < target:
                    lo = mid + 1
                else:
                    hi = mid
            return lo if lo < len(nums) and nums[lo] == target else -1
        """,
        [([1, 3, 5, 7, 9], 7), ([2, 4, 4, 4, 8], 4), ([1, 2, 3], 10), ([], 1), ([5], 5), ([5], 4),
         ([1, 1, 1, 1], 1), ([-5, -3, 0, 2], -5), ([-5, -3, 0, 2], 2), ([1, 3, 5], 2), ([1, 3, 5], 0),
         ([0, 0, 1, 1, 2, 2], 2)],
    ),
    spec(
        "algorithms/count_inversions",
        "Count the pairs of positions i < j for which the element at i is greater than the element at "
        "j.",
        """
        def count_inversions(nums: list[int]) -> int:
            n = len(nums)
            return sum(1 for i in range(n) for j in range(i + 1, n) if nums[i] > nums[j])
        """,
        [[3, 1, 2], [5, 4, 3, 2, 1], [1, 3, 2, 4, 0], [], [7], [1, 2], [2, 1], [1, 1, 1], [2, 2, 1],
         [-1, -2, -3], [4, 1, 3, 2, 5], [10, 20, 30, 5]],
    ),
    spec(
        "algorithms/max_slice_sum",
        "Return the largest sum of a non-empty run of neighbouring elements of the list, or 0 for an "
        "empty list.",
        """
        def max_slice_sum(nums: list[int]) -> int:
            if not nums:
                return 0
            best = current = nums[0]
            for x in nums[1:]:
                current = max(x, current + x)
                best = max(best, current)
            return best
        """,
        [[3, -4, 5, -2, 6, -10, 4], [1, 2, 3], [-4, -1, -7], [], [5], [-5], [0, 0], [3, -10, 3],
         [-1, 5, -1, 5, -1], [10, -1, -1, 10], [-2, 1], [1, -1, 1, -1, 1]],
    ),
    spec(
        "algorithms/edit_distance",
        "Return the minimum number of single-character insertions, deletions and substitutions needed "
        "to turn the first string into the second.",
        """
        def edit_distance(a: str, b: str) -> int:
            prev = list(range(len(b) + 1))
            for i, ca in enumerate(a, start=1):
                cur = [i]
                for j, cb in enumerate(b, start=1):
                    cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
                prev = cur
            return prev[-1]
        """,
        [("garden", "gardener"), ("planet", "plant"), ("winter", "writer"), ("", ""), ("", "abc"),
         ("abc", ""), ("same", "same"), ("a", "b"), ("ab", "ba"), ("café", "cafe"), ("abcdef", "azced"),
         ("algorithm", "altruistic")],
    ),
    spec(
        "algorithms/common_subsequence_length",
        "Return the length of the longest sequence of characters that appears, in order but not "
        "necessarily contiguously, in both strings.",
        """
        def common_subsequence_length(a: str, b: str) -> int:
            prev = [0] * (len(b) + 1)
            for ca in a:
                cur = [0]
                for j, cb in enumerate(b, start=1):
                    cur.append(prev[j - 1] + 1 if ca == cb else max(prev[j], cur[j - 1]))
                prev = cur
            return prev[-1]
        """,
        [("maple", "apple"), ("programming", "gaming"), ("stone", "longest"), ("", ""), ("", "abc"), ("a", "a"),
         ("ab", "ba"), ("aaaa", "aa"), ("xyz", "zyx"), ("ñandú", "andu"), ("abc", "def"),
         ("banana", "atana")],
    ),
    spec(
        "algorithms/spiral_order",
        "Return the elements of a rectangular matrix (a list of equal-length rows) in clockwise spiral "
        "order, starting at the top-left corner and moving right.",
        """
        def spiral_order(matrix: list[list[int]]) -> list[int]:
            out = []
            rows = [list(r) for r in matrix]
            while rows:
                out.extend(rows.pop(0))
                if rows and rows[0]:
                    for r in rows:
                        out.append(r.pop())
                if rows:
                    out.extend(reversed(rows.pop()))
                if rows and rows[0]:
                    for r in reversed(rows):
                        out.append(r.pop(0))
            return out
        """,
        [[[1, 2, 3], [8, 9, 4], [7, 6, 5]], [[3, 1, 4, 1], [5, 9, 2, 6], [5, 3, 5, 8]],
         [[1, 2], [3, 4], [5, 6]], [], [[7]], [[1, 2, 3]], [[1], [2], [3]], [[1, 2], [3, 4]],
         [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], [[1, 2], [3, 4], [5, 6], [7, 8]], [[0, 0], [0, 0]],
         [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]],
    ),
    spec(
        "algorithms/rotate_clockwise",
        "Rotate a rectangular matrix, given as a list of rows, a quarter turn clockwise.",
        """
        def rotate_clockwise(matrix: list[list[int]]) -> list[list[int]]:
            return [list(row) for row in zip(*matrix[::-1])]
        """,
        [[[1, 2], [3, 4]], [[1, 2, 3], [4, 5, 6]], [[2, 7, 1], [8, 2, 8], [1, 8, 2]], [], [[5]],
         [[1, 2, 3]], [[1], [2], [3]], [[0, 0], [0, 0]], [[1, 0], [0, 1]], [[-1, -2], [-3, -4], [-5, -6]],
         [[1, 2, 3, 4]], [[9, 8], [7, 6]]],
    ),
    spec(
        "algorithms/count_islands",
        "Count the groups of 1 cells in a grid of 0s and 1s, where two 1 cells belong to the same "
        "group when they touch horizontally or vertically.",
        """
        def count_islands(grid: list[list[int]]) -> int:
            seen = set()
            islands = 0
            for r in range(len(grid)):
                for c in range(len(grid[r])):
                    if grid[r][c] == 1 and (r, c) not in seen:
                        islands += 1
                        stack = [(r, c)]
                        seen.add((r, c))
                        while stack:
                            y, x = stack.pop()
                            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                                land = 0 <= ny < len(grid) and 0 <= nx < len(grid[ny]) and grid[ny][nx] == 1
                                if land and (ny, nx) not in seen:
                                    seen.add((ny, nx))
                                    stack.append((ny, nx))
            return islands
        """,
        [[[1, 1, 0, 0], [0, 1, 0, 1], [1, 0, 0, 1]], [[1, 0, 1], [0, 1, 0], [1, 0, 1]],
         [[1, 1, 1], [1, 0, 1], [1, 1, 1]], [], [[0]], [[1]], [[0, 0], [0, 0]], [[1, 1], [1, 1]],
         [[1, 0, 1, 0, 1]], [[1], [0], [1], [1]], [[0, 1, 0], [1, 1, 1], [0, 1, 0]],
         [[1, 0, 0, 1], [1, 0, 0, 1], [1, 1, 1, 1]]],
    ),
    spec(
        "algorithms/merge_intervals",
        "Merge overlapping or touching closed intervals, given as [start, end] pairs in any order, and "
        "return the merged intervals sorted by start.",
        """
        def merge_intervals(intervals: list[list[int]]) -> list[list[int]]:
            merged = []
            for start, end in sorted(intervals):
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            return merged
        """,
        [[[4, 7], [1, 3], [6, 9], [12, 14]], [[5, 7], [1, 2], [2, 4]], [[1, 10], [2, 3], [4, 5]], [],
         [[1, 1]], [[1, 2], [3, 4]], [[3, 4], [1, 2]], [[1, 4], [4, 5]], [[-5, -1], [-2, 0]],
         [[0, 0], [0, 0]], [[1, 5], [2, 3], [6, 8], [7, 9], [10, 10]], [[2, 2], [1, 3]]],
    ),
    spec(
        "algorithms/spreadsheet_column",
        "Return the spreadsheet column label of a positive column number: 1 is 'A', 26 is 'Z', 27 is "
        "'AA', 28 is 'AB', and so on.",
        """
        def spreadsheet_column(n: int) -> str:
            label = ""
            while n > 0:
                n, r = divmod(n - 1, 26)
                label = chr(65 + r) + label
            return label
        """,
        [28, 701, 52, 1, 2, 25, 26, 27, 702, 703, 18278, 16384],
    ),
    spec(
        "algorithms/next_permutation",
        "Return the next arrangement of the list in lexicographic order; if the list is already the "
        "last arrangement (non-increasing), return it sorted in increasing order.",
        """
        def next_permutation(nums: list[int]) -> list[int]:
            a = list(nums)
            i = len(a) - 2
            while i >= 0 and a[i] >= a[i + 1]:
                i -= 1
            if i < 0:
                return sorted(a)
            j = len(a) - 1
            while a[j] <= a[i]:
                j -= 1
            a[i], a[j] = a[j], a[i]
            a[i + 1:] = reversed(a[i + 1:])
            return a
        """,
        [[1, 4, 3, 2], [5, 1, 2], [3, 1, 4, 2], [], [1], [3, 2, 1], [2, 2, 7], [2, 7, 2], [7, 2, 2],
         [1, 2, 3, 6, 5, 4], [2, 2, 2], [0, -1, 1]],
    ),
    spec(
        "algorithms/pascal_row",
        "Return row n (counting from 0) of Pascal's triangle as a list of integers.",
        """
        def pascal_row(n: int) -> list[int]:
            row = [1]
            for _ in range(n):
                row = [a + b for a, b in zip([0] + row, row + [0])]
            return row
        """,
        [4, 6, 3, 0, 1, 2, 5, 10, 15, 20, 7, 12],
    ),
    spec(
        "algorithms/primes_up_to",
        "Return all prime numbers less than or equal to n, in increasing order.",
        """
        def primes_up_to(n: int) -> list[int]:
            if n < 2:
                return []
            is_prime = [True] * (n + 1)
            is_prime[0] = is_prime[1] = False
            for p in range(2, int(n ** 0.5) + 1):
                if is_prime[p]:
                    for multiple in range(p * p, n + 1, p):
                        is_prime[multiple] = False
            return [i for i, flag in enumerate(is_prime) if flag]
        """,
        [30, 10, 50, 0, 1, 2, 3, 4, -5, 100, 97, 25],
    ),
    spec(
        "algorithms/prime_factors",
        "Return the prime factors of an integer n >= 2 in increasing order, each repeated as often as "
        "it divides n; return an empty list for n < 2.",
        """
        def prime_factors(n: int) -> list[int]:
            factors = []
            d = 2
            while n >= 2 and d * d <= n:
                while n % d == 0:
                    factors.append(d)
                    n //= d
                d += 1
            if n >= 2:
                factors.append(n)
            return factors
        """,
        [60, 97, 360, 0, 1, 2, 4, -12, 1024, 999, 2 * 3 * 5 * 7 * 11 * 13, 9973 * 2],
    ),
    spec(
        "algorithms/matrix_product",
        "Multiply two matrices given as lists of rows, where the first has as many columns as the "
        "second has rows.",
        """
        def matrix_product(a: list[list[int]], b: list[list[int]]) -> list[list[int]]:
            return [[sum(x * y for x, y in zip(row, col)) for col in zip(*b)] for row in a]
        """,
        [([[1, 2], [3, 4]], [[5, 6], [7, 8]]), ([[1, 0, 2]], [[1], [2], [3]]), ([[2]], [[3, 4]]),
         ([], [[1]]), ([[1, 2]], [[0], [0]]), ([[1, 0], [0, 1]], [[9, 8], [7, 6]]),
         ([[1], [2]], [[3, 4]]), ([[-1, 2], [3, -4]], [[1, 1], [1, 1]]), ([[0]], [[0]]),
         ([[1, 2, 3], [4, 5, 6]], [[7, 8], [9, 10], [11, 12]]), ([[2, 0], [0, 2]], [[2, 0], [0, 2]]),
         ([[5]], [[-5]])],
    ),
    spec(
        "algorithms/fewest_coins",
        "Return the smallest number of coins from the given denominations (each usable any number of "
        "times) that add up exactly to amount, or -1 if that is impossible.",
        """
        def fewest_coins(coins: list[int], amount: int) -> int:
            best = [0] + [-1] * amount
            for total in range(1, amount + 1):
                options = [best[total - c] for c in coins if c <= total and best[total - c] >= 0]
                if options:
                    best[total] = min(options) + 1
            return best[amount]
        """,
        [([1, 4, 6], 13), ([4], 6), ([1, 3, 4], 6), ([], 0), ([1], 0), ([5], 5), ([], 7), ([3, 7], 5),
         ([2, 5, 10, 1], 27), ([7, 3], 19), ([4, 6], 9), ([1, 5, 10, 25], 63)],
    ),
    spec(
        "algorithms/stair_ways",
        "Count the different ordered sequences of steps, each of a size taken from the given list of "
        "positive step sizes, that climb exactly n stairs.",
        """
        def stair_ways(n: int, steps: list[int]) -> int:
            ways = [1] + [0] * n
            for total in range(1, n + 1):
                ways[total] = sum(ways[total - s] for s in steps if s <= total)
            return ways[n]
        """,
        [(4, [1, 2]), (5, [1, 3]), (10, [2, 5]), (0, [1, 2]), (0, []), (3, []), (1, [2]), (7, [1]),
         (6, [1, 2, 3]), (10, [3]), (12, [3, 4]), (20, [1, 2])],
    ),
    spec(
        "algorithms/evaluate_postfix",
        "Evaluate an arithmetic expression in postfix (reverse Polish) notation given as a list of "
        "tokens: integer literals (possibly negative) and the operators '+', '-' and '*'.",
        """
        def evaluate_postfix(tokens: list[str]) -> int:
            stack = []
            for token in tokens:
                if token in ("+", "-", "*"):
                    right = stack.pop()
                    left = stack.pop()
                    if token == "+":
                        stack.append(left + right)
                    elif token == "-":
                        stack.append(left - right)
                    else:
                        stack.append(left * right)
                else:
                    stack.append(int(token))
            return stack[-1]
        """,
        [["2", "3", "+", "4", "*"], ["4", "6", "+", "2", "-", "3", "*"], ["10", "3", "-"],
         ["7"], ["-4"], ["0", "5", "*"], ["3", "10", "-"], ["-2", "-3", "*"], ["1", "2", "3", "4", "+", "+", "+"],
         ["2", "2", "2", "*", "*"], ["100", "1", "-", "2", "*"], ["6", "-6", "+"]],
    ),
    spec(
        "algorithms/longest_palindrome_substring",
        "Return the longest contiguous substring that reads the same forwards and backwards; among "
        "several of the same length, the one that starts first.",
        """
        def longest_palindrome_substring(s: str) -> str:
            best = ""
            for center in range(2 * len(s) - 1):
                lo, hi = center // 2, (center + 1) // 2
                while lo >= 0 and hi < len(s) and s[lo] == s[hi]:
                    lo -= 1
                    hi += 1
                if hi - lo - 1 > len(best):
                    best = s[lo + 1:hi]
            return best
        """,
        ["bananas", "stackcats", "levels and civic", "", "a", "ab", "aa", "abc", "racecar", "abba x",
         "ñañaña", "xyzzyxabc"],
    ),
    spec(
        "algorithms/max_nesting_depth",
        "Return the maximum nesting depth of the round parentheses in the text, assuming they are "
        "balanced; other characters are ignored.",
        """
        def max_nesting_depth(text: str) -> int:
            depth = best = 0
            for c in text:
                if c == "(":
                    depth += 1
                    best = max(best, depth)
                elif c == ")":
                    depth -= 1
            return best
        """,
        ["(a(b)(c(d)))", "()()()", "f(g(h(x)))", "", "abc", "()", "((()))", "(()(()))", "x(y)z",
         "((a)(b))((c))", "(((((())))))", "(1+(2*3)+((8)/4))+1"],
    ),
    spec(
        "algorithms/topological_order",
        "Order the nodes 0 to n-1 so that for every directed edge (u, v) node u comes before node v, "
        "always choosing the smallest available node next; return None if the edges contain a cycle.",
        """
        import heapq


        def topological_order(n: int, edges: list[tuple[int, int]]) -> list[int] | None:
            indegree = [0] * n
            successors = [[] for _ in range(n)]
            for u, v in edges:
                successors[u].append(v)
                indegree[v] += 1
            ready = [v for v in range(n) if indegree[v] == 0]
            heapq.heapify(ready)
            order = []
            while ready:
                u = heapq.heappop(ready)
                order.append(u)
                for v in successors[u]:
                    indegree[v] -= 1
                    if indegree[v] == 0:
                        heapq.heappush(ready, v)
            return order if len(order) == n else None
        """,
        [(4, [(0, 1), (1, 2), (0, 3)]), (3, [(2, 0), (2, 1)]), (5, [(3, 1), (1, 0), (4, 2)]), (0, []),
         (1, []), (3, []), (2, [(0, 1), (1, 0)]), (1, [(0, 0)]), (4, [(3, 2), (2, 1), (1, 0)]),
         (3, [(0, 1), (0, 1)]), (6, [(1, 4), (0, 4), (2, 5), (5, 3), (3, 4)]),
         (4, [(0, 1), (1, 2), (2, 3), (3, 1)])],
    ),
    spec(
        "algorithms/grid_shortest_path",
        "In a grid of 0 (open) and 1 (wall) cells, return the number of moves up, down, left or right "
        "needed to go from the top-left cell to the bottom-right cell through open cells, or -1 if it "
        "cannot be done (including when either end is a wall).",
        """
        def grid_shortest_path(grid: list[list[int]]) -> int:
            if not grid or grid[0][0] == 1 or grid[-1][-1] == 1:
                return -1
            rows, cols = len(grid), len(grid[0])
            distance = {(0, 0): 0}
            queue = [(0, 0)]
            for r, c in queue:
                if (r, c) == (rows - 1, cols - 1):
                    return distance[(r, c)]
                for nr, nc in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                    if 0 <= nr < rows and 0 <= nc < cols and grid[nr][nc] == 0 and (nr, nc) not in distance:
                        distance[(nr, nc)] = distance[(r, c)] + 1
                        queue.append((nr, nc))
            return -1
        """,
        [[[0, 0, 0], [1, 1, 0], [0, 0, 0]], [[0, 1], [1, 0]], [[0, 0, 1], [1, 0, 1], [1, 0, 0]], [],
         [[0]], [[1]], [[0, 0], [0, 1]], [[0, 0, 0, 0]], [[0], [0], [0]],
         [[0, 1, 0, 0, 0], [0, 1, 0, 1, 0], [0, 0, 0, 1, 0]], [[0, 0], [0, 0]],
         [[0, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 0]]],
    ),
    spec(
        "algorithms/longest_increasing_subsequence",
        "Return the length of the longest strictly increasing subsequence (not necessarily "
        "contiguous) of the list.",
        """
        def longest_increasing_subsequence(nums: list[int]) -> int:
            lengths = []
            for i, x in enumerate(nums):
                lengths.append(1 + max((lengths[j] for j in range(i) if nums[j] < x), default=0))
            return max(lengths, default=0)
        """,
        [[8, 2, 6, 3, 9, 4, 12, 5], [4, 5, 1, 2, 3, 0], [5, 4, 3, 2, 1], [], [7], [2, 2, 2], [1, 2],
         [3, 1, 2], [-1, 3, 4, 5, 2, 2, 2, 2], [3, 10, 2, 11, 4, 12, 5], [6, 1, 7, 2, 8, 3],
         [1, 5, 2, 6, 3, 7]],
    ),
    spec(
        "algorithms/knapsack",
        "Given item weights, item values and a capacity, return the largest total value of a selection "
        "of items, each used at most once, whose total weight does not exceed the capacity.",
        """
        def knapsack(weights: list[int], values: list[int], capacity: int) -> int:
            best = [0] * (capacity + 1)
            for w, v in zip(weights, values):
                for c in range(capacity, w - 1, -1):
                    best[c] = max(best[c], best[c - w] + v)
            return best[capacity]
        """,
        [([1, 3, 4, 5], [1, 4, 5, 7], 7), ([3, 5, 8], [20, 30, 50], 11), ([5], [10], 4), ([], [], 10),
         ([1], [1], 0), ([2, 2, 2], [3, 3, 3], 5), ([1, 1, 1], [5, 5, 5], 3), ([4], [7], 4),
         ([3, 4, 2], [4, 5, 3], 7), ([6, 3, 4, 2], [30, 14, 16, 9], 10), ([1, 2], [0, 0], 3),
         ([2, 3, 5, 7], [1, 5, 2, 4], 9)],
    ),
    spec(
        "algorithms/josephus_survivor",
        "People numbered 1 to n stand in a circle; counting around the circle from person 1, every k-th "
        "person still standing leaves. Return the number of the last person left.",
        """
        def josephus_survivor(n: int, k: int) -> int:
            people = list(range(1, n + 1))
            index = 0
            while len(people) > 1:
                index = (index + k - 1) % len(people)
                people.pop(index)
            return people[0]
        """,
        [(8, 3), (5, 2), (10, 4), (1, 1), (1, 5), (2, 1), (2, 2), (6, 1), (41, 3), (3, 10), (12, 2),
         (20, 7)],
    ),
    spec(
        "algorithms/can_segment",
        "Decide whether the string can be cut into pieces that are all words of the given list (words "
        "may be used more than once); the empty string always can.",
        """
        def can_segment(s: str, words: list[str]) -> bool:
            vocabulary = set(words)
            ok = [True] + [False] * len(s)
            for end in range(1, len(s) + 1):
                ok[end] = any(ok[start] and s[start:end] in vocabulary for start in range(end))
            return ok[len(s)]
        """,
        [("bookcaseload", ["book", "case", "cases", "load"]), ("doghousecat", ["dog", "house", "ca"]),
         ("tentent", ["ten", "tent"]), ("", []), ("", ["a"]), ("a", []), ("a", ["a"]), ("aaaa", ["aa"]),
         ("aaa", ["aa"]), ("aaa", ["aa", "a"]), ("ñandú", ["ña", "ndú"]), ("abc", ["ab", "bc"])],
    ),
    spec(
        "algorithms/subset_sum_count",
        "Count the subsets of positions of the list whose elements add up to the target; the empty "
        "subset counts when the target is 0.",
        """
        def subset_sum_count(nums: list[int], target: int) -> int:
            counts = {0: 1}
            for x in nums:
                updated = dict(counts)
                for total, ways in counts.items():
                    updated[total + x] = updated.get(total + x, 0) + ways
                counts = updated
            return counts.get(target, 0)
        """,
        [([1, 2, 3, 4], 5), ([2, 2, 2], 4), ([5, -1, 1, 3], 4), ([], 0), ([], 1), ([0], 0), ([7], 7),
         ([1, 1, 1, 1], 2), ([6, 21, 5, 14, 4, 3], 9), ([-2, 2], 0), ([10, 20], 15),
         ([1, 2, 3, 4, 5, 6, 7, 8], 10)],
    ),
    spec(
        "algorithms/distinct_arrangements",
        "Return all distinct orderings of the characters of the string, sorted.",
        """
        from itertools import permutations


        def distinct_arrangements(s: str) -> list[str]:
            return sorted({"".join(p) for p in permutations(s)})
        """,
        ["abc", "aab", "dog", "", "a", "aa", "ab", "ba", "aaab", "xyz", "ñn", "abcd"],
    ),
    spec(
        "algorithms/longest_zero_gap",
        "Return the length of the longest run of 0 bits that is bounded by 1 bits on both sides in the "
        "binary representation of the positive integer n, or 0 if there is none.",
        """
        def longest_zero_gap(n: int) -> int:
            bits = bin(n)[2:].strip("0")
            return max((len(run) for run in bits.split("1")), default=0)
        """,
        [137, 74, 2049, 1, 2, 5, 9, 15, 32, 1024 + 1, 328, 2**20 + 2**3],
    ),
    spec(
        "algorithms/max_overlap",
        "Given half-open time intervals [start, end), return the largest number of intervals that are "
        "in progress at the same moment.",
        """
        def max_overlap(intervals: list[list[int]]) -> int:
            events = []
            for start, end in intervals:
                events.append((start, 1))
                events.append((end, -1))
            active = best = 0
            for _, change in sorted(events):
                active += change
                best = max(best, active)
            return best
        """,
        [[[1, 4], [2, 8], [6, 9], [3, 5]], [[1, 5], [2, 6], [3, 7], [8, 9]], [[1, 2], [2, 3], [3, 4]], [],
         [[1, 2]], [[1, 5], [1, 5]], [[1, 10], [2, 3], [4, 5], [6, 7]], [[5, 8], [1, 6]],
         [[0, 1], [0, 1], [0, 1]], [[-5, 0], [-1, 3], [2, 4]], [[1, 3], [3, 5], [2, 4]],
         [[10, 20], [0, 5]]],
    ),
    spec(
        "algorithms/best_trade_profit",
        "Given prices over consecutive days, return the largest profit of buying on one day and "
        "selling on a later day, or 0 if no profitable trade exists.",
        """
        def best_trade_profit(prices: list[int]) -> int:
            best = 0
            lowest = None
            for p in prices:
                if lowest is None or p < lowest:
                    lowest = p
                best = max(best, p - lowest)
            return best
        """,
        [[8, 3, 6, 2, 9, 5], [9, 7, 4, 1], [3, 8, 2, 9], [], [5], [1, 2], [2, 1], [4, 4, 4],
         [1, 100, 0, 50], [10, 12, 5, 16, 1, 3], [2, 4, 1, 7], [6, 6, 2, 2, 7, 1, 3]],
    ),
    spec(
        "algorithms/compress_ranges",
        "Describe a strictly increasing list of integers as a list of strings, writing each maximal "
        "run of consecutive numbers as 'first-last' and a run of a single number as just that number.",
        """
        def compress_ranges(nums: list[int]) -> list[str]:
            out = []
            i = 0
            while i < len(nums):
                j = i
                while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
                    j += 1
                out.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
                i = j + 1
            return out
        """,
        [[1, 2, 3, 5, 7, 8], [0, 2, 4], [10, 11, 12, 13], [], [4], [1, 2], [1, 3], [-3, -2, -1, 1],
         [5, 6, 8, 9, 11], [100, 101, 103, 104, 105], [0, 1], [-10]],
    ),
    spec(
        "algorithms/expand_ranges",
        "Expand a comma-separated list of non-negative integers and inclusive ranges written 'a-b' "
        "(a <= b) into the list of all the numbers it names, in the order written; spaces are ignored "
        "and an empty string names nothing.",
        """
        def expand_ranges(text: str) -> list[int]:
            numbers = []
            for part in text.replace(" ", "").split(","):
                if not part:
                    continue
                if "-" in part:
                    first, last = part.split("-")
                    numbers.extend(range(int(first), int(last) + 1))
                else:
                    numbers.append(int(part))
            return numbers
        """,
        ["1-3,5,7-8", "10, 12-14", "0-0,4", "", "7", "2-2", "1,1,1", "5-9", " 3 - 4 , 6 ", "0,10-12,3",
         "1-1,2-2", "20-25"],
    ),
    spec(
        "algorithms/trapped_rain",
        "Bars of the given non-negative heights stand side by side, each one unit wide; return how "
        "many units of rain water are held between them.",
        """
        def trapped_rain(heights: list[int]) -> int:
            water = 0
            for i, h in enumerate(heights):
                level = min(max(heights[:i + 1]), max(heights[i:]))
                water += level - h
            return water
        """,
        [[3, 0, 1, 0, 4, 0, 2], [2, 5, 1, 3, 1, 4], [3, 0, 3], [], [5], [1, 2],
         [2, 0, 2], [1, 2, 3, 4], [4, 3, 2, 1], [5, 0, 0, 0, 5], [0, 0, 0], [2, 1, 0, 1, 3]],
    ),
    spec(
        "algorithms/look_and_say_next",
        "Return the next term of the look-and-say sequence: read the digit string aloud as runs, "
        "writing for each maximal run of one digit the run length followed by the digit.",
        """
        def look_and_say_next(digits: str) -> str:
            out = ""
            i = 0
            while i < len(digits):
                j = i
                while j < len(digits) and digits[j] == digits[i]:
                    j += 1
                out += str(j - i) + digits[i]
                i = j
            return out
        """,
        ["3112", "2221", "3", "", "1", "11", "21", "13112221", "2222222222", "1234", "9", "10"],
    ),
]
