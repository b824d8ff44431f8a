-- Claims the oldest due job of a queue for a worker; concurrent workers skip each other's rows.
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
  ORDER BY j.run_at, j.id
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

COMMENT ON FUNCTION claim_next_job(text, uuid) IS 'Claims the next due job of a queue (FOR UPDATE SKIP LOCKED), or returns no row';
