CREATE TABLE `outbox_topic_cursors` (
	`topic` text PRIMARY KEY NOT NULL,
	`published_seq` integer NOT NULL
);
