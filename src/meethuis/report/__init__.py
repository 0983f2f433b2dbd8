"""Stage 4, the report: the runner, HTML assembly, the measurement-house figure and one view module per chapter."""
import sys as _sys

# nbformat imports jsonschema, which builds a grammar for IRI format checks when the optional
# rfc3987_syntax is installed: about 2 CPU seconds per process. Notebook validation uses no IRI
# formats, so the report processes skip that module (jsonschema then leaves the "iri" check out).
_sys.modules.setdefault("rfc3987_syntax", None)
