CREATE VIEW queue_throughput AS
SELECT
  j.queue_id,
  count(*) FILTER (WHERE a.error IS NULL) AS succeeded_last_hour,
  count(*) FILTER (WHERE a.error IS NOT NULL) AS failed_last_hour,
  avg(a.finished_at - a.started_at) AS mean_duration
FROM job_attempts AS a
JOIN jobs AS j ON j.id = a.job_id
WHERE a.finished_at >= now() - interval '1 hour'
GROUP BY j.queue_id;

COMMENT ON VIEW queue_throughput IS 'Finished attempts per queue over the last hour';
