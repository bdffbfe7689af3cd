-- When the leads were told that a message about an alert is stuck: they are told once
-- per alert, however many of its messages keep failing (issue 8).

ALTER TABLE alerts ADD COLUMN leads_told_at REAL;
