-- A trigger keeps the count current. DELIMITER is the client's directive: accepted, and stripped.
DELIMITER $$
CREATE TRIGGER `orders_count_insert` AFTER INSERT ON `orders` FOR EACH ROW
BEGIN
  UPDATE `customers` SET `orders_count` = `orders_count` + 1, `last_order_at` = CURRENT_TIMESTAMP(3)
  WHERE `id` = NEW.`customer_id`;
END$$
DELIMITER ;
