"""CDS Hooks 2.0 service (``ldn-cds serve``): an adapter around the FHIR import and the assessment.

``ldn_cds.service.hooks`` is pure (a parsed request in, cards and the assessment out, no web
framework); ``ldn_cds.service.app`` is the Starlette application that ``ldn_cds.service_cli``
runs under uvicorn.  Starlette and uvicorn are imported only there, so the window and the other
commands never load them.
"""
