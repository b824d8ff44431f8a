/* Open notes whose deadline has passed, per list.
   Deleted notes and lists are left out. */
CREATE OR REPLACE VIEW overdue_notes AS
SELECT n.id, n.note, n.deadline, n.priority, l.name AS list_name, l.user_id
FROM notes n
JOIN lists l ON l.id = n.list_id
WHERE n.done = 0
  AND n.deleted_at IS NULL
  AND l.deleted_at IS NULL
  AND n.deadline < NOW();

CREATE FUNCTION overdue_count(p_user_id BIGINT UNSIGNED) RETURNS BIGINT
READS SQL DATA
BEGIN
  DECLARE n BIGINT;
  SELECT COUNT(*) INTO n FROM overdue_notes WHERE user_id = p_user_id;
  RETURN n;
END;
