CREATE TABLE `analytics_active_users` (
	`granularity` text NOT NULL,
	`start` integer NOT NULL,
	`user_hash` text NOT NULL,
	PRIMARY KEY(`granularity`, `start`, `user_hash`)
);
--> statement-breakpoint
CREATE TABLE `analytics_buckets` (
	`granularity` text NOT NULL,
	`start` integer NOT NULL,
	`events` integer DEFAULT 0 NOT NULL,
	`active_users` integer DEFAULT 0 NOT NULL,
	`users_registered` integer DEFAULT 0 NOT NULL,
	`logins` integer DEFAULT 0 NOT NULL,
	`product_views` integer DEFAULT 0 NOT NULL,
	`list_views` integer DEFAULT 0 NOT NULL,
	`searches` integer DEFAULT 0 NOT NULL,
	`product_clicks` integer DEFAULT 0 NOT NULL,
	`recommendation_clicks` integer DEFAULT 0 NOT NULL,
	`cart_adds` integer DEFAULT 0 NOT NULL,
	`cart_removals` integer DEFAULT 0 NOT NULL,
	`ratings` integer DEFAULT 0 NOT NULL,
	`purchases` integer DEFAULT 0 NOT NULL,
	`orders_placed` integer DEFAULT 0 NOT NULL,
	`orders_completed` integer DEFAULT 0 NOT NULL,
	`orders_cancelled` integer DEFAULT 0 NOT NULL,
	`revenue_minor` integer DEFAULT 0 NOT NULL,
	`refunded_minor` integer DEFAULT 0 NOT NULL,
	`captured_minor` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`granularity`, `start`)
);
--> statement-breakpoint
CREATE TABLE `analytics_event_seconds` (
	`slot` integer PRIMARY KEY NOT NULL,
	`second` integer NOT NULL,
	`events` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `analytics_journeys` (
	`day` integer NOT NULL,
	`step` text NOT NULL,
	`user_hash` text NOT NULL,
	`product_id` text NOT NULL,
	PRIMARY KEY(`step`, `day`, `user_hash`, `product_id`)
);
--> statement-breakpoint
CREATE TABLE `analytics_orders` (
	`order_id` text PRIMARY KEY NOT NULL,
	`user_hash` text,
	`created_at` integer,
	`total_minor` integer,
	`currency` text,
	`discount_minor` integer,
	`items` text,
	`status` text NOT NULL,
	`completed_at` integer,
	`cancelled_at` integer,
	`captured_minor` integer,
	`refunded_minor` integer,
	`refunded_at` integer,
	`counted` integer DEFAULT false NOT NULL,
	`refund_counted_minor` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE INDEX `analytics_orders_created` ON `analytics_orders` (`created_at`);--> statement-breakpoint
CREATE TABLE `analytics_product_days` (
	`day` integer NOT NULL,
	`product_id` text NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`clicks` integer DEFAULT 0 NOT NULL,
	`cart_adds` integer DEFAULT 0 NOT NULL,
	`purchases` integer DEFAULT 0 NOT NULL,
	`orders` integer DEFAULT 0 NOT NULL,
	`units` integer DEFAULT 0 NOT NULL,
	`revenue_minor` integer DEFAULT 0 NOT NULL,
	`rating_sum` real DEFAULT 0 NOT NULL,
	`rating_count` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`day`, `product_id`)
);
--> statement-breakpoint
CREATE INDEX `analytics_product_days_product` ON `analytics_product_days` (`product_id`);