"""C2PA at the edge: clearance credentials signed into media and provenance read from it.

An adapter beside ``store/`` and ``scan/``: the c2pa-python SDK is imported inside
functions only (the ``provenance`` extra), always with the offline settings of
``sdk.py`` (no trust-list, OCSP, time-stamp or remote-manifest fetch).
"""
