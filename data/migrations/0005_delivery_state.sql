-- Delivery state (issue 8):
-- when the leads were told that a message about an alert is stuck (they are told once
-- per alert, however many of its messages keep failing);
ALTER TABLE alerts ADD COLUMN leads_told_at REAL;
-- an outbox row whose earlier call timed out, so Telegram may have it already (a copy
-- sent again says so, like one sent again after a crash).
ALTER TABLE outbox ADD COLUMN uncertain INTEGER NOT NULL DEFAULT 0;
