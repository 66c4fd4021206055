"""The one error a source raises when its run must fail."""


class SourceError(Exception):
    """A source answered with something its parser cannot trust, or did not answer at all."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem
