"""ldn-cds: clinical decision support for low-dose naltrexone (LDN) in chronic pain.

The clinical logic lives in :mod:`ldn_cds.core` (standard library and pydantic only).
Everything else (resources loader, PDF, GUI, CLI) is a thin adapter around it.
"""

__version__ = "0.1.0"

INTENDED_USE = (
    "ldn-cds supports, and never replaces, the judgement of a licensed prescriber. "
    "It is intended for adults with chronic pain, for the off-label use of low-dose "
    "naltrexone. Every recommendation shows its basis (rule, inputs used, inputs missing, "
    "source and evidence grade) so that the prescriber can review it independently. "
    "The patient handout is education the prescriber chooses to print; it decides nothing "
    "for the patient."
)
