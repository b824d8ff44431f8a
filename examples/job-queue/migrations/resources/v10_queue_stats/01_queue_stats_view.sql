CREATE VIEW queue_stats AS
SELECT
  q.id AS queue_id,
  q.name AS queue,
  count(j.id) FILTER (WHERE j.status = 'queued') AS queued,
  count(j.id) FILTER (WHERE j.status = 'queued' AND j.run_at <= now()) AS due,
  count(j.id) FILTER (WHERE j.status = 'running') AS running,
  count(j.id) FILTER (WHERE j.status = 'failed') AS failed,
  count(j.id) FILTER (WHERE j.status = 'dead') AS dead,
  min(j.run_at) FILTER (WHERE j.status = 'queued') AS oldest_queued_run_at
FROM queues AS q
LEFT JOIN jobs AS j ON j.queue_id = q.id
GROUP BY q.id, q.name;

COMMENT ON VIEW queue_stats IS 'Jobs per queue and status, for dashboards and alarms';
