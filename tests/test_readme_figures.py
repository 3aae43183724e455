"""Every table of figures in the README says how it was produced: right below it, one provenance
line of the form ``codeloop report`` prints (``PROVENANCE_LINE``), naming a real codeloop command
with flags the parser accepts, a commit and a date.

The rule for what is a figure table: a Markdown table with a body cell (outside the first column,
which labels the row) that begins with a number, after stripping emphasis and code marks, such as
``0.093``, ``4 / 36 (11.1%)``, ``506 verdicts/s`` or ``+0.000 [...]``. Tables that describe files,
flags, packages or suites hold no such cell and are exempt; a table that holds measured numbers
cannot be exempted by this rule.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from codeloop.cli import build_parser
from codeloop.experiments import PROVENANCE_LINE

README = Path(__file__).resolve().parents[1] / "README.md"
NUMBER = re.compile(r"^[+-]?\d")
#: Figure tables no codeloop command produces (measured by a one-off harness), by their header:
#: each is named in the README as such. Keep this empty when possible.
NO_COMMAND = {"| | 1 evaluation thread | 2 evaluation threads |"}


def tables(text: str) -> list[tuple[int, list[str], str]]:
    """(line number, the table's lines, the first non-blank line after it) for each Markdown table."""
    lines = text.splitlines()
    found, i = [], 0
    while i < len(lines):
        if lines[i].startswith("|") and i + 1 < len(lines) and re.match(r"^\|(\s*:?-+:?\s*\|)+\s*$", lines[i + 1]):
            start = i
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            after = next((line for line in lines[i:] if line.strip()), "")
            found.append((start + 1, lines[start:i], after))
        else:
            i += 1
    return found


def cells(row: str) -> list[str]:
    return [c.strip().strip("*`").strip() for c in re.split(r"(?<!\\)\|", row.strip().strip("|"))]


def is_figure_table(table: list[str]) -> bool:
    return any(NUMBER.match(cell) for row in table[2:] for cell in cells(row)[1:])


def test_the_rule_tells_figures_from_references() -> None:
    assert is_figure_table(["| a | b |", "|---|---|", "| `none` | 0.093 [0.019, 0.185] |"])
    assert is_figure_table(["| a | b |", "|---|---|", "| none | 4 / 36 (11.1%) |"])
    assert not is_figure_table(["| file | what |", "|---|---|", "| `config.json` | the configuration, 3 seeds |"])
    assert not is_figure_table(["| suite (974) | what |", "|---|---|", "| MBPP (974) | tasks |"])


def test_the_readme_has_figure_tables() -> None:
    assert sum(is_figure_table(t) for _, t, _ in tables(README.read_text(encoding="utf-8"))) >= 5


@pytest.mark.parametrize("line, table, after", [t for t in tables(README.read_text(encoding="utf-8"))
                                                 if is_figure_table(t[1])], ids=lambda v: str(v)[:12])
def test_every_figure_table_carries_its_provenance(line: int, table: list[str], after: str) -> None:
    if table[0] in NO_COMMAND:
        assert "no single codeloop command" in after, f"README.md:{line}: say below the table how it was measured"
        return
    match = PROVENANCE_LINE.match(after)
    assert match, f"README.md:{line}: the figure table is not followed by a provenance line; got {after[:120]!r}"
    words = shlex.split(match["command"])
    assert words[0] == "codeloop"
    try:
        args = build_parser().parse_args(words[1:])
    except SystemExit:
        pytest.fail(f"README.md:{line}: `{match['command']}` is not a command the codeloop parser accepts")
    assert args.handler is not None
    assert "/tmp/" not in match["command"] and "/work/" not in match["command"]
