"""The legal and medical clocks that follow an alert (issue 11).

- ``model``: clock kinds, marks and the clock row;
- ``legal``: the 48-hour rule and court hours (pure);
- ``medical``: the windows after a sexual assault (pure);
- ``times``: typed times and dates, and what they mean in the squad's time zone (pure);
- ``lines``: the brief's, the reminders' and ``/status``'s lines (pure);
- ``watcher``: the team-watcher hooks and the rules of when and whom to remind;
- ``service``: ``Clocks``, those hooks plus the commands and the mark buttons;
- ``status``: the lines `/status` shows leads.

Nothing is imported here, so ``data`` can use ``bot.clocks.model`` without a cycle.
"""
