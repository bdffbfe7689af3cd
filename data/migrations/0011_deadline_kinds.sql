-- Deadlines take any kind the core names (bot.domain.DeadlineKind), so a new capability
-- (follow-ups, fund, drills, ...) adds its kind in Python without rebuilding this table.
-- Reading a row turns its kind into the enum, so an unknown kind still fails loudly.
CREATE TABLE deadlines_new (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
    alert_id      INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    offer_id      INTEGER REFERENCES offers(id) ON DELETE CASCADE,
    ref_id        INTEGER,
    due_at        REAL    NOT NULL,
    fired_at      REAL,
    cancelled_at  REAL
);
INSERT INTO deadlines_new(id, kind, alert_id, offer_id, ref_id, due_at, fired_at, cancelled_at)
    SELECT id, kind, alert_id, offer_id, ref_id, due_at, fired_at, cancelled_at FROM deadlines;
DROP TABLE deadlines;
ALTER TABLE deadlines_new RENAME TO deadlines;
CREATE INDEX deadlines_pending ON deadlines(due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX deadlines_alert ON deadlines(alert_id);
CREATE INDEX deadlines_ref ON deadlines(kind, ref_id) WHERE ref_id IS NOT NULL;
