-- The right responders for the crisis (issue 11): member skills, crisis types and what each
-- needs in this squad, an alert's team of slots, and deadlines for clocks and check-ins.

-- A member's skills, from the fixed set (bot.domain.Skill).
CREATE TABLE member_skills (
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    skill      TEXT    NOT NULL CHECK (skill IN
               ('paralegal', 'health', 'peer', 'counsellor', 'transport', 'leader', 'police')),
    PRIMARY KEY (member_id, skill)
);

-- A lead's change to what a crisis type needs in this squad: one slot per comma-separated
-- part, each part the skills that can fill it in order of preference ("peer/health"); '' : anyone.
CREATE TABLE squad_needs (
    squad_id    INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    crisis_type TEXT    NOT NULL,
    skills      TEXT    NOT NULL,
    PRIMARY KEY (squad_id, crisis_type)
);

-- NULL: no type chosen yet (dispatched as "other"). occurred_at: when it happened, if typed.
ALTER TABLE alerts ADD COLUMN crisis_type TEXT;
ALTER TABLE alerts ADD COLUMN police_consent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE alerts ADD COLUMN occurred_at REAL;
-- A "responder needs help" alert points at the alert its responder was on.
ALTER TABLE alerts ADD COLUMN linked_alert_id INTEGER REFERENCES alerts(id) ON DELETE SET NULL;

-- One slot per need: the skills that fill it, in order of preference, comma-separated
-- ('' : anyone). The first holder owns the alert.
CREATE TABLE slots (
    id                INTEGER PRIMARY KEY,
    alert_id          INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    position          INTEGER NOT NULL,
    skills            TEXT    NOT NULL DEFAULT '',
    open_to_anyone    INTEGER NOT NULL DEFAULT 0,
    holder_member_id  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    filled_at         REAL,
    waves             INTEGER NOT NULL DEFAULT 0,
    short_paged       INTEGER NOT NULL DEFAULT 0,  -- the leads were told nobody is left
    UNIQUE (alert_id, position)
);
CREATE INDEX slots_holder ON slots(holder_member_id) WHERE holder_member_id IS NOT NULL;

-- The slot an offer is for (NULL: a broadcast offer, for any open slot).
ALTER TABLE offers ADD COLUMN slot_id INTEGER REFERENCES slots(id) ON DELETE CASCADE;

-- Existing alerts get one "anyone" slot, held by their owner if they have one.
INSERT INTO slots(alert_id, position, holder_member_id, filled_at, waves)
    SELECT id, 0, owner_member_id, acknowledged_at, offers_made FROM alerts;
UPDATE offers SET slot_id = (SELECT s.id FROM slots s WHERE s.alert_id = offers.alert_id)
    WHERE NOT EXISTS (SELECT 1 FROM alerts a WHERE a.id = offers.alert_id AND a.broadcast = 1);

-- Deadlines gain clock and check-in kinds, and a reference to the row they are for.
CREATE TABLE deadlines_new (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN
                  ('location', 'ack', 'escalate', 'clock', 'checkin')),
    alert_id      INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    offer_id      INTEGER REFERENCES offers(id) ON DELETE CASCADE,
    ref_id        INTEGER,
    due_at        REAL    NOT NULL,
    fired_at      REAL,
    cancelled_at  REAL
);
INSERT INTO deadlines_new(id, kind, alert_id, offer_id, due_at, fired_at, cancelled_at)
    SELECT id, kind, alert_id, offer_id, due_at, fired_at, cancelled_at FROM deadlines;
DROP TABLE deadlines;
ALTER TABLE deadlines_new RENAME TO deadlines;
CREATE INDEX deadlines_pending ON deadlines(due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE INDEX deadlines_alert ON deadlines(alert_id);
