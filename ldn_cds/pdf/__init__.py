"""PDF output (reportlab Platypus): the clinician summary and the patient handout.

What each document says is decided by :mod:`ldn_cds.core.report_content` (pure data); this
package only decides how it looks.  reportlab is imported here and nowhere else.
"""

from ldn_cds.core.report_content import PrintSettings
from ldn_cds.fileio import safe_stem
from ldn_cds.pdf.render import (
    render_document,
    render_handout,
    render_summary,
    write_case_pdfs,
)

__all__ = [
    "PrintSettings",
    "render_document",
    "render_handout",
    "render_summary",
    "safe_stem",
    "write_case_pdfs",
]
