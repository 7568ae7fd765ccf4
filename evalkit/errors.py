"""User-facing errors: the CLI prints them as one line and exits 2, never a traceback."""

from __future__ import annotations

import os


class UserError(Exception):
    """A mistake in the user's input (file, config, option). Message is `where: what is wrong`."""

    exit_code = 2


class InputError(UserError):
    """A bad record in a file: reported as `path:line: field: problem`."""

    def __init__(
        self, path: str | os.PathLike[str], line: int | None, field: str | None, problem: str
    ) -> None:
        self.path, self.line, self.field, self.problem = str(path), line, field, problem
        where = self.path if line is None else f"{self.path}:{line}"
        message = f"{where}: {field}: {problem}" if field else f"{where}: {problem}"
        super().__init__(message)
