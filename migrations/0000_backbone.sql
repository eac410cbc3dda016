CREATE TABLE `log_group_offsets` (
	`group_id` text NOT NULL,
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`next_offset` integer NOT NULL,
	PRIMARY KEY(`group_id`, `topic`, `partition`)
);
--> statement-breakpoint
CREATE TABLE `log_records` (
	`topic` text NOT NULL,
	`partition` integer NOT NULL,
	`offset` integer NOT NULL,
	`key` text,
	`value` text NOT NULL,
	`headers` text NOT NULL,
	`timestamp` integer NOT NULL,
	PRIMARY KEY(`topic`, `partition`, `offset`)
);
--> statement-breakpoint
CREATE INDEX `log_records_time` ON `log_records` (`topic`,`partition`,`timestamp`);--> statement-breakpoint
CREATE TABLE `log_topics` (
	`name` text PRIMARY KEY NOT NULL,
	`partitions` integer NOT NULL,
	`retention_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`topic` text NOT NULL,
	`key` text,
	`type` text NOT NULL,
	`source` text NOT NULL,
	`time` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_event_id_unique` ON `outbox` (`event_id`);--> statement-breakpoint
CREATE TABLE `outbox_relay` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`lease_expires_at` integer NOT NULL,
	`published_seq` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `processed_events` (
	`group_id` text NOT NULL,
	`event_id` text NOT NULL,
	`processed_at` integer NOT NULL,
	PRIMARY KEY(`group_id`, `event_id`)
);
