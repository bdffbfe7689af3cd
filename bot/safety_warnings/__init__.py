"""Warnings that keep others safe (issue 13): ``/warn CODE``, approval by a second lead,
delivery in private to every member, ``/warnings``, and expiry.

(Named ``safety_warnings`` so it never shadows the standard library's ``warnings``.)

- ``texts``: how a warning reads (pure);
- ``service``: ``Warnings``, the commands, the draft's buttons and the approval.
"""
