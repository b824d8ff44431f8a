CREATE OR REPLACE FUNCTION refresh_daily_job_counts()
RETURNS void
LANGUAGE plpgsql
AS $$
BEGIN
  REFRESH MATERIALIZED VIEW CONCURRENTLY daily_job_counts;
END;
$$;

COMMENT ON FUNCTION refresh_daily_job_counts() IS 'Run nightly by the scheduler; readers are not blocked while it refreshes';
