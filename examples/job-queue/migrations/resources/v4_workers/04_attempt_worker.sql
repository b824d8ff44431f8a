ALTER TABLE job_attempts ADD COLUMN worker_id uuid REFERENCES workers (id) ON DELETE SET NULL;

CREATE INDEX job_attempts__idx__worker_id ON job_attempts (worker_id) WHERE worker_id IS NOT NULL;
