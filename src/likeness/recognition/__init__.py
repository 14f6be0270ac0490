"""Recognising likenesses: encoder and index ports and their backends.

Heavy packages (numpy, dlib, av, torch) are imported only inside the backend
modules, and only when a backend is first used; a missing extra raises
``MissingExtraError`` naming the ``pip install`` to run.
"""
