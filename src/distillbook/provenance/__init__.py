"""Could a teacher prove it was copied? Watermarks that survive distillation, and fingerprints (chapter 06).

Modules: ``watermark`` (the green-list scheme and its detectors), ``fingerprint`` (agreement on rare prompts and
its permutation test), ``experiments`` (the chapter's runs), ``figures`` and ``tables``.
"""
