-- A failed attempt is retried with exponential backoff until the queue's max_attempts; then the job is dead.
CREATE OR REPLACE FUNCTION fail_job(p_job_id bigint, p_error text)
RETURNS job_status
LANGUAGE plpgsql
AS $fail$
DECLARE
  job jobs;
  queue queues;
  next_status job_status;
BEGIN
  SELECT * INTO STRICT job FROM jobs WHERE id = p_job_id FOR UPDATE;
  SELECT * INTO STRICT queue FROM queues WHERE id = job.queue_id;

  UPDATE job_attempts
  SET finished_at = now(), error = p_error
  WHERE job_id = p_job_id AND attempt = job.attempts;

  next_status := CASE WHEN job.attempts >= queue.max_attempts THEN 'dead' ELSE 'queued' END;

  UPDATE jobs
  SET status = next_status,
      locked_by = NULL,
      locked_at = NULL,
      run_at = now() + queue.retry_backoff * power(2, least(job.attempts - 1, 10))
  WHERE id = p_job_id;

  RETURN next_status;
END;
$fail$;

COMMENT ON FUNCTION fail_job(bigint, text) IS 'Records a failed attempt; returns queued (retry scheduled) or dead';
