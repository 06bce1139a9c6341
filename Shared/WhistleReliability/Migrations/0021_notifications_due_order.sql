-- 0021 (issue 17): the notifier's two hot statements read only the rows they touch.
-- Measured with a million closed tickets of history (4.7 M notifications) and a burst of
-- 78,000 notifications due:
-- * The claim takes the oldest due ones, `ORDER BY next_attempt_at, id LIMIT n`. The due index
--   of 0001 held only `next_attempt_at`, so PostgreSQL read every due row, sorted them (spilling
--   to disk) and kept n: 65 ms a claim. Keyed by both columns, the claim reads its n rows in
--   index order and stops: 0.2 ms.
-- * The outcome of a round (`UPDATE … FROM unnest … WHERE n.id = u.id AND n.status = 'sending'`)
--   found its rows by scanning the due index for `sending` among every pending entry: 103 ms a
--   round. An index of the notifications being sent (a few hundred at most) makes it 0.65 ms.
-- Together the backlog drained at 1,080 notifications/s instead of 200, and PostgreSQL's CPU
-- fell from 88 % of a core to 37 %.
DROP INDEX notifications_due_idx;
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at, id) WHERE status IN ('pending', 'sending');
CREATE INDEX notifications_sending_idx ON notifications (id) WHERE status = 'sending';
