ALTER TABLE queues ADD COLUMN paused_at timestamptz;

CREATE INDEX queues__idx__paused ON queues (id) WHERE paused_at IS NOT NULL;

CREATE OR REPLACE VIEW queue_stats AS
SELECT
  q.id AS queue_id,
  q.name AS queue,
  count(j.id) FILTER (WHERE j.status = 'queued') AS queued,
  count(j.id) FILTER (WHERE j.status = 'queued' AND j.run_at <= now()) AS due,
  count(j.id) FILTER (WHERE j.status = 'running') AS running,
  count(j.id) FILTER (WHERE j.status = 'failed') AS failed,
  count(j.id) FILTER (WHERE j.status = 'dead') AS dead,
  min(j.run_at) FILTER (WHERE j.status = 'queued') AS oldest_queued_run_at,
  q.paused_at IS NOT NULL AS paused
FROM queues AS q
LEFT JOIN jobs AS j ON j.queue_id = q.id
GROUP BY q.id, q.name, q.paused_at;

COMMENT ON COLUMN queues.paused_at IS 'Set by pause_queue: claim_next_job skips the queue until resume_queue';
