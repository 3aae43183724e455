"""Small file helpers shared by the packages that write run records (optimizers, experiments)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_json_atomically(path: Path, record: Any) -> Path:
    """Write to a temporary file beside ``path`` and rename it: a kill never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
        json.dump(record, handle, indent=1, default=str)
        handle.write("\n")
        temporary = handle.name
    os.replace(temporary, path)
    return path
