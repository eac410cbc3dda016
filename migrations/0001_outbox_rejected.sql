CREATE TABLE `outbox_rejected` (
	`seq` integer PRIMARY KEY NOT NULL,
	`event_id` text NOT NULL,
	`topic` text NOT NULL,
	`key` text,
	`value` text NOT NULL,
	`headers` text NOT NULL,
	`error` text NOT NULL,
	`rejected_at` integer NOT NULL
);
