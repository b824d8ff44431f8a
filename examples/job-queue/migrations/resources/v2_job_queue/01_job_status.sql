-- The life of a job. New states are added with ALTER TYPE … ADD VALUE in versions of their own.
CREATE TYPE job_status AS ENUM ('queued', 'running', 'succeeded', 'failed');

COMMENT ON TYPE job_status IS 'Where a job is in its life: queued until a worker claims it, then running until it ends';
