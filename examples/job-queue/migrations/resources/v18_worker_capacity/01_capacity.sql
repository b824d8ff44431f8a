ALTER TABLE workers ADD COLUMN capacity integer NOT NULL DEFAULT 1;

ALTER TABLE workers ADD CONSTRAINT workers__capacity_range CHECK (capacity BETWEEN 1 AND 256);

ALTER TABLE workers ADD COLUMN queues text[] NOT NULL DEFAULT '{default}';

COMMENT ON COLUMN workers.queues IS 'The queues this worker claims from, in order of preference';

CREATE INDEX workers__idx__queues ON workers USING gin (queues);
