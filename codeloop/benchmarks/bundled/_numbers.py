"""Bundled tasks on numbers: digits, divisibility, bases, rounding and small statistics."""

from __future__ import annotations

from ._spec import spec

SPECS = [
    spec(
        "numbers/digit_sum",
        "Return the sum of the decimal digits of the absolute value of n.",
        """
        def digit_sum(n: int) -> int:
            return sum(int(d) for d in str(abs(n)))
        """,
        [1234, 9075, -482, 0, 7, -7, 10, 99999, 1000000, -1, 123456789, 505],
    ),
    spec(
        "numbers/reverse_digits",
        "Reverse the order of the decimal digits of n, keeping its sign; leading zeros of the result "
        "disappear.",
        """
        def reverse_digits(n: int) -> int:
            r = int(str(abs(n))[::-1])
            return -r if n < 0 else r
        """,
        [1234, -560, 9081, 0, 5, -5, 10, 100, -1200, 1221, 987654321, 1000001],
    ),
    spec(
        "numbers/is_power_of_two",
        "Decide whether n is a positive integer power of two (1, 2, 4, 8, ...).",
        """
        def is_power_of_two(n: int) -> bool:
            return n > 0 and n & (n - 1) == 0
        """,
        [64, 96, 1024, 0, 1, 2, 3, -2, -8, 6, 4096, 4095],
    ),
    spec(
        "numbers/count_divisors",
        "Count the positive divisors of the positive integer n.",
        """
        def count_divisors(n: int) -> int:
            return sum(1 for d in range(1, n + 1) if n % d == 0)
        """,
        [12, 7, 36, 1, 2, 4, 16, 97, 100, 360, 1000, 30],
    ),
    spec(
        "numbers/is_prime",
        "Decide whether the integer n is a prime number.",
        """
        def is_prime(n: int) -> bool:
            if n < 2:
                return False
            d = 2
            while d * d <= n:
                if n % d == 0:
                    return False
                d += 1
            return True
        """,
        [13, 21, 97, 0, 1, 2, 3, 4, -7, 49, 7919, 7917],
    ),
    spec(
        "numbers/gcd",
        "Return the greatest common divisor of a and b as a non-negative number; the greatest common "
        "divisor of 0 and 0 is 0.",
        """
        def gcd(a: int, b: int) -> int:
            a, b = abs(a), abs(b)
            while b:
                a, b = b, a % b
            return a
        """,
        [(48, 18), (17, 5), (100, 75), (0, 0), (0, 9), (9, 0), (-12, 8), (12, -8), (-6, -4), (1, 1),
         (270, 192), (7, 49)],
    ),
    spec(
        "numbers/lcm",
        "Return the least common multiple of two positive integers.",
        """
        def lcm(a: int, b: int) -> int:
            x, y = a, b
            while y:
                x, y = y, x % y
            return a * b // x
        """,
        [(4, 6), (21, 6), (5, 7), (1, 1), (1, 9), (8, 8), (12, 18), (2, 3), (100, 10), (13, 17),
         (9, 12), (36, 48)],
    ),
    spec(
        "numbers/collatz_steps",
        "Starting from the positive integer n, repeatedly halve it when it is even and replace it by "
        "3n + 1 when it is odd; return how many such steps it takes to reach 1.",
        """
        def collatz_steps(n: int) -> int:
            steps = 0
            while n != 1:
                n = n // 2 if n % 2 == 0 else 3 * n + 1
                steps += 1
            return steps
        """,
        [6, 7, 12, 1, 2, 3, 4, 27, 97, 16, 1024, 31],
    ),
    spec(
        "numbers/binary_string",
        "Return the binary representation of the integer n without any prefix; negative numbers get a "
        "leading minus sign.",
        """
        def binary_string(n: int) -> str:
            return format(n, "b")
        """,
        [10, 255, 6, 0, 1, -1, -10, 2, 1024, 7, 1023, -255],
    ),
    spec(
        "numbers/to_base",
        "Write the non-negative integer n in the given base between 2 and 16, using the digits 0-9 and "
        "then upper-case letters A-F.",
        """
        def to_base(n: int, base: int) -> str:
            digits = "0123456789ABCDEF"
            if n == 0:
                return "0"
            out = ""
            while n > 0:
                n, r = divmod(n, base)
                out = digits[r] + out
            return out
        """,
        [(255, 16), (10, 2), (100, 7), (0, 2), (0, 16), (1, 2), (15, 16), (16, 16), (8, 8), (35, 3),
         (4095, 16), (12345, 10)],
    ),
    spec(
        "numbers/digital_root",
        "Repeatedly replace the non-negative integer n by the sum of its decimal digits until a single "
        "digit remains, and return that digit.",
        """
        def digital_root(n: int) -> int:
            while n >= 10:
                n = sum(int(d) for d in str(n))
            return n
        """,
        [493193, 38, 16, 0, 5, 9, 10, 18, 99999999, 11, 123456789, 1000000000],
    ),
    spec(
        "numbers/sign",
        "Return -1 for a negative number, 0 for zero and 1 for a positive number.",
        """
        def sign(x: float) -> int:
            return (x > 0) - (x < 0)
        """,
        [-42, 17, 0, 1, -1, 0.5, -0.001, 10**12, -(10**12), 3.0, -0.0, 2],
    ),
    spec(
        "numbers/round_to_multiple",
        "Round n to the nearest multiple of the positive integer m; when n lies exactly halfway "
        "between two multiples, round up.",
        """
        def round_to_multiple(n: int, m: int) -> int:
            return (2 * n + m) // (2 * m) * m
        """,
        [(17, 5), (23, 10), (-7, 4), (0, 3), (5, 10), (15, 10), (-5, 10), (-15, 10), (14, 7), (1, 1),
         (-1, 3), (100, 33)],
    ),
    spec(
        "numbers/celsius_to_fahrenheit",
        "Convert a temperature from degrees Celsius to degrees Fahrenheit, rounded to one decimal "
        "place.",
        """
        def celsius_to_fahrenheit(c: float) -> float:
            return round(c * 9 / 5 + 32, 1)
        """,
        [100, 37, -40, 0, 1, -273.15, 21.5, 36.6, -17.8, 1000, 0.1, -1],
    ),
    spec(
        "numbers/is_right_triangle",
        "Decide whether three side lengths, given in any order, form a right triangle with positive "
        "sides.",
        """
        def is_right_triangle(a: int, b: int, c: int) -> bool:
            x, y, z = sorted((a, b, c))
            return x > 0 and x * x + y * y == z * z
        """,
        [(3, 4, 5), (5, 12, 13), (2, 3, 4), (0, 0, 0), (13, 5, 12), (0, 5, 5), (-3, -4, 5), (1, 1, 1),
         (6, 8, 10), (8, 15, 17), (7, 24, 26), (5, 4, 3)],
    ),
    spec(
        "numbers/count_digit",
        "Count how many times the single digit d (0-9) appears in the decimal form of the absolute "
        "value of n.",
        """
        def count_digit(n: int, d: int) -> int:
            return str(abs(n)).count(str(d))
        """,
        [(1231, 1), (90009, 0), (-777, 7), (0, 0), (0, 1), (5, 5), (123456789, 0), (-100, 0),
         (11111, 1), (2024, 2), (98765, 4), (10**10, 0)],
    ),
    spec(
        "numbers/largest_digit",
        "Return the largest decimal digit of the absolute value of n.",
        """
        def largest_digit(n: int) -> int:
            return max(int(c) for c in str(abs(n)))
        """,
        [3814, -502, 1111, 0, 9, -9, 10, 123456780, 909, 7007, 56, -1000],
    ),
    spec(
        "numbers/sum_multiples_in_range",
        "Add up the integers from lo to hi inclusive that are divisible by k (k is positive); the sum "
        "is 0 when lo > hi.",
        """
        def sum_multiples_in_range(lo: int, hi: int, k: int) -> int:
            return sum(x for x in range(lo, hi + 1) if x % k == 0)
        """,
        [(1, 20, 4), (10, 30, 7), (-10, 10, 3), (5, 1, 2), (0, 0, 5), (1, 1, 1), (3, 3, 3), (4, 4, 3),
         (-9, -1, 3), (1, 100, 10), (7, 13, 20), (-5, 5, 1)],
    ),
    spec(
        "numbers/triangular",
        "Return the sum 1 + 2 + ... + n, or 0 when n is 0 or negative.",
        """
        def triangular(n: int) -> int:
            return n * (n + 1) // 2 if n > 0 else 0
        """,
        [4, 10, 7, 0, 1, -3, 2, 100, 1000, -1, 3, 50],
    ),
    spec(
        "numbers/integer_sqrt",
        "Return the largest integer whose square is at most the non-negative integer n.",
        """
        import math


        def integer_sqrt(n: int) -> int:
            return math.isqrt(n)
        """,
        [17, 81, 99, 0, 1, 2, 3, 4, 10**6, 10**6 - 1, 123456789, 48],
    ),
    spec(
        "numbers/fibonacci",
        "Return the n-th Fibonacci number, where the 0th is 0, the 1st is 1 and each later one is "
        "the sum of the two before it.",
        """
        def fibonacci(n: int) -> int:
            a, b = 0, 1
            for _ in range(n):
                a, b = b, a + b
            return a
        """,
        [10, 6, 15, 0, 1, 2, 3, 20, 50, 90, 7, 30],
    ),
    spec(
        "numbers/count_set_bits",
        "Count the 1 bits in the binary representation of the non-negative integer n.",
        """
        def count_set_bits(n: int) -> int:
            return bin(n).count("1")
        """,
        [13, 255, 1024, 0, 1, 2, 3, 7, 2**40, 2**40 - 1, 170, 12345],
    ),
    spec(
        "numbers/closest_to_zero",
        "Return the number of the list closest to zero, preferring the positive one when a positive "
        "and a negative number are equally close; None for an empty list.",
        """
        def closest_to_zero(nums: list[int]) -> int | None:
            if not nums:
                return None
            return min(nums, key=lambda x: (abs(x), -x))
        """,
        [[7, -2, 5, 3], [-4, 4, 9], [10, -10, -3], [], [5], [-5], [0, 1, -1], [-1, -2, -3],
         [100, 99, 101], [2, -2], [-6, 8, -6], [3, 3, -3]],
    ),
    spec(
        "numbers/mean_rounded",
        "Return the arithmetic mean of the numbers rounded to two decimal places, or None for an "
        "empty list.",
        """
        def mean_rounded(nums: list[float]) -> float | None:
            if not nums:
                return None
            return round(sum(nums) / len(nums), 2)
        """,
        [[1, 2, 3, 4], [10, 20, 25], [2.5, 3.5, 1.0], [], [7], [-1, 1], [1, 1, 2], [0, 0, 0],
         [-3, -4], [100, 0, 0], [1, 2], [0.1, 0.2, 0.3]],
    ),
    spec(
        "numbers/median",
        "Return the median of a non-empty list of numbers as a float: the middle value after sorting, "
        "or the average of the two middle values when the count is even.",
        """
        def median(nums: list[float]) -> float:
            s = sorted(nums)
            mid = len(s) // 2
            if len(s) % 2 == 1:
                return float(s[mid])
            return (s[mid - 1] + s[mid]) / 2
        """,
        [[5, 1, 3], [4, 1, 3, 2], [10, 2, 38, 23, 38, 23, 21], [7], [1, 2], [-1, -3], [0, 0, 0, 0],
         [2.5, 1.5], [100, -100, 0], [1, 1, 2, 2], [9, 8, 7, 6, 5, 4], [3, 3]],
    ),
    spec(
        "numbers/digits_of",
        "Return the decimal digits of the non-negative integer n as a list, most significant first.",
        """
        def digits_of(n: int) -> list[int]:
            return [int(c) for c in str(n)]
        """,
        [4096, 321, 7000, 0, 5, 10, 99, 1234567890, 101, 8, 1000000, 55555],
    ),
    spec(
        "numbers/from_digits",
        "Build the integer whose decimal digits, most significant first, are the numbers of the list; "
        "an empty list gives 0.",
        """
        def from_digits(digits: list[int]) -> int:
            n = 0
            for d in digits:
                n = n * 10 + d
            return n
        """,
        [[4, 0, 9, 6], [3, 2, 1], [0, 0, 7], [], [0], [5], [1, 0], [9, 9, 9, 9], [1, 2, 3, 4, 5, 6, 7, 8, 9],
         [1, 0, 0], [7, 0, 0, 0], [2, 0, 2, 4]],
    ),
    spec(
        "numbers/is_perfect_square",
        "Decide whether the integer n is the square of an integer.",
        """
        import math


        def is_perfect_square(n: int) -> bool:
            return n >= 0 and math.isqrt(n) ** 2 == n
        """,
        [49, 50, 144, 0, 1, 2, -4, 10**10, 10**10 + 1, 15, 16, 625],
    ),
    spec(
        "numbers/next_multiple",
        "Return the smallest multiple of the positive integer k that is strictly greater than n.",
        """
        def next_multiple(n: int, k: int) -> int:
            return (n // k + 1) * k
        """,
        [(17, 5), (20, 5), (3, 10), (0, 1), (0, 7), (-1, 3), (-3, 3), (-7, 5), (99, 100), (100, 100),
         (1, 1), (12, 12)],
    ),
    spec(
        "numbers/sum_proper_divisors",
        "Add up the positive divisors of the positive integer n that are smaller than n itself.",
        """
        def sum_proper_divisors(n: int) -> int:
            return sum(d for d in range(1, n) if n % d == 0)
        """,
        [12, 28, 15, 1, 2, 3, 6, 97, 100, 220, 284, 496],
    ),
    spec(
        "numbers/alternating_digit_sum",
        "Add the decimal digits of the absolute value of n with alternating signs, starting with a plus "
        "sign at the most significant digit.",
        """
        def alternating_digit_sum(n: int) -> int:
            return sum(int(c) if i % 2 == 0 else -int(c) for i, c in enumerate(str(abs(n))))
        """,
        [12345, 9182, -707, 0, 5, -5, 10, 19, 11, 909090, 123, 1000001],
    ),
    spec(
        "numbers/percent_change",
        "Return the percentage change from old to new rounded to one decimal place, or None when old "
        "is 0.",
        """
        def percent_change(old: float, new: float) -> float | None:
            if old == 0:
                return None
            return round((new - old) / abs(old) * 100, 1)
        """,
        [(50, 75), (200, 150), (80, 80), (0, 10), (0, 0), (1, 0), (-20, -10), (-20, 10), (3, 4),
         (1000, 1001), (7, 21), (2.5, 5)],
    ),
    spec(
        "numbers/clock_format",
        "Format a non-negative number of seconds as hours, minutes and seconds in the form H:MM:SS, "
        "where hours are not padded and may exceed 24.",
        """
        def clock_format(seconds: int) -> str:
            hours, rest = divmod(seconds, 3600)
            minutes, secs = divmod(rest, 60)
            return f"{hours}:{minutes:02d}:{secs:02d}"
        """,
        [3725, 59, 86399, 0, 1, 60, 3600, 3599, 90061, 7322, 36000, 600],
    ),
    spec(
        "numbers/trailing_zeros",
        "Count the zeros at the end of the decimal form of the absolute value of n; the number 0 "
        "itself counts as having one.",
        """
        def trailing_zeros(n: int) -> int:
            digits = str(abs(n))
            return len(digits) - len(digits.rstrip("0"))
        """,
        [1200, 5, 100000, 0, 10, -10, 101, 1010, -7000, 9, 10**15, 20020],
    ),
    spec(
        "numbers/gray_code",
        "Return the reflected binary Gray code of the non-negative integer n: n combined by bitwise "
        "exclusive-or with n shifted right by one bit.",
        """
        def gray_code(n: int) -> int:
            return n ^ (n >> 1)
        """,
        [5, 12, 255, 0, 1, 2, 3, 4, 7, 8, 1023, 1024],
    ),
    spec(
        "numbers/between_exclusive",
        "Count the integers that lie strictly between a and b, whichever of the two is larger.",
        """
        def between_exclusive(a: int, b: int) -> int:
            return max(abs(a - b) - 1, 0)
        """,
        [(3, 9), (10, 2), (-4, 4), (0, 0), (5, 6), (6, 5), (1, 3), (-10, -20), (100, 0), (7, 7),
         (-1, 1), (0, 1000)],
    ),
]
