"""What a request brings in, without NUL characters: PostgreSQL refuses them in text, SQLite
stores them, so every query string and form field is cleaned here, on both engines alike."""

from __future__ import annotations

from typing import Any

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, iter_multi_items

from tracker.bounds import without_nul


class Inputs(ImmutableMultiDict[str, Any]):
    """Query arguments, form fields (and uploaded files, left as they are) without NUL."""

    def __init__(self, mapping: Any = None) -> None:
        super().__init__(
            [(without_nul(k), without_nul(v)) for k, v in iter_multi_items(mapping or ())]
        )


class CleanRequest(Request):
    parameter_storage_class = Inputs
