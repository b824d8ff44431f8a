CREATE OR REPLACE FUNCTION complete_job(p_job_id bigint)
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  UPDATE job_attempts
  SET finished_at = now()
  WHERE job_id = p_job_id AND finished_at IS NULL;

  UPDATE jobs
  SET status = 'succeeded', locked_by = NULL, locked_at = NULL
  WHERE id = p_job_id AND status = 'running';

  IF NOT FOUND THEN
    RAISE EXCEPTION 'job % is not running', p_job_id USING ERRCODE = 'P0002';
  END IF;
END;
$$;
