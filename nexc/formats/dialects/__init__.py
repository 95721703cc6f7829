"""The tool-call dialects: one module per model family, each a :class:`~nexc.formats.base.Format`.

:data:`nexc.formats.registry.BUILTIN` names them (``"module:Class"`` inside this package). The shared
machinery they are built from (``base``, ``parsing``, ``messages``, ``xmlcommon``, ``jsoncalls``,
``pyliteral``, ``chatml``, ``templates``, ``fastpath``) stays in :mod:`nexc.formats`.
"""
