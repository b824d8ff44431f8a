-- Exactly the rows claim_next_job scans.
CREATE INDEX jobs__idx__ready ON jobs (queue_id, run_at) WHERE status = 'queued';
