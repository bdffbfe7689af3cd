-- Join approval, alerts held for a lead, and blocks.

-- Members who joined before approval existed stay members: the default marks them approved.
ALTER TABLE members ADD COLUMN approved INTEGER NOT NULL DEFAULT 1;

-- 1: the alert waits for a lead (Dispatch or Dismiss) instead of being offered to members,
-- because its reporter is blocked or holds too many open alerts.
ALTER TABLE alerts ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
CREATE INDEX alerts_reporter_open ON alerts(squad_id, reporter_user_id)
    WHERE state IN ('new', 'offered', 'acknowledged', 'en_route', 'on_scene', 'escalated');

-- A lead stopped this person's alerts from dispatching in this squad (kept until /unblock).
CREATE TABLE blocks (
    id          INTEGER PRIMARY KEY,
    squad_id    INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    at          REAL    NOT NULL,
    UNIQUE (squad_id, user_id)
);
