"""The one exception type for bad input: it knows the file and, where there is one, the line."""


class InputError(Exception):
    """Bad input a person must fix; the CLI prints `error: <file>:<line>: <message>` and exits 2."""

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def located(self, path: str) -> "InputError":
        """Return this error with `path` filled in if it had none."""
        return InputError(self.message, self.path or path, self.line)

    def __str__(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.message}"
