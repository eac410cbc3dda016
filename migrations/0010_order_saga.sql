CREATE TABLE `command_replies` (
	`participant` text NOT NULL,
	`command_id` text NOT NULL,
	`order_id` text NOT NULL,
	`reply_type` text NOT NULL,
	`reply_data` text NOT NULL,
	`applied_at` integer NOT NULL,
	PRIMARY KEY(`participant`, `command_id`)
);
--> statement-breakpoint
CREATE INDEX `command_replies_order` ON `command_replies` (`order_id`);--> statement-breakpoint
CREATE TABLE `stock_levels` (
	`product_id` text PRIMARY KEY NOT NULL,
	`available` integer NOT NULL,
	`reserved` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "stock_levels_available_non_negative" CHECK("stock_levels"."available" >= 0),
	CONSTRAINT "stock_levels_reserved_non_negative" CHECK("stock_levels"."reserved" >= 0)
);
--> statement-breakpoint
CREATE TABLE `stock_reservations` (
	`order_id` text NOT NULL,
	`product_id` text NOT NULL,
	`quantity` integer NOT NULL,
	`status` text NOT NULL,
	`reserved_at` integer NOT NULL,
	`released_at` integer,
	PRIMARY KEY(`order_id`, `product_id`)
);
--> statement-breakpoint
CREATE TABLE `notifications` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`order_id` text,
	`kind` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	`read_at` integer
);
--> statement-breakpoint
CREATE INDEX `notifications_user` ON `notifications` (`user_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `order_sagas` (
	`order_id` text PRIMARY KEY NOT NULL,
	`correlation_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`phase` text NOT NULL,
	`step` text,
	`command_id` text,
	`attempt` integer DEFAULT 1 NOT NULL,
	`deadline_at` integer,
	`deadline_kind` text,
	`done` text NOT NULL,
	`compensations` text NOT NULL,
	`reason` text,
	`message` text,
	`payment_id` text,
	`shipment_id` text,
	`version` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE INDEX `order_sagas_deadline` ON `order_sagas` (`phase`,`deadline_at`);--> statement-breakpoint
CREATE TABLE `order_steps` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`order_id` text NOT NULL,
	`step` text NOT NULL,
	`outcome` text NOT NULL,
	`detail` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `order_steps_order` ON `order_steps` (`order_id`,`id`);--> statement-breakpoint
CREATE TABLE `payments` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`user_id` text NOT NULL,
	`amount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`card_last4` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`captured_at` integer,
	`refunded_at` integer,
	CONSTRAINT "payments_amount_non_negative" CHECK("payments"."amount_minor" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `payments_order` ON `payments` (`order_id`);--> statement-breakpoint
CREATE TABLE `shipments` (
	`id` text PRIMARY KEY NOT NULL,
	`order_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`address` text NOT NULL,
	`items` text NOT NULL,
	`created_at` integer NOT NULL,
	`cancelled_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `shipments_order` ON `shipments` (`order_id`);--> statement-breakpoint
ALTER TABLE `orders` ADD `request_hash` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `correlation_id` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `orders` ADD `card_token` text DEFAULT '' NOT NULL;