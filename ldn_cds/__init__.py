"""ldn-cds: clinical decision support for low-dose naltrexone (LDN) in chronic pain.

The clinical logic lives in :mod:`ldn_cds.core` (standard library and pydantic only).
Everything else (resources loader, PDF, GUI, CLI) is a thin adapter around it.
The intended use, like every sentence the program prints, is rule-set data:
``RuleSet.texts.intended_use`` (``resources/texts.yaml``).
"""

__version__ = "0.1.0"
