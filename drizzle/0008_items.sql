CREATE TABLE `item_contributions` (
	`item_id` text NOT NULL,
	`contributor` text NOT NULL,
	`labels` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`retracted_at` integer,
	`tx` text,
	PRIMARY KEY(`item_id`, `contributor`)
);
--> statement-breakpoint
CREATE TABLE `item_hashes` (
	`item_id` text NOT NULL,
	`hash_id` text NOT NULL,
	`variant` text NOT NULL,
	`tx` text,
	PRIMARY KEY(`item_id`, `hash_id`)
);
--> statement-breakpoint
CREATE INDEX `item_hashes_hash` ON `item_hashes` (`hash_id`);--> statement-breakpoint
CREATE TABLE `items` (
	`id` text PRIMARY KEY NOT NULL,
	`origin` text DEFAULT '' NOT NULL,
	`sha256` text NOT NULL,
	`kind` text NOT NULL,
	`created_at` integer NOT NULL,
	`tx` text
);
