CREATE TABLE `coupon_redemptions` (
	`order_id` text PRIMARY KEY NOT NULL,
	`promotion_id` text NOT NULL,
	`code` text NOT NULL,
	`user_id` text NOT NULL,
	`discount_minor` integer NOT NULL,
	`currency` text NOT NULL,
	`status` text NOT NULL,
	`redeemed_at` integer NOT NULL,
	`released_at` integer
);
--> statement-breakpoint
CREATE INDEX `coupon_redemptions_customer` ON `coupon_redemptions` (`promotion_id`,`user_id`,`status`);--> statement-breakpoint
CREATE TABLE `promotions` (
	`id` text PRIMARY KEY NOT NULL,
	`code` text NOT NULL,
	`kind` text NOT NULL,
	`value` integer NOT NULL,
	`currency` text,
	`min_subtotal_minor` integer,
	`starts_at` integer NOT NULL,
	`ends_at` integer NOT NULL,
	`max_uses` integer,
	`max_uses_per_customer` integer,
	`active` integer DEFAULT true NOT NULL,
	`uses` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "promotions_uses_non_negative" CHECK("promotions"."uses" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `promotions_code` ON `promotions` (`code`);--> statement-breakpoint
ALTER TABLE `orders` ADD `coupon_code` text;--> statement-breakpoint
ALTER TABLE `orders` ADD `discount_minor` integer DEFAULT 0 NOT NULL;