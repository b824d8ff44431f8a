-- The ToDo schema of examples/todo, as MySQL writes it.
CREATE TABLE IF NOT EXISTS users (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name TEXT NOT NULL,
  user_ref VARCHAR(255) NOT NULL,
  created_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  deleted_at TIMESTAMP NULL
) ENGINE = InnoDB;
CREATE INDEX users__idx__user_ref ON users (user_ref);
INSERT INTO users (name, user_ref) VALUES ('octocat', 'gh-1'), ('hubot', 'gh-2');
