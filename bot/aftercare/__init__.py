"""After the call (issue 12): the squad's service directory, referrals tracked to their
outcome, follow-up tasks owned by paralegals and peer educators, and the meeting digest.

- ``model``: categories, referral states, rules, tasks: plain values;
- ``hours``: opening hours, read and understood ("open now", "opens 08:00"), pure;
- ``entries``: what a lead types for a directory entry (category, phone, the one-line form);
- ``rules``: the follow-up rules, their defaults (settings) and a squad's changes;
- ``lines``: what the directory, referrals and tasks say, and their buttons (pure);
- ``directory``: ``/service`` (one line, or a guided dialogue with buttons) and ``/services``;
- ``referrals``: ``/refer`` and the referral at closing, consent, states, notes;
- ``owners``: who owns a follow-up task;
- ``followups``: the tasks (a ``TeamWatcher``), their reminders and overdue pages;
- ``tasks``: ``/followups`` and the task buttons;
- ``meeting``: ``/meeting``, the digest for partners (codes and counts only);
- ``status``: the lines ``/status`` shows leads;
- ``facade``: ``Aftercare``, the one object the adapters call.

Nothing is imported here, so ``data`` can use ``bot.aftercare.model`` without a cycle.
"""
