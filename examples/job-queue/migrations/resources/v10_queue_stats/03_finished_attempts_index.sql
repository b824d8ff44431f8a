-- queue_throughput reads the last hour of finished attempts.
CREATE INDEX job_attempts__idx__finished_at ON job_attempts (finished_at) WHERE finished_at IS NOT NULL;
