-- After the call (issue 12): the squad's service directory, referrals tracked to their
-- outcome, follow-up tasks from rules, and the meetings that review them.
--
-- Directory entries are squad data (a public service's name, place, hours, phone and a
-- note); /wipe deletes them with the squad. A referral holds a category, a service, its
-- states with their times, and a short note typed by the one who made it: the note is
-- emptied SQUADLINE_RETENTION_DAYS after the case's end. A task holds no free text at all.

CREATE TABLE services (
    id          INTEGER PRIMARY KEY,
    squad_id    INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    category    TEXT    NOT NULL CHECK (category IN
                ('clinic', 'care', 'pep', 'legal', 'shelter', 'counselling', 'police', 'other')),
    name        TEXT    NOT NULL,
    name_key    TEXT    NOT NULL,
    lat         REAL    NOT NULL,
    lon         REAL    NOT NULL,
    -- Opening hours in their canonical form ('mon-fri 08:00-16:00; sat 08:00-12:00',
    -- '24/7', 'closed'); '' : not known.
    hours       TEXT    NOT NULL DEFAULT '',
    phone       TEXT,
    note        TEXT,
    created_at  REAL    NOT NULL,
    UNIQUE (squad_id, name_key)
);

-- A lead in the guided /service add dialogue: what they have said so far, until they finish
-- or SQUADLINE_NOTE_WAIT passes without a word (the auditor then deletes it).
CREATE TABLE service_drafts (
    user_id     INTEGER PRIMARY KEY,
    squad_id    INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    step        TEXT    NOT NULL CHECK (step IN ('name', 'place', 'hours', 'phone', 'note')),
    category    TEXT    NOT NULL,
    name        TEXT,
    lat         REAL,
    lon         REAL,
    hours       TEXT,
    phone       TEXT,
    until       REAL    NOT NULL
);

-- A referral is made only with the person's agreement: consent_at is never empty.
CREATE TABLE referrals (
    id           INTEGER PRIMARY KEY,
    alert_id     INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    service_id   INTEGER REFERENCES services(id) ON DELETE SET NULL,
    category     TEXT    NOT NULL,
    made_by      INTEGER REFERENCES members(id) ON DELETE SET NULL,
    consent_at   REAL    NOT NULL,
    state        TEXT    NOT NULL DEFAULT 'referred' CHECK (state IN
                 ('referred', 'attended', 'successful', 'unsuccessful', 'lost')),
    reason       TEXT    CHECK (reason IN
                 ('refused', 'turned_away', 'unreachable', 'not_needed', 'other')),
    referred_at  REAL    NOT NULL,
    attended_at  REAL,
    finished_at  REAL,   -- completed (successful or not) or lost
    note         TEXT,   -- as its maker typed it; emptied at retention
    CHECK ((state = 'unsuccessful') = (reason IS NOT NULL))
);
CREATE INDEX referrals_alert ON referrals(alert_id);

-- "📝 Note" was pressed on a referral: the next private text of this person is its note.
CREATE TABLE referral_note_requests (
    user_id      INTEGER PRIMARY KEY,
    referral_id  INTEGER NOT NULL REFERENCES referrals(id) ON DELETE CASCADE,
    until        REAL    NOT NULL
);

-- Follow-up tasks. Their reminder and their overdue page are deadlines (kinds 'followup'
-- and 'followup_late') whose ref_id is the task.
CREATE TABLE followups (
    id               INTEGER PRIMARY KEY,
    alert_id         INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    referral_id      INTEGER REFERENCES referrals(id) ON DELETE CASCADE,
    rule             TEXT    NOT NULL CHECK (rule IN
                     ('check', 'pep', 'hiv1', 'hiv2', 'hiv3', 'court', 'referral')),
    owner_member_id  INTEGER REFERENCES members(id) ON DELETE SET NULL,
    due_at           REAL    NOT NULL,
    state            TEXT    NOT NULL DEFAULT 'open'
                     CHECK (state IN ('open', 'done', 'unreached', 'cancelled')),
    created_at       REAL    NOT NULL,
    finished_at      REAL,
    snoozes          INTEGER NOT NULL DEFAULT 0,
    leads_paged_at   REAL    -- the leads were told it is overdue (once)
);
CREATE UNIQUE INDEX followups_rule ON followups(alert_id, rule) WHERE referral_id IS NULL;
CREATE UNIQUE INDEX followups_referral ON followups(referral_id) WHERE referral_id IS NOT NULL;
CREATE INDEX followups_owner ON followups(owner_member_id) WHERE state = 'open';

-- A lead's change to a follow-up rule in this squad: offset_s NULL switches it off.
CREATE TABLE followup_rules (
    squad_id  INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    rule      TEXT    NOT NULL,
    offset_s  REAL,
    PRIMARY KEY (squad_id, rule)
);

-- Meetings a lead marked as held: the next /meeting digest starts at the last one's end.
CREATE TABLE meetings (
    id        INTEGER PRIMARY KEY,
    squad_id  INTEGER NOT NULL REFERENCES squads(id) ON DELETE CASCADE,
    since     REAL    NOT NULL,
    until     REAL    NOT NULL
);
