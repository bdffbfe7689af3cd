-- Drills for real squads (issue 15): a practice alert a lead raises with /drill. It runs
-- like any alert, is marked DRILL on every message, is left out of /status, /report,
-- /meeting and the follow-ups, and is deleted entirely once it ends (bot/drills/).
ALTER TABLE alerts ADD COLUMN drill INTEGER NOT NULL DEFAULT 0;
