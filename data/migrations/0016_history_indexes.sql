-- Indexes for the periodic passes over a long history (issue 14's footprint: 100,000 closed
-- alerts). Without them the auditor's pass, which runs every SQUADLINE_AUDIT_INTERVAL on the
-- event loop's thread, read whole tables: emptying expired referral notes read the
-- follow-ups once per closed alert, and forgetting strangers read every alert once per
-- stranger (150 s a pass on the footprint benchmark's history). With them no statement of
-- the pass reads a history table whole; tests/unit/test_query_plans.py checks the plans.
CREATE INDEX alerts_state ON alerts(state);
-- Closed alerts whose retention has not yet been applied (the purge's range).
CREATE INDEX alerts_unpurged ON alerts(closed_at) WHERE purged_at IS NULL;
-- A pin sent in private finds its reporter's alert; /me lists what they reported.
CREATE INDEX alerts_reporter ON alerts(reporter_user_id);
-- A drill still pointed at by a "responder needs help" drill.
CREATE INDEX alerts_linked ON alerts(linked_alert_id) WHERE linked_alert_id IS NOT NULL;
CREATE INDEX alerts_acknowledged ON alerts(acknowledged_at) WHERE acknowledged_at IS NOT NULL;
CREATE INDEX deadlines_fired ON deadlines(fired_at) WHERE fired_at IS NOT NULL;
CREATE INDEX followups_alert ON followups(alert_id);
CREATE INDEX referrals_noted ON referrals(alert_id) WHERE note IS NOT NULL;
CREATE INDEX outbox_alert ON outbox(alert_id);
-- Delivered rows still holding their text (scrubbed after SQUADLINE_OUTBOX_RETENTION).
CREATE INDEX outbox_unscrubbed ON outbox(coalesce(sent_at, created_at)) WHERE payload <> '{}';
