"""The project's error types.

Every problem with a per-sample input file is raised as :class:`InputError`; the screening
layer turns it into an INDETERMINATE reason for that patient only. Problems with the sample
sheet or configuration are collected into one :class:`ConfigError` so a run stops before any
work, listing every problem at once.
"""

from __future__ import annotations

from pathlib import Path


class Mdm2ScreenError(Exception):
    """Base class of every error mdm2screen raises on purpose."""


class InputError(Mdm2ScreenError):
    """A per-sample input file that cannot be used.

    ``code`` is a short machine-readable reason (``cn_unreadable``, ``vcf_unreadable``,
    ``build_mismatch`` ...); the message names the file, the line or field when known, what
    was expected and what was found.
    """

    def __init__(
        self,
        path: str | Path | None,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        expected: str | None = None,
        found: object = None,
        code: str = "input_unusable",
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.expected = expected
        self.found = found
        self.code = code
        self.detail = message
        super().__init__(self._format())

    def __reduce__(self) -> tuple:
        # Rebuilt from its fields: Exception's default (cls, args) would call __init__ with the
        # formatted message alone. Shared-file extracts and worker processes carry these errors.
        fields = (self.path, self.detail, self.line, self.field, self.expected, self.found, self.code)
        return (_rebuild_input_error, (type(self), *fields))

    def _format(self) -> str:
        where = self.path or "<input>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.field:
            where += f", field '{self.field}'"
        text = f"{where}: {self.detail}"
        if self.expected is not None:
            text += f" (expected {self.expected}"
            if self.found is not None:
                found = str(self.found)
                if len(found) > 80:
                    found = found[:77] + "..."
                text += f", found {found!r}"
            text += ")"
        elif self.found is not None:
            text += f" (found {str(self.found)[:80]!r})"
        return text


def _rebuild_input_error(
    cls: type[InputError],
    path: str | None,
    message: str,
    line: int | None,
    field: str | None,
    expected: str | None,
    found: object,
    code: str,
) -> InputError:
    return cls(path, message, line=line, field=field, expected=expected, found=found, code=code)


class ConfigError(Mdm2ScreenError):
    """Sample sheet, IHC table or configuration problems; lists them all."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) found before any work was done:\n{lines}")
