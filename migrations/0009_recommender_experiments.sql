CREATE TABLE `ab_test_facts` (
	`event_id` text PRIMARY KEY NOT NULL,
	`experiment_id` text NOT NULL,
	`type` text NOT NULL,
	`variant` text NOT NULL,
	`user_id` text NOT NULL,
	`product_id` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ab_test_facts_experiment` ON `ab_test_facts` (`experiment_id`);--> statement-breakpoint
CREATE TABLE `recommender_experiments` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`variants` text NOT NULL,
	`status` text NOT NULL,
	`started_at` text NOT NULL,
	`conversion_window_ms` integer NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
