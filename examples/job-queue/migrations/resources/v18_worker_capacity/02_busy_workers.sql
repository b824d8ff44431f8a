CREATE VIEW worker_load AS
SELECT
  w.id AS worker_id,
  w.hostname,
  w.capacity,
  count(j.id) AS running,
  w.capacity - count(j.id) AS free_slots
FROM workers AS w
LEFT JOIN jobs AS j ON j.locked_by = w.id AND j.status = 'running'
GROUP BY w.id, w.hostname, w.capacity;

GRANT SELECT ON worker_load TO job_queue_reader;

COMMENT ON VIEW worker_load IS 'Running jobs and free slots per worker';
