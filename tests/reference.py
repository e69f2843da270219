"""The 2019 lecture's printed rows (a copy of the course's lecture-2019-outputs.json)."""
import json
import pathlib

import numpy as np

ROWS = json.loads((pathlib.Path(__file__).parent / "data" / "lecture_2019_rows.json")
                  .read_text(encoding="utf-8"))["rows"]


def lecture_row(name: str) -> np.ndarray:
    """The printed values of one reference row, as float32."""
    return np.array(ROWS[name]["values"], dtype=np.float32)


def first_printed_row(text: str, marker: str = "[[") -> np.ndarray:
    """The numbers of the first row MXNet printed after ``marker`` (``[[ 0.0954 ...``).

    Printed digits differ in the last place between machines (0.09543003 here, 0.09543005
    elsewhere), so tests compare these numbers with a tolerance, never the text.
    """
    start = text.index(marker) + len(marker)
    tokens = text[start:text.index("]", start)].split()
    if "..." in tokens:  # a long row is printed in part: keep its head
        tokens = tokens[:tokens.index("...")]
    return np.array(tokens, dtype=np.float32)
