-- Privacy: group hygiene switch, reporter pseudonym and contact choice, purge marks,
-- and groups the bot was added to that have not run /setup yet.

ALTER TABLE squads ADD COLUMN hygiene INTEGER NOT NULL DEFAULT 1;

ALTER TABLE alerts ADD COLUMN reporter_alias TEXT;
ALTER TABLE alerts ADD COLUMN contact_ok INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN coarsened INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN purged_at REAL;

CREATE TABLE pending_groups (
    chat_id   INTEGER PRIMARY KEY,
    added_at  REAL    NOT NULL
);
