DROP INDEX IF EXISTS jobs__idx__ready;

CREATE INDEX jobs__idx__ready ON jobs (queue_id, priority DESC, run_at) WHERE status = 'queued';

CREATE OR REPLACE FUNCTION claim_next_job(p_queue text, p_worker uuid)
RETURNS SETOF jobs
LANGUAGE plpgsql
AS $fn$
DECLARE
  claimed jobs;
BEGIN
  SELECT j.* INTO claimed
  FROM jobs AS j
  JOIN queues AS q ON q.id = j.queue_id
  WHERE q.name = p_queue
    AND j.status = 'queued'
    AND j.run_at <= now()
  ORDER BY j.priority DESC, j.run_at, j.id
  LIMIT 1
  FOR UPDATE OF j SKIP LOCKED;

  IF NOT FOUND THEN
    RETURN;
  END IF;

  UPDATE jobs
  SET status = 'running', locked_by = p_worker, locked_at = now(), attempts = attempts + 1
  WHERE id = claimed.id
  RETURNING * INTO claimed;

  INSERT INTO job_attempts (job_id, attempt) VALUES (claimed.id, claimed.attempts);
  RETURN NEXT claimed;
END;
$fn$;
