"""REFI-QDA exchange (no Flask): codebooks (.qdc) and projects (.qdpx) in and out.

``qdc`` reads, merges and writes codebooks; ``qdpx_write`` exports a project, ``qdpx_read``
imports one as a new project (its selections and codings in ``qdpx_selections``, sets of codes
in ``sets``); ``convention`` says where casecoder's own fields go in the .qde;
``xmlread`` (defusedxml, namespace-agnostic), ``archive`` (safe zip), ``positions`` (BOM,
UTF-16 offsets) and ``report`` (the import report) are the helpers. See docs/refi.md.
"""
