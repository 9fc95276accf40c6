"""The Functions app class: ``func.FunctionApp`` whose function list is built once.

azure-functions 2.x builds the function list on every ``get_functions()`` and refuses a
second call ("does not have a unique function name"). The worker indexes the app once;
the OpenAPI document and the local host read the same list again, so it is built once
per app and kept.
"""

from __future__ import annotations

from typing import Any

import azure.functions as func
from azure.functions.decorators.function_app import Function


class FunctionApp(func.FunctionApp):
    """A ``func.FunctionApp`` whose ``get_functions()`` answers the same list every time."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._indexed: list[Function] | None = None

    def get_functions(self) -> list[Function]:
        if self._indexed is None:
            self._indexed = super().get_functions()
        return self._indexed
