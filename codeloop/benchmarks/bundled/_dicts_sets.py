"""Bundled tasks on dictionaries and sets: counting, grouping, inverting, membership."""

from __future__ import annotations

from ._spec import spec

SPECS = [
    spec(
        "dicts_sets/char_frequency",
        "Map each character of the string to the number of times it occurs, with the characters in "
        "the order of their first appearance.",
        """
        def char_frequency(s: str) -> dict[str, int]:
            counts = {}
            for c in s:
                counts[c] = counts.get(c, 0) + 1
            return counts
        """,
        ["hello", "banana split", "aAbB", "", "x", "zzz", "  ", "ñandú ñ", "112233", "abcabcabc",
         "!?!", "Mississippi"],
    ),
    spec(
        "dicts_sets/invert_mapping",
        "Swap the keys and values of a dictionary whose values are all distinct.",
        """
        def invert_mapping(d: dict) -> dict:
            return {v: k for k, v in d.items()}
        """,
        [{"a": 1, "b": 2, "c": 3}, {"one": "uno", "two": "dos"}, {1: "x", 2: "y"}, {}, {"k": "k"},
         {0: 0, 1: 1}, {"neg": -1}, {(1, 2): "pair"}, {"t": True, "f": False}, {"a": None},
         {"x": 10, "y": 20, "z": 30, "w": 40}, {"é": "e"}],
    ),
    spec(
        "dicts_sets/group_by_length",
        "Group the words by their length: map each length to the list of words of that length in their "
        "original order, with lengths in order of first appearance.",
        """
        def group_by_length(words: list[str]) -> dict[int, list[str]]:
            groups = {}
            for w in words:
                groups.setdefault(len(w), []).append(w)
            return groups
        """,
        [["cat", "horse", "dog", "mouse", "ox"], ["a", "bb", "c", "dd"], ["same", "four", "char"], [],
         [""], ["x"], ["aa", "aa"], ["ñu", "té", "café"], ["", "a", ""], ["one", "two", "three"],
         ["longer", "l", "lo"], ["  ", "xy"]],
    ),
    spec(
        "dicts_sets/keys_with_max_value",
        "Return the sorted list of keys whose value equals the largest value in the dictionary; an "
        "empty dictionary gives an empty list.",
        """
        def keys_with_max_value(d: dict[str, int]) -> list[str]:
            if not d:
                return []
            top = max(d.values())
            return sorted(k for k, v in d.items() if v == top)
        """,
        [{"ann": 3, "bob": 7, "cy": 7}, {"x": 1, "y": 2, "z": 0}, {"p": -1, "q": -1}, {}, {"only": 0},
         {"b": 5, "a": 5, "c": 5}, {"neg": -5, "zero": 0}, {"é": 2, "e": 2}, {"A": 1, "a": 1},
         {"k1": 10, "k2": 9, "k3": 10, "k4": 1}, {"m": 100}, {"z": 3, "y": 2, "x": 3}],
    ),
    spec(
        "dicts_sets/merge_add",
        "Merge two dictionaries of numbers: keys of either appear in the result, and a key present in "
        "both maps to the sum of its two values. Keys of the first dictionary come first.",
        """
        def merge_add(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
            out = dict(a)
            for k, v in b.items():
                out[k] = out.get(k, 0) + v
            return out
        """,
        [({"x": 1, "y": 2}, {"y": 10, "z": 5}), ({"a": 3}, {"a": -3}), ({}, {"k": 1}), ({}, {}),
         ({"k": 1}, {}), ({"a": 1, "b": 2}, {"a": 1, "b": 2}), ({"n": -5}, {"m": 5}),
         ({"é": 1}, {"e": 1}), ({"a": 0}, {"a": 0}), ({"p": 2, "q": 3}, {"r": 4, "p": 5}),
         ({"x": 1.5}, {"x": 2}), ({"b": 1, "a": 2}, {"c": 3, "a": 4})],
    ),
    spec(
        "dicts_sets/filter_by_value",
        "Keep only the entries of the dictionary whose value is at least the threshold.",
        """
        def filter_by_value(d: dict[str, int], threshold: int) -> dict[str, int]:
            return {k: v for k, v in d.items() if v >= threshold}
        """,
        [({"a": 5, "b": 2, "c": 8}, 5), ({"x": -1, "y": 0}, 0), ({"p": 1, "q": 2}, 10), ({}, 0),
         ({"k": 3}, 3), ({"k": 3}, 4), ({"a": -5, "b": -2}, -3), ({"m": 1, "n": 1}, 1),
         ({"é": 7}, -100), ({"a": 0.5, "b": 1.5}, 1), ({"z": 9, "a": 1, "m": 5}, 2), ({"t": 10}, 11)],
    ),
    spec(
        "dicts_sets/common_sorted",
        "Return, sorted in increasing order and without repeats, the values that occur in both lists.",
        """
        def common_sorted(a: list[int], b: list[int]) -> list[int]:
            return sorted(set(a) & set(b))
        """,
        [([1, 2, 3, 4], [3, 4, 5]), ([5, 5, 1], [1, 5, 7]), ([10, 20], [30, 40]), ([], []), ([1], []),
         ([], [1]), ([2, 2, 2], [2]), ([-1, 0, 1], [1, 0, -1]), ([9, 8, 7], [7, 8, 9, 10]),
         ([1, 3, 5], [2, 4, 6]), ([0], [0]), ([100, -100], [-100])],
    ),
    spec(
        "dicts_sets/in_exactly_one",
        "Return, sorted in increasing order and without repeats, the values that occur in exactly one "
        "of the two lists.",
        """
        def in_exactly_one(a: list[int], b: list[int]) -> list[int]:
            return sorted(set(a) ^ set(b))
        """,
        [([1, 2, 3], [2, 3, 4]), ([5, 5, 6], [6, 7, 7]), ([1, 2], [1, 2]), ([], []), ([1], []),
         ([], [3, 3]), ([0], [0, 1]), ([-2, -1], [1, 2]), ([10, 20, 30], [30, 40]), ([4, 4], [4]),
         ([9, 1, 5], [5, 9, 2]), ([7], [8])],
    ),
    spec(
        "dicts_sets/has_duplicates",
        "Decide whether some value occurs more than once in the list.",
        """
        def has_duplicates(items: list) -> bool:
            return len(set(items)) != len(items)
        """,
        [[1, 2, 3, 2], ["a", "b", "c"], [7, 7], [], [1], [0, False], ["A", "a"], [1, 1.0],
         [None, None], [1, 2, 3, 4, 5, 6, 7, 8, 9, 1], ["x", "y", "z"], [-1, 1]],
    ),
    spec(
        "dicts_sets/count_distinct_ignore_case",
        "Count how many different strings the list contains when upper and lower case are not "
        "distinguished.",
        """
        def count_distinct_ignore_case(words: list[str]) -> int:
            return len({w.lower() for w in words})
        """,
        [["Apple", "apple", "Banana", "APPLE"], ["a", "b", "c"], ["Go", "GO", "go"], [], [""],
         ["x"], ["", ""], ["Été", "été", "ete"], ["ab", "Ab", "aB", "AB", "ba"], ["1", "one"],
         ["Straße", "STRASSE"], ["Z", "z", "Y"]],
    ),
    spec(
        "dicts_sets/word_positions",
        "Map each whitespace-separated word of the text to the list of its positions (word indices "
        "counted from 0), with words in order of first appearance.",
        """
        def word_positions(text: str) -> dict[str, list[int]]:
            positions = {}
            for i, w in enumerate(text.split()):
                positions.setdefault(w, []).append(i)
            return positions
        """,
        ["the cat saw the dog", "a b a b a", "one two three", "", "   ", "solo", "x x x",
         "Up up UP", "ñu té ñu", "1 2 1", "end. end", "a\tb\na"],
    ),
    spec(
        "dicts_sets/sum_of_values",
        "Add up all the values of the dictionary.",
        """
        def sum_of_values(d: dict[str, int]) -> int:
            return sum(d.values())
        """,
        [{"a": 1, "b": 2, "c": 3}, {"x": -5, "y": 5}, {"apples": 12, "pears": 30}, {}, {"k": 0},
         {"k": -9}, {"a": 100, "b": 200, "c": 300, "d": 400}, {"p": 1.5, "q": 2.5}, {"é": 7},
         {"m": -1, "n": -2}, {"z": 10**9, "y": 10**9}, {"only": 42}],
    ),
    spec(
        "dicts_sets/ranked_items",
        "Return the (key, value) pairs of the dictionary as tuples sorted by value from highest to "
        "lowest, with equal values ordered by key alphabetically.",
        """
        def ranked_items(d: dict[str, int]) -> list[tuple[str, int]]:
            return sorted(d.items(), key=lambda kv: (-kv[1], kv[0]))
        """,
        [{"ann": 3, "bob": 9, "cy": 5}, {"b": 1, "a": 1, "c": 2}, {"x": -1, "y": 0}, {}, {"k": 7},
         {"z": 0, "y": 0, "x": 0}, {"é": 2, "e": 2}, {"A": 5, "a": 5}, {"p": 100, "q": -100},
         {"m": 3, "n": 3, "o": 4, "p": 1}, {"one": 1, "two": 2, "three": 3}, {"b": 2, "a": 3}],
    ),
    spec(
        "dicts_sets/parity_counts",
        "Return a dictionary with the keys 'even' and 'odd' mapping to how many numbers of the list "
        "are even and odd.",
        """
        def parity_counts(nums: list[int]) -> dict[str, int]:
            even = sum(1 for x in nums if x % 2 == 0)
            return {"even": even, "odd": len(nums) - even}
        """,
        [[1, 2, 3, 4, 5], [2, 4, 6], [-1, -3, 0], [], [0], [7], [-2], [1, 1, 1, 1], [10, 11, 12, 13],
         [100, -100], [9, 8, 7, 6, 5], [2, 3]],
    ),
    spec(
        "dicts_sets/lookup_all",
        "Look up each key of the list in the dictionary and return the list of values, using default "
        "for keys that are absent.",
        """
        def lookup_all(d: dict, keys: list, default: object) -> list:
            return [d.get(k, default) for k in keys]
        """,
        [({"a": 1, "b": 2}, ["a", "c", "b"], 0), ({1: "one"}, [1, 1, 2], "?"), ({}, ["x"], None),
         ({}, [], 0), ({"k": 5}, [], 0), ({"k": None}, ["k"], 1), ({"a": 1}, ["A"], -1),
         ({0: "zero"}, [0, False], "no"), ({"x": [1]}, ["x", "y"], []), ({"é": 1}, ["é", "e"], 0),
         ({"a": 1, "b": 2, "c": 3}, ["c", "b", "a"], 0), ({(1, 2): "t"}, [(1, 2), (2, 1)], "")],
    ),
    spec(
        "dicts_sets/nested_get",
        "Follow a path of keys through nested dictionaries and return the value at the end, or None "
        "if some key is missing or a value on the way is not a dictionary.",
        """
        def nested_get(d: dict, path: list) -> object:
            current = d
            for key in path:
                if not isinstance(current, dict) or key not in current:
                    return None
                current = current[key]
            return current
        """,
        [({"a": {"b": {"c": 42}}}, ["a", "b", "c"]), ({"user": {"name": "Ada"}}, ["user", "name"]),
         ({"a": {"b": 1}}, ["a", "x"]), ({}, []), ({}, ["a"]), ({"a": 1}, []), ({"a": 1}, ["a", "b"]),
         ({"a": {"b": None}}, ["a", "b"]), ({1: {2: {3: "deep"}}}, [1, 2, 3]),
         ({"a": {"b": {"c": 1}}}, ["a", "b"]), ({"a": [1, 2]}, ["a", 0]), ({"k": {"": "empty"}}, ["k", ""])],
    ),
    spec(
        "dicts_sets/flatten_dict",
        "Flatten nested dictionaries with string keys into one dictionary whose keys are the paths "
        "joined by dots; empty nested dictionaries disappear, and keys keep their nesting order.",
        """
        def flatten_dict(d: dict) -> dict:
            out = {}

            def walk(node: dict, prefix: str) -> None:
                for key, value in node.items():
                    path = prefix + "." + key if prefix else key
                    if isinstance(value, dict):
                        walk(value, path)
                    else:
                        out[path] = value

            walk(d, "")
            return out
        """,
        [{"a": 1, "b": {"c": 2, "d": {"e": 3}}}, {"x": {"y": {"z": 0}}}, {"k": [1, 2], "m": {"n": None}},
         {}, {"a": {}}, {"a": 1}, {"a": {"b": {}}, "c": 2}, {"é": {"ü": "x"}},
         {"p": {"q": 1, "r": 2}, "s": {"t": 3}}, {"a": {"b": 1}, "a.b": 2}, {"": {"": 1}},
         {"deep": {"er": {"and": {"deeper": True}}}}],
    ),
    spec(
        "dicts_sets/words_by_initial",
        "Group the words by their first letter in lower case: map each such letter to the "
        "alphabetically sorted list of words starting with it. Empty strings are ignored; letters "
        "appear in order of first appearance.",
        """
        def words_by_initial(words: list[str]) -> dict[str, list[str]]:
            groups = {}
            for w in words:
                if w:
                    groups.setdefault(w[0].lower(), []).append(w)
            return {k: sorted(v) for k, v in groups.items()}
        """,
        [["banana", "apple", "blueberry", "avocado"], ["Zoe", "zack", "Amy"], ["cat", "cow", "camel"], [],
         [""], ["x"], ["b", "a", "B"], ["élan", "Éclair", "eel"], ["1st", "2nd", "10th"],
         ["same", "same"], ["Tom", "tim", "Ted", "ann"], ["", "z", ""]],
    ),
    spec(
        "dicts_sets/pairs_with_sum",
        "Return the sorted list of distinct pairs (a, b) with a <= b, both taken from different "
        "positions of the list, such that a + b equals the target.",
        """
        def pairs_with_sum(nums: list[int], target: int) -> list[tuple[int, int]]:
            seen = set()
            pairs = set()
            for x in nums:
                if target - x in seen:
                    pairs.add((min(x, target - x), max(x, target - x)))
                seen.add(x)
            return sorted(pairs)
        """,
        [([1, 5, 3, 7, 2, 4], 6), ([2, 2, 2], 4), ([0, -1, 1, 5], 0), ([], 3), ([3], 6), ([3, 3], 6),
         ([1, 2, 3], 10), ([5, 1, 5, 1], 6), ([-2, 8, 4, 2, 6], 6), ([10, 0, 10, 0], 10),
         ([1, 9, 2, 8, 3, 7], 10), ([4, 4, 4, 4], 8)],
    ),
    spec(
        "dicts_sets/missing_from_range",
        "Return, in increasing order, the numbers from 1 to n inclusive that do not appear in the "
        "list.",
        """
        def missing_from_range(nums: list[int], n: int) -> list[int]:
            present = set(nums)
            return [x for x in range(1, n + 1) if x not in present]
        """,
        [([3, 1, 5], 6), ([2, 3, 4], 4), ([1, 2, 3], 3), ([], 0), ([], 3), ([1], 1), ([7, 8, 9], 2),
         ([0, -1], 2), ([5, 5, 5], 5), ([10, 2, 4, 6, 8], 10), ([1, 3], 4), ([2], 1)],
    ),
    spec(
        "dicts_sets/all_contained",
        "Decide whether every value of the first list also occurs somewhere in the second list.",
        """
        def all_contained(a: list, b: list) -> bool:
            return set(a) <= set(b)
        """,
        [([1, 2], [3, 2, 1]), (["x", "y"], ["x"]), ([1, 1, 1], [1]), ([], []), ([], [1]), ([1], []),
         (["a"], ["A"]), ([0], [False]), ([1, 2, 3], [1, 2, 3]), ([4, 5], [5, 6, 7]), ([None], [None, 1]),
         (["é"], ["e", "é"])],
    ),
    spec(
        "dicts_sets/digit_set",
        "Return the set of distinct decimal digits, as integers, that appear in the absolute value of "
        "n.",
        """
        def digit_set(n: int) -> set[int]:
            return {int(c) for c in str(abs(n))}
        """,
        [1223334, 9070, -555, 0, 7, 10, -10, 1234567890, 1000000, 98789, 11, 42],
    ),
    spec(
        "dicts_sets/invert_grouped",
        "Invert a dictionary whose values may repeat: map each value to the sorted list of the keys "
        "that had it, with values in order of first appearance.",
        """
        def invert_grouped(d: dict[str, int]) -> dict[int, list[str]]:
            out = {}
            for k, v in d.items():
                out.setdefault(v, []).append(k)
            return {v: sorted(ks) for v, ks in out.items()}
        """,
        [{"a": 1, "b": 2, "c": 1}, {"x": 0, "y": 0, "z": 0}, {"cat": 3, "dog": 3, "ox": 2}, {},
         {"k": 5}, {"b": 1, "a": 1}, {"p": -1, "q": 1}, {"é": 2, "e": 2, "f": 3},
         {"m": 1, "n": 2, "o": 3}, {"Z": 9, "a": 9}, {"x1": 10, "x2": 20, "x3": 10, "x4": 20},
         {"one": 1}],
    ),
    spec(
        "dicts_sets/first_wins",
        "Build a dictionary from a list of (key, value) pairs in which the first pair with a given key "
        "decides its value and later pairs with the same key are ignored.",
        """
        def first_wins(pairs: list[tuple]) -> dict:
            out = {}
            for k, v in pairs:
                if k not in out:
                    out[k] = v
            return out
        """,
        [[("a", 1), ("b", 2), ("a", 3)], [("x", 0), ("x", 1), ("x", 2)], [(1, "one"), (2, "two")], [],
         [("k", None)], [("k", 1), ("k", None)], [("a", 1), ("A", 2)], [(0, "zero"), (False, "f")],
         [("é", 1), ("e", 2), ("é", 3)], [("p", [1]), ("q", [2]), ("p", [3])],
         [(1, 1), (2, 2), (3, 3), (1, 4)], [("z", 26), ("y", 25)]],
    ),
    spec(
        "dicts_sets/rename_keys",
        "Rename the keys of a dictionary according to a mapping from old names to new names; keys not "
        "in the mapping keep their name. The values and the order of the entries are unchanged.",
        """
        def rename_keys(d: dict, mapping: dict) -> dict:
            return {mapping.get(k, k): v for k, v in d.items()}
        """,
        [({"fname": "Ada", "age": 36}, {"fname": "first_name"}), ({"a": 1, "b": 2}, {"a": "x", "b": "y"}),
         ({"k": 0}, {"z": "w"}), ({}, {}), ({}, {"a": "b"}), ({"a": 1}, {}), ({"a": 1}, {"a": "a"}),
         ({1: "x", 2: "y"}, {1: 10}), ({"é": 1}, {"é": "e"}), ({"a": 1, "b": 2, "c": 3}, {"b": "bee"}),
         ({"old": None}, {"old": "new"}), ({"x": [1]}, {"x": "y", "y": "x"})],
    ),
    spec(
        "dicts_sets/keys_only_in_first",
        "Return, sorted alphabetically, the keys of the first dictionary that are not keys of the "
        "second.",
        """
        def keys_only_in_first(a: dict[str, int], b: dict[str, int]) -> list[str]:
            return sorted(k for k in a if k not in b)
        """,
        [({"x": 1, "y": 2, "z": 3}, {"y": 0}), ({"b": 1, "a": 2}, {}), ({"a": 1}, {"a": 2}), ({}, {}),
         ({}, {"a": 1}), ({"k": 0}, {"K": 0}), ({"m": 1, "n": 2}, {"n": 1, "m": 2}),
         ({"é": 1, "e": 2}, {"e": 3}), ({"c": 1, "b": 1, "a": 1}, {"b": 9}), ({"one": 1}, {"two": 2}),
         ({"z": 1, "Z": 2}, {"y": 3}), ({"aa": 1, "a": 2, "aaa": 3}, {"aa": 0})],
    ),
    spec(
        "dicts_sets/value_counts",
        "Count the occurrences of each value of the list and return (value, count) tuples, most frequent "
        "first; values with equal counts are in increasing order.",
        """
        def value_counts(items: list[int]) -> list[tuple[int, int]]:
            counts = {}
            for x in items:
                counts[x] = counts.get(x, 0) + 1
            return sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))
        """,
        [[3, 1, 3, 2, 1, 3], [5, 5, 6, 6], [9, 8, 7], [], [0], [4, 4, 4], [-1, 1, -1], [2, 1, 2, 1, 3],
         [10, 20, 10, 30, 20, 10], [7, -7, 7, -7, 0], [1, 2, 3, 4, 5, 5], [100, 100, 99]],
    ),
    spec(
        "dicts_sets/letter_grades",
        "Turn a dictionary of numeric scores into a dictionary of letter grades: 'A' for 90 or more, "
        "'B' for 80 or more, 'C' for 70 or more and 'F' otherwise.",
        """
        def letter_grades(scores: dict[str, int]) -> dict[str, str]:
            grades = {}
            for name, score in scores.items():
                if score >= 90:
                    grades[name] = "A"
                elif score >= 80:
                    grades[name] = "B"
                elif score >= 70:
                    grades[name] = "C"
                else:
                    grades[name] = "F"
            return grades
        """,
        [{"ann": 93, "bob": 78, "cy": 85}, {"x": 69, "y": 70}, {"p": 100, "q": 0}, {}, {"k": 90},
         {"k": 89}, {"k": 80}, {"k": 79.5}, {"neg": -10}, {"over": 120}, {"é": 71, "e": 81, "f": 91},
         {"a": 60, "b": 60}],
    ),
    spec(
        "dicts_sets/most_common_word",
        "Return the word that occurs most often in the text after lower-casing it (words are separated "
        "by whitespace); ties go to the alphabetically first word; None if there are no words.",
        """
        def most_common_word(text: str) -> str | None:
            counts = {}
            for w in text.lower().split():
                counts[w] = counts.get(w, 0) + 1
            if not counts:
                return None
            return min(counts, key=lambda w: (-counts[w], w))
        """,
        ["the cat and the hat", "b a b a", "Go go STOP stop stop", "", "   ", "solo", "x y z",
         "Été été ete", "1 2 2 1 1", "zeta alpha", "A a B b b", "word\tword\nother"],
    ),
    spec(
        "dicts_sets/anagram_groups",
        "Group the words that are anagrams of each other (same letters, same counts, case sensitive). "
        "Each group is sorted alphabetically and the groups are sorted; duplicates are kept.",
        """
        def anagram_groups(words: list[str]) -> list[list[str]]:
            groups = {}
            for w in words:
                groups.setdefault("".join(sorted(w)), []).append(w)
            return sorted(sorted(g) for g in groups.values())
        """,
        [["lump", "plum", "mule", "team", "meat", "mate"], ["dusty", "study", "night", "thing", "alone"],
         ["abc", "def"], [], [""], ["a"], ["ab", "ba", "ab"], ["Ab", "ba", "bA"], ["", "", "x"],
         ["été", "tée", "eté"], ["spar", "rasp", "pars", "raps", "pear"], ["aa", "a", "aaa"]],
    ),
    spec(
        "dicts_sets/two_sum_indices",
        "Return the index pair (i, j) with i < j and nums[i] + nums[j] equal to the target, choosing "
        "the smallest possible j and then the smallest i; None if there is no such pair.",
        """
        def two_sum_indices(nums: list[int], target: int) -> tuple[int, int] | None:
            first_index = {}
            for j, x in enumerate(nums):
                if target - x in first_index:
                    return (first_index[target - x], j)
                first_index.setdefault(x, j)
            return None
        """,
        [([6, 1, 8, 3], 9), ([5, 2, 7, 2], 4), ([1, 5, 1, 5], 6), ([], 0), ([5], 10), ([4, 4], 8),
         ([1, 2, 3], 7), ([0, 4, 3, 0], 0), ([-1, -2, -3, -4], -5), ([5, 5, 5], 10),
         ([1, 9, 2, 8, 3, 7], 10), ([4, 1, 4, 1], 2)],
    ),
    spec(
        "dicts_sets/same_pattern",
        "Decide whether two strings follow the same pattern: they have the same length and there is a "
        "one-to-one correspondence between their characters, position by position.",
        """
        def same_pattern(a: str, b: str) -> bool:
            return len(a) == len(b) and len(set(a)) == len(set(b)) == len(set(zip(a, b)))
        """,
        [("noon", "deed"), ("blob", "flop"), ("tree", "bell"), ("", ""), ("a", "b"), ("a", ""),
         ("ab", "aa"), ("aa", "ab"), ("abab", "xyxy"), ("abab", "xyyx"), ("ñaña", "toto"),
         ("badc", "baba")],
    ),
    spec(
        "dicts_sets/totals_by_category",
        "Given (category, amount) pairs, return a dictionary mapping each category to the sum of its "
        "amounts, with categories in order of first appearance.",
        """
        def totals_by_category(entries: list[tuple[str, int]]) -> dict[str, int]:
            totals = {}
            for category, amount in entries:
                totals[category] = totals.get(category, 0) + amount
            return totals
        """,
        [[("food", 12), ("rent", 500), ("food", 8)], [("a", 1), ("b", 2), ("a", 3), ("b", 4)],
         [("x", -5), ("x", 5)], [], [("solo", 0)], [("k", 1)], [("A", 1), ("a", 1)],
         [("é", 2), ("e", 3), ("é", 4)], [("p", 1.5), ("p", 1)], [("z", 1), ("y", 1), ("z", 1)],
         [("big", 10**9), ("big", 10**9)], [("m", -1), ("n", -2), ("m", -3)]],
    ),
    spec(
        "dicts_sets/union_size",
        "Count the distinct values that occur in at least one of the two lists.",
        """
        def union_size(a: list, b: list) -> int:
            return len(set(a) | set(b))
        """,
        [([1, 2, 3], [3, 4]), (["a", "b"], ["b", "a"]), ([5, 5, 5], [6, 6]), ([], []), ([1], []),
         ([], ["x"]), ([0], [False]), (["A"], ["a"]), ([1, 2], [3, 4]), ([None], [None]),
         ([1, 1.0], [True]), (["é", "e"], ["ê"])],
    ),
    spec(
        "dicts_sets/key_of_max",
        "Return the key with the largest value; if several keys share it, the alphabetically first of "
        "them; None for an empty dictionary.",
        """
        def key_of_max(d: dict[str, int]) -> str | None:
            if not d:
                return None
            return min(d, key=lambda k: (-d[k], k))
        """,
        [{"ann": 3, "bob": 9, "cy": 5}, {"b": 4, "a": 4}, {"x": -2, "y": -1}, {}, {"k": 0},
         {"z": 1, "y": 1, "x": 1}, {"é": 5, "e": 5}, {"A": 1, "a": 2}, {"m": 100, "n": 99},
         {"p": -5, "q": -5}, {"one": 1, "two": 2, "three": 3}, {"B": 7, "a": 7}],
    ),
    spec(
        "dicts_sets/unique_in_order",
        "Return, in order of first appearance, the values that occur exactly once in the list.",
        """
        def unique_in_order(items: list) -> list:
            counts = {}
            for x in items:
                counts[x] = counts.get(x, 0) + 1
            return [x for x in items if counts[x] == 1]
        """,
        [[4, 5, 4, 6, 7, 6], ["a", "b", "a", "c"], [1, 2, 3], [], [9], [2, 2], [1, 1, 2, 2, 3],
         ["x", "X", "x"], [None, 0, None], [0, -1, 1, -1], ["é", "e"], [5, 4, 3, 4, 5]],
    ),
]
