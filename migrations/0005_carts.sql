CREATE TABLE `cart_items` (
	`shopper_id` text NOT NULL,
	`product_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`added_at` integer NOT NULL,
	PRIMARY KEY(`shopper_id`, `product_id`)
);
