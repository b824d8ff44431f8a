-- A new enum value cannot be used in the transaction that adds it: the versions after this one use them.
ALTER TYPE job_status ADD VALUE IF NOT EXISTS 'cancelled';

ALTER TYPE job_status ADD VALUE IF NOT EXISTS 'dead' AFTER 'failed';
