"""Bundled tasks on strings: character classes, words, case, simple parsing and formatting."""

from __future__ import annotations

from ._spec import spec

SPECS = [
    spec(
        "strings/capitalize_vowels",
        "Return the text with every vowel (a, e, i, o, u) written in upper case. All other characters stay as they are.",
        """
        def capitalize_vowels(s: str) -> str:
            return "".join(c.upper() if c in "aeiou" else c for c in s)
        """,
        ["hello world", "programming is fun", "Queue at the station", "", "xyz", "a", "AEIOU aeiou",
         "été à l'école", "123 abc!", "u", "bcdfg hjk", "Mississippi"],
    ),
    spec(
        "strings/count_uppercase",
        "Count how many characters of the string are upper-case letters.",
        """
        def count_uppercase(s: str) -> int:
            return sum(1 for c in s if c.isupper())
        """,
        ["Hello World", "ABC def GHI", "CamelCaseString", "", "no capitals here", "A", "ÄÖÜ straße",
         "123!?", "x", "MiXeD CaSe", "Ω omega", "ALLCAPS"],
    ),
    spec(
        "strings/initials",
        "Take the first character of each whitespace-separated word, upper-case it, and join these "
        "characters together with nothing in between.",
        """
        def initials(s: str) -> str:
            return "".join(w[0].upper() for w in s.split())
        """,
        ["portable network graphics", "hello big world", "Grace Brewster Murray Hopper", "",
         "  spaced   out  words ", "a", "émile zola", "one", "x y z", "123 go", "tab\tseparated\twords",
         "new\nline"],
    ),
    spec(
        "strings/strip_digits",
        "Remove every ASCII digit 0-9 from the string and return what is left.",
        """
        def strip_digits(s: str) -> str:
            return "".join(c for c in s if c not in "0123456789")
        """,
        ["r2d2 and c3po", "room 101", "2024-05-17", "", "123", "no digits", "a1", "x²y",
         "0", "  9 lives ", "v1.2.3", "٣ arabic three"],
    ),
    spec(
        "strings/double_letters",
        "Return a string in which each character of the input appears twice in a row.",
        """
        def double_letters(s: str) -> str:
            return "".join(c * 2 for c in s)
        """,
        ["abc", "hi there", "a-b", "", "x", "  ", "zz", "ñu", "123", "!?", "Ab", "long word"],
    ),
    spec(
        "strings/swap_halves",
        "Cut the string into two halves, where the second half gets the extra character when the "
        "length is odd, and return the second half followed by the first half.",
        """
        def swap_halves(s: str) -> str:
            half = len(s) // 2
            return s[half:] + s[:half]
        """,
        ["abcdef", "hello", "sunflower", "", "a", "ab", "abc", "xyzzy", "ñandú", "12345678", "  x", "->|<-"],
    ),
    spec(
        "strings/is_letter_palindrome",
        "Decide whether the string reads the same forwards and backwards when only its letters are "
        "kept and upper and lower case are not distinguished.",
        """
        def is_letter_palindrome(s: str) -> bool:
            letters = [c.lower() for c in s if c.isalpha()]
            return letters == letters[::-1]
        """,
        ["Top spot!", "hello", "Senile felines", "", "a", "ab", "12321", "Aa",
         "abca", "Ésé", "racecar", "Nurses run, not"],
    ),
    spec(
        "strings/longest_word",
        "Return the longest whitespace-separated word of the text; if several are equally long, the "
        "first of them. Return an empty string when there are no words.",
        """
        def longest_word(s: str) -> str:
            return max(s.split(), key=len, default="")
        """,
        ["a small red kite", "one three five seven", "a bb cc d", "", "   ", "single", "tie tie",
         "x yy zz", "naïve résumé", "a\tbcd\nef", "12 345 6789", "same four five"],
    ),
    spec(
        "strings/word_lengths",
        "Return the lengths of the whitespace-separated words of the text, in order.",
        """
        def word_lengths(s: str) -> list[int]:
            return [len(w) for w in s.split()]
        """,
        ["the cat sat", "hello,  world!", "a bb ccc dddd", "", "   ", "x", "über straße", "one\ttwo\nthree",
         "supercalifragilistic", " lead and trail ", "42 7", "- -- ---"],
    ),
    spec(
        "strings/camel_to_snake",
        "Convert a camelCase or PascalCase identifier to snake_case: insert an underscore before every "
        "upper-case letter that is not the first character, then make everything lower case.",
        """
        def camel_to_snake(name: str) -> str:
            out = []
            for i, c in enumerate(name):
                if c.isupper() and i > 0:
                    out.append("_")
                out.append(c.lower())
            return "".join(out)
        """,
        ["camelCaseName", "PascalCase", "parseHttpResponse", "", "a", "A", "already_snake", "getX",
         "XY", "version2Point0", "lower", "ÜberClass"],
    ),
    spec(
        "strings/snake_to_camel",
        "Convert a snake_case name to camelCase. Pieces between underscores are words; empty pieces "
        "are ignored; the first word is all lower case and each later word is capitalized.",
        """
        def snake_to_camel(name: str) -> str:
            words = [w for w in name.split("_") if w]
            if not words:
                return ""
            return words[0].lower() + "".join(w.capitalize() for w in words[1:])
        """,
        ["user_first_name", "max_value", "get_http_response", "", "_", "word", "__double__under",
         "trailing_", "MIXED_case_Words", "a_b_c", "x1_y2", "ünter_öl"],
    ),
    spec(
        "strings/run_length_encode",
        "Compress the string by replacing each maximal run of one repeated character with that "
        "character followed by the length of the run written in decimal.",
        """
        def run_length_encode(s: str) -> str:
            out = []
            i = 0
            while i < len(s):
                j = i
                while j < len(s) and s[j] == s[i]:
                    j += 1
                out.append(s[i] + str(j - i))
                i = j
            return "".join(out)
        """,
        ["aaabccdddd", "hello", "zzzzzzzzzzzz", "", "a", "ab", "aabbaa", "   ", "ééé", "1112",
         "abcabc", "xxxxxxxxxxy"],
    ),
    spec(
        "strings/run_length_decode",
        "Expand a run-length code made of pairs of one non-digit character followed by a decimal "
        "repeat count (possibly several digits) into the full string.",
        """
        def run_length_decode(code: str) -> str:
            out = []
            i = 0
            while i < len(code):
                char = code[i]
                j = i + 1
                while j < len(code) and code[j].isdigit():
                    j += 1
                out.append(char * int(code[i + 1:j]))
                i = j
            return "".join(out)
        """,
        ["a3b1c2", "x10", "h1e1l2o1", "", "a1", "z0", "a2b0c3", "ß2", " 3", "!1?2", "q12r1", "m5"],
    ),
    spec(
        "strings/mask_all_but_last_four",
        "Hide all but the last four characters of the string by replacing each of them with '#'. "
        "Strings of four characters or fewer are returned unchanged.",
        """
        def mask_all_but_last_four(s: str) -> str:
            return "#" * max(len(s) - 4, 0) + s[-4:]
        """,
        ["4539123456789012", "password", "abcde", "", "abc", "abcd", "a", "12345", "    ab",
         "ñandú-ñandú", "0000000000", "x-y-z-w"],
    ),
    spec(
        "strings/count_vowel_initial_words",
        "Count the whitespace-separated words whose first letter is a vowel (a, e, i, o, u), "
        "ignoring case.",
        """
        def count_vowel_initial_words(s: str) -> int:
            return sum(1 for w in s.split() if w[0].lower() in "aeiou")
        """,
        ["an apple every evening", "the cat is outside", "Ice Oil Up", "", "   ", "a", "b", "eat",
         "xylophone umbrella", "1 owl", "Éclair apple", "under over inner outer"],
    ),
    spec(
        "strings/alternate_case",
        "Write characters at even positions (counting from 0) in upper case and characters at odd "
        "positions in lower case.",
        """
        def alternate_case(s: str) -> str:
            return "".join(c.upper() if i % 2 == 0 else c.lower() for i, c in enumerate(s))
        """,
        ["hello world", "PYTHON", "alternating", "", "a", "AB", "a1b2c3", "  xy", "ñandú", "ZzZz",
         "!?", "MiXeD"],
    ),
    spec(
        "strings/reverse_each_word",
        "Reverse the characters of every word while keeping the words in their places. Words are "
        "separated by single space characters, and every space is kept where it was.",
        """
        def reverse_each_word(s: str) -> str:
            return " ".join(w[::-1] for w in s.split(" "))
        """,
        ["hello world", "abc def ghi", "keep  two spaces", "", "a", " lead", "trail ", "racecar",
         "ñandú café", "12 345", "a b c", "x"],
    ),
    spec(
        "strings/char_class_counts",
        "Return a tuple (letters, digits, whitespace, other) counting how many characters of the "
        "string fall into each of these four classes.",
        """
        def char_class_counts(s: str) -> tuple[int, int, int, int]:
            letters = sum(c.isalpha() for c in s)
            digits = sum(c.isdigit() for c in s)
            spaces = sum(c.isspace() for c in s)
            return (letters, digits, spaces, len(s) - letters - digits - spaces)
        """,
        ["Hello, World 42!", "abc 123", "a\tb\nc", "", " ", "7", "x", "!!!", "café 2€", "   ",
         "R2-D2", "line1\nline2\n"],
    ),
    spec(
        "strings/first_repeated_char",
        "Scan the string from left to right and return the first character that has already been "
        "seen earlier in the scan, or None if every character is distinct.",
        """
        def first_repeated_char(s: str) -> str | None:
            seen = set()
            for c in s:
                if c in seen:
                    return c
                seen.add(c)
            return None
        """,
        ["abcdeca", "swiss", "abcba", "", "a", "aa", "abc", "abab", "  ", "ñoño", "Aa", "xyzzy"],
    ),
    spec(
        "strings/first_unique_index",
        "Return the index of the first character that occurs exactly once in the string, or -1 if "
        "there is no such character.",
        """
        def first_unique_index(s: str) -> int:
            for i, c in enumerate(s):
                if s.count(c) == 1:
                    return i
            return -1
        """,
        ["aabbcdd", "bubble", "stress", "", "a", "aa", "abab", "abcabcx", "Aa", "ééx", "  x ",
         "zzzz"],
    ),
    spec(
        "strings/same_letters",
        "Decide whether two strings consist of the same characters with the same multiplicities once "
        "spaces are removed and case is ignored.",
        """
        def same_letters(a: str, b: str) -> bool:
            return sorted(a.replace(" ", "").lower()) == sorted(b.replace(" ", "").lower())
        """,
        [("Dusty", "study"), ("Elbow", "below "), ("apple", "paper"), ("", ""), ("a", ""),
         ("abc", "cba "), ("aab", "abb"), ("Été", "tée"), ("  ", ""), ("x", "X"), ("abcd", "abc"),
         ("a b c", "CBA")],
    ),
    spec(
        "strings/common_prefix",
        "Return the longest string that every string in the list starts with. An empty list has the "
        "empty string as its common prefix.",
        """
        def common_prefix(words: list[str]) -> str:
            if not words:
                return ""
            prefix = words[0]
            for w in words[1:]:
                while not w.startswith(prefix):
                    prefix = prefix[:-1]
            return prefix
        """,
        [["interview", "internet", "interval"], ["stream", "strong", "string"], ["same", "same"], [],
         ["alone"], ["", "abc"], ["abc", ""], ["dog", "cat"], ["ab", "a"], ["préfixe", "préface"],
         ["aaa", "aa", "a"], ["x1", "x2", "x3"]],
    ),
    spec(
        "strings/center_with_stars",
        "Pad the string with '*' on both sides so that it is exactly width characters long; when the "
        "padding cannot be split evenly, the right side gets one more star. A string that is already "
        "at least width characters long is returned unchanged.",
        """
        def center_with_stars(s: str, width: int) -> str:
            pad = max(width - len(s), 0)
            left = pad // 2
            return "*" * left + s + "*" * (pad - left)
        """,
        [("hi", 6), ("abc", 8), ("title", 9), ("", 4), ("", 0), ("long text", 3), ("x", 1), ("x", 2),
         ("ab", 5), ("ñ", 4), ("abc", -2), ("  ", 5)],
    ),
    spec(
        "strings/vowel_positions",
        "Return the indices of all vowels (a, e, i, o, u in either case) in the string.",
        """
        def vowel_positions(s: str) -> list[int]:
            return [i for i, c in enumerate(s) if c.lower() in "aeiou"]
        """,
        ["education", "rhythm and blues", "AbEcI", "", "a", "b", "aeiou", "xyz", "Ounce", "é a",
         "queue", "123 u"],
    ),
    spec(
        "strings/collapse_repeats",
        "Replace every run of identical adjacent characters by a single copy of that character.",
        """
        def collapse_repeats(s: str) -> str:
            return "".join(c for i, c in enumerate(s) if i == 0 or s[i - 1] != c)
        """,
        ["aaabbbcccd", "mississippi", "hello   world", "", "a", "aaaa", "abab", "aA", "11223", "ééé",
         "  x  ", "abcd"],
    ),
    spec(
        "strings/headline_case",
        "Lower-case the text, then capitalize each word (words are separated by single spaces) except "
        "the short words 'a', 'an', 'the', 'of' and 'and', which stay lower case unless they are the "
        "first word.",
        """
        def headline_case(s: str) -> str:
            small = {"a", "an", "the", "of", "and"}
            words = s.lower().split(" ")
            return " ".join(w if i > 0 and w in small else w.capitalize() for i, w in enumerate(words))
        """,
        ["the lord of the rings", "war and peace", "A TALE OF TWO CITIES", "", "the", "an apple a day",
         "of mice and men", "x", "ÉTÉ and winter", "already Title Case", "the  double", "and"],
    ),
    spec(
        "strings/count_overlapping",
        "Count how many times sub occurs in s, counting occurrences that overlap. An empty sub "
        "occurs 0 times.",
        """
        def count_overlapping(s: str, sub: str) -> int:
            if not sub:
                return 0
            return sum(1 for i in range(len(s)) if s.startswith(sub, i))
        """,
        [("aaaa", "aa"), ("banana", "ana"), ("abcabc", "abc"), ("", "a"), ("abc", ""), ("", ""),
         ("a", "a"), ("a", "aa"), ("ababab", "aba"), ("ééé", "éé"), ("xyz", "q"), ("aAaA", "aa")],
    ),
    spec(
        "strings/extract_integers",
        "Return, in order, the non-negative integers written as maximal runs of ASCII digits in the "
        "text.",
        """
        def extract_integers(s: str) -> list[int]:
            numbers = []
            current = ""
            for c in s + " ":
                if c in "0123456789":
                    current += c
                elif current:
                    numbers.append(int(current))
                    current = ""
            return numbers
        """,
        ["12 apples and 7 pears", "a1b22c333", "no numbers", "", "0", "007 agent", "-5 and +6",
         "3.14", "x9", "9x", "1,000,000", "v2 is 10 times v1"],
    ),
    spec(
        "strings/caesar_shift",
        "Shift every ASCII letter k places forward in the alphabet, wrapping around from z to a and "
        "keeping its case; other characters are unchanged. k may be negative or larger than 26.",
        """
        def caesar_shift(s: str, k: int) -> str:
            out = []
            for c in s:
                if "a" <= c <= "z":
                    out.append(chr((ord(c) - 97 + k) % 26 + 97))
                elif "A" <= c <= "Z":
                    out.append(chr((ord(c) - 65 + k) % 26 + 65))
                else:
                    out.append(c)
            return "".join(out)
        """,
        [("hello", 3), ("Zebra Crossing", 1), ("abc xyz", -1), ("", 5), ("a", 0), ("a", 26), ("a", 27),
         ("Z", -27), ("123 !", 4), ("ñ and é", 2), ("MiXeD", 13), ("wrap", 52)],
    ),
    spec(
        "strings/missing_letters",
        "Return, in alphabetical order and as one string, the lower-case English letters that do not "
        "occur in the text, ignoring case.",
        """
        def missing_letters(s: str) -> str:
            return "".join(c for c in "abcdefghijklmnopqrstuvwxyz" if c not in s.lower())
        """,
        ["jumping giraffes", "Hello World", "abcdefghijklm", "", "The five boxing wizards jump quickly",
         "a", "ZZZ", "1234", "éàü", "qwertyuiop", "ASDFGHJKL zxcvbnm", "mnopqrstuvwxyz"],
    ),
    spec(
        "strings/wrap_words",
        "Greedily pack the whitespace-separated words of the text into lines of at most width "
        "characters, joining the words of a line with single spaces; a word longer than width gets a "
        "line of its own. Return the list of lines.",
        """
        def wrap_words(text: str, width: int) -> list[str]:
            lines = []
            current = ""
            for word in text.split():
                if not current:
                    current = word
                elif len(current) + 1 + len(word) <= width:
                    current += " " + word
                else:
                    lines.append(current)
                    current = word
            if current:
                lines.append(current)
            return lines
        """,
        [("pack these words into short lines please", 10), ("a bb ccc dddd", 5),
         ("one two three", 20), ("", 5), ("   ", 3), ("word", 4), ("word", 2), ("a b c d", 1),
         ("a b c d", 3), ("extraordinarily long words here", 6), ("ñandú café té", 8),
         ("x  y\tz", 3)],
    ),
    spec(
        "strings/dedupe_words",
        "Drop every word that repeats an earlier word when compared without regard to case, keeping "
        "the first spelling; return the remaining words joined by single spaces.",
        """
        def dedupe_words(s: str) -> str:
            seen = set()
            kept = []
            for word in s.split():
                key = word.lower()
                if key not in seen:
                    seen.add(key)
                    kept.append(word)
            return " ".join(kept)
        """,
        ["the cat and the hat", "Go go GO stop", "a b a c b d", "", "   ", "one", "x X x", "Été été",
         "to be or not to be", "1 2 1 3", "  spaced   words  spaced ", "A a B b"],
    ),
    spec(
        "strings/between_markers",
        "Return the text found between the first occurrence of left and the first occurrence of right "
        "that comes after it. Return an empty string if either marker is missing.",
        """
        def between_markers(s: str, left: str, right: str) -> str:
            start = s.find(left)
            if start < 0:
                return ""
            start += len(left)
            end = s.find(right, start)
            if end < 0:
                return ""
            return s[start:end]
        """,
        [("key=[value] rest", "[", "]"), ("<b>bold</b>", "<b>", "</b>"), ("a(b)c(d)", "(", ")"),
         ("", "[", "]"), ("no markers", "[", "]"), ("only [open", "[", "]"), ("close] only", "[", "]"),
         ("]x[y]", "[", "]"), ("[]", "[", "]"), ("«texte»", "«", "»"), ("abcabc", "b", "b"),
         ("--x--y--", "--", "--")],
    ),
    spec(
        "strings/digit_total",
        "Add up the values of all ASCII digit characters that appear in the text.",
        """
        def digit_total(s: str) -> int:
            return sum(int(c) for c in s if c in "0123456789")
        """,
        ["a1b2c3", "2024-12-31", "no digits", "", "0", "99", "x9y9z9", "-5", "1.5e3", "٣3", "  7 ",
         "1111111111"],
    ),
    spec(
        "strings/same_first_last",
        "Decide whether the string is non-empty and its first and last characters are the same "
        "letter when case is ignored.",
        """
        def same_first_last(s: str) -> bool:
            return len(s) > 0 and s[0].lower() == s[-1].lower()
        """,
        ["Anna", "level", "python", "", "a", "ab", "Aa", "xyzX", " x ", "ñoÑ", "12", "1221"],
    ),
    spec(
        "strings/slugify",
        "Make a URL slug: drop every character that is not a letter, a digit or a space, lower-case "
        "the rest, and join the remaining words with hyphens.",
        """
        def slugify(s: str) -> str:
            kept = "".join(c for c in s if c.isalnum() or c == " ")
            return "-".join(kept.lower().split())
        """,
        ["Hello, World!", "  Ten Tips for Python 3.12  ", "already-slugged", "", "!!!", "one",
         "A  B   C", "Crème Brûlée", "100% pure", "x-y z", "UPPER lower", "   "],
    ),
    spec(
        "strings/every_nth_char",
        "Return the characters at positions 0, n, 2n, 3n, ... of the string (n is at least 1).",
        """
        def every_nth_char(s: str, n: int) -> str:
            return s[::n]
        """,
        [("abcdefghij", 3), ("hello world", 2), ("python", 1), ("", 2), ("a", 5), ("ab", 2), ("ab", 1),
         ("abcdef", 6), ("abcdef", 7), ("ñandú", 2), ("1234567", 4), ("x y z", 2)],
    ),
    spec(
        "strings/count_long_words",
        "Count the whitespace-separated words that are strictly longer than k characters.",
        """
        def count_long_words(s: str, k: int) -> int:
            return sum(1 for w in s.split() if len(w) > k)
        """,
        [("a quick brown fox jumped", 4), ("tiny words only", 5), ("one two three", 0), ("", 1),
         ("   ", 0), ("word", 4), ("word", 3), ("a bb ccc", -1), ("naïve résumé", 5),
         ("x\ty\nzz", 1), ("longer than ten chars", 10), ("same size", 4)],
    ),
]
