-- Roles belong to the cluster, not the database: create it only where it is missing.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'job_queue_reader') THEN
    CREATE ROLE job_queue_reader NOLOGIN;
  END IF;
END
$$;

GRANT SELECT ON queues, jobs, job_attempts, workers, dead_letters TO job_queue_reader;

GRANT SELECT ON queue_stats TO job_queue_reader;

COMMENT ON ROLE job_queue_reader IS 'Read-only access to the job queue, for dashboards';

GRANT SELECT ON queue_throughput TO job_queue_reader;

-- Only the workers' role claims jobs.
REVOKE ALL ON FUNCTION claim_next_job(text, uuid) FROM PUBLIC;
