CREATE OR REPLACE FUNCTION cancel_job(p_job_id bigint)
RETURNS boolean
LANGUAGE plpgsql
AS $body$
BEGIN
  UPDATE jobs
  SET status = 'cancelled', cancelled_at = now(), locked_by = NULL, locked_at = NULL
  WHERE id = p_job_id AND status IN ('queued', 'failed');
  RETURN FOUND;
END;
$body$;

COMMENT ON FUNCTION cancel_job(bigint) IS 'Cancels a job that is not running or finished; true when it did';
