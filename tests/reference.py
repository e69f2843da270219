"""The 2019 lecture's printed rows (a copy of the course's lecture-2019-outputs.json)."""
import json
import pathlib

import numpy as np

ROWS = json.loads((pathlib.Path(__file__).parent / "data" / "lecture_2019_rows.json")
                  .read_text(encoding="utf-8"))["rows"]


def lecture_row(name: str) -> np.ndarray:
    """The printed values of one reference row, as float32."""
    return np.array(ROWS[name]["values"], dtype=np.float32)
