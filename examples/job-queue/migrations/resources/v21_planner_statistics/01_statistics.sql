-- The planner underestimated how often queue and status go together.
CREATE STATISTICS jobs__stats__queue_id_status (dependencies, ndistinct) ON queue_id, status FROM jobs;

ALTER TABLE jobs SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.01);

ALTER TABLE job_events SET (fillfactor = 100);

ANALYZE jobs;

DROP INDEX IF EXISTS jobs__idx__payload_kind;

ALTER INDEX jobs__idx__payload_kind_lower RENAME TO jobs__idx__active_kind;

ANALYZE job_events;

CREATE INDEX job_attempts__idx__recent_errors ON job_attempts (finished_at DESC) WHERE error IS NOT NULL;
