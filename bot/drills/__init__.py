"""Drills (issue 15 §2): ``/drill``, a practice alert a lead raises in the real squad.

- ``marking``: how every message about a drill says DRILL (pure);
- ``placing``: the made-up point near the squad, away from every member (pure);
- ``service``: ``/drill`` itself, its end after ``SQUADLINE_DRILL_LIFETIME``, and its
  deletion once its phones are cleaned (a watcher of every alert's team).

The lifecycle's own part (raising one, and ending it) is ``bot/alerts/drilling.py``.
"""
