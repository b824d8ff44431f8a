ALTER TABLE queues ADD COLUMN retry_backoff interval NOT NULL DEFAULT '30 seconds';

ALTER TABLE queues ADD CONSTRAINT queues__retry_backoff_positive CHECK (retry_backoff > interval '0');

UPDATE queues SET retry_backoff = interval '5 minutes' WHERE name = 'mail';

COMMENT ON COLUMN queues.retry_backoff IS 'Wait before the first retry; each later retry waits twice as long';
