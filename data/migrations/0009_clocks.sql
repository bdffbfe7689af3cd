-- Legal and medical clocks (issue 11): the 48-hour limit after an arrest, and the medical
-- windows after a sexual assault. Their reminders are deadlines of kind 'clock' whose
-- ref_id is the clock. No name and no coordinate is kept here: where the person is held is
-- kept as typed (a saved place's id when it names one) and emptied at retention.
CREATE TABLE clocks (
    id             INTEGER PRIMARY KEY,
    alert_id       INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('legal', 'pep', 'ec', 'forensic')),
    started_at     REAL    NOT NULL,  -- when the arrest or the assault happened
    due_at         REAL    NOT NULL,  -- the limit, or when the window closes
    mark           TEXT    CHECK (mark IN ('released', 'fine_paid', 'bail', 'appeared',
                   'court_date', 'done', 'declined', 'not_needed', 'ended')),
    marked_at      REAL,
    court_date     REAL,              -- the court's opening time on the court date
    held_at        TEXT,              -- as the paralegal typed it; emptied at retention
    held_place_id  INTEGER REFERENCES places(id) ON DELETE SET NULL,
    UNIQUE (alert_id, kind)
);
CREATE INDEX clocks_running ON clocks(kind) WHERE mark IS NULL OR mark = 'court_date';
