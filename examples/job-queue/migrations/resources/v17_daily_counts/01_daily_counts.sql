CREATE MATERIALIZED VIEW daily_job_counts AS
SELECT
  date_trunc('day', j.created_at AT TIME ZONE 'UTC') AS day,
  j.queue_id,
  j.status,
  count(*) AS jobs
FROM jobs AS j
GROUP BY 1, 2, 3
WITH DATA;

-- REFRESH MATERIALIZED VIEW CONCURRENTLY needs a unique index.
CREATE UNIQUE INDEX daily_job_counts__idx__day_queue_status ON daily_job_counts (day, queue_id, status);

GRANT SELECT ON daily_job_counts TO job_queue_reader;

COMMENT ON MATERIALIZED VIEW daily_job_counts IS 'Jobs created per UTC day, queue and current status; refreshed nightly';
