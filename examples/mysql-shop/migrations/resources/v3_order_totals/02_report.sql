/*!50001 CREATE OR REPLACE VIEW `customer_totals` AS
  SELECT c.`id`, c.`email`, COALESCE(SUM(o.`total_cents`), 0) AS `total_cents`
  FROM `customers` c LEFT JOIN `orders` o ON o.`customer_id` = c.`id` AND o.`status` = 'paid'
  GROUP BY c.`id`, c.`email` */;
