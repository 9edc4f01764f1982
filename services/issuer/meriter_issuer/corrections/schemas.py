"""What a correction takes and answers: a result as intake defines it (one shape for a
result, whichever route carries it)."""

from __future__ import annotations

from meriter_issuer.intake.schemas import ResultDetail, ResultIn

__all__ = ["ResultDetail", "ResultIn"]
