ALTER TABLE job_events
  ADD CONSTRAINT job_events__fk_job_id FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE NOT VALID;

ALTER TABLE job_events VALIDATE CONSTRAINT job_events__fk_job_id;

ALTER TABLE job_events
  ADD CONSTRAINT job_events__event_known CHECK (event IN ('created', 'status', 'note')) NOT VALID;

ALTER TABLE job_events VALIDATE CONSTRAINT job_events__event_known;

CREATE INDEX job_events__idx__job_id_at ON job_events (job_id, at DESC);

GRANT SELECT ON job_events TO job_queue_reader;

COMMENT ON CONSTRAINT job_events__event_known ON job_events IS 'Extend the list in a new version before a release writes a new kind of event';

ALTER TABLE job_events ALTER COLUMN status SET NOT NULL;
