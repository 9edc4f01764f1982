"""DEQAR's formats, mapped to and from the registry's, one module per format.

DEQAR (the Database of External Quality Assurance Results) speaks three
formats the registry reads:

* Submission API v2 report objects (:mod:`.submission`):
  :func:`submission_aliases`, :func:`programme_aliases`;
* the same objects as CSV rows (:mod:`.csv_layout`): :class:`CsvLayout`,
  :func:`unflatten`, :func:`without_bom`;
* web API v2 records of agencies and institutions (:mod:`.web_api`), as
  ``meriter registry import`` reads them: :func:`agency_from_deqar`,
  :func:`institution_from_deqar`, :func:`records`.

What they share is in :mod:`.common` (an activity's type from its name).
Nothing here touches the database or decides a rule; it only maps shapes.
The names below are the package's interface; callers write ``deqar.<name>``.
"""

from __future__ import annotations

from meriter_registry.deqar.common import activity_type
from meriter_registry.deqar.csv_layout import (
    BOM,
    MAX_CSV_INDEX,
    CsvColumnError,
    CsvLayout,
    column_path,
    unflatten,
    without_bom,
)
from meriter_registry.deqar.submission import (
    DECISION_IDS,
    STATUS_IDS,
    programme_aliases,
    submission_aliases,
)
from meriter_registry.deqar.web_api import (
    QF_EHEA_LEVELS,
    RecordError,
    agency_from_deqar,
    institution_deqar_id,
    institution_from_deqar,
    qf_ehea_level,
    records,
)

__all__ = [
    "BOM",
    "DECISION_IDS",
    "MAX_CSV_INDEX",
    "QF_EHEA_LEVELS",
    "STATUS_IDS",
    "CsvColumnError",
    "CsvLayout",
    "RecordError",
    "activity_type",
    "agency_from_deqar",
    "column_path",
    "institution_deqar_id",
    "institution_from_deqar",
    "programme_aliases",
    "qf_ehea_level",
    "records",
    "submission_aliases",
    "unflatten",
    "without_bom",
]
