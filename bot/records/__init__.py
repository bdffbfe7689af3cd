"""The case record offered at closing (issue 13): what happened, who did it, what the squad
did, and how far the survivor lets it go.

- ``model``: the fixed categories and the consent ladder (pure);
- ``pages``: the record's pages of buttons (pure);
- ``service``: ``Records``, the step after a close, ``/record CODE`` and the buttons.
"""
