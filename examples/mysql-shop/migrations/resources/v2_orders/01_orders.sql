# Orders belong to a customer; one ALTER per table keeps a change atomic (MySQL commits each DDL on its own).
CREATE TABLE `orders` (
  `id` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  `customer_id` BIGINT UNSIGNED NOT NULL,
  `total_cents` INT NOT NULL DEFAULT 0,
  `status` ENUM('open', 'paid', 'cancelled') NOT NULL DEFAULT 'open',
  PRIMARY KEY (`id`),
  KEY `orders_customer` (`customer_id`),
  CONSTRAINT `orders_customer_fk` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

ALTER TABLE `customers` ADD COLUMN `orders_count` INT NOT NULL DEFAULT 0, ADD COLUMN `last_order_at` DATETIME(3) NULL;

INSERT INTO `orders` (`customer_id`, `total_cents`, `status`) VALUES (1, 1250, 'paid'), (1, 800, 'open'), (2, 4000, 'paid');
UPDATE `customers` c SET c.`orders_count` = (SELECT COUNT(*) FROM `orders` o WHERE o.`customer_id` = c.`id`);
