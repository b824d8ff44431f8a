CREATE TABLE IF NOT EXISTS lists (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(255) NOT NULL,
  user_id BIGINT UNSIGNED NOT NULL,
  created_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_at TIMESTAMP NULL,
  CONSTRAINT lists__fk_user_id FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE = InnoDB;
CREATE INDEX list__idx__name ON lists (name);
-- A body of several statements, without DELIMITER: the splitter keeps it whole.
CREATE TRIGGER lists_set_timestamp
BEFORE UPDATE ON lists
FOR EACH ROW
BEGIN
  IF NEW.name <> OLD.name THEN
    SET NEW.updated_at = CURRENT_TIMESTAMP;
  END IF;
END;
