CREATE TABLE `peers` (
	`id` text PRIMARY KEY NOT NULL,
	`url` text NOT NULL,
	`client_id` text NOT NULL,
	`interval_ms` integer NOT NULL,
	`labels` text,
	`matching` integer NOT NULL,
	`status` text NOT NULL,
	`cursor` text DEFAULT '' NOT NULL,
	`pulled_at` integer,
	`pulled_items` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_error_at` integer,
	`failures` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`tx` text
);
--> statement-breakpoint
CREATE INDEX `peers_url` ON `peers` (`url`);--> statement-breakpoint
ALTER TABLE `clients` ADD `jwks_url` text;--> statement-breakpoint
ALTER TABLE `hashes` ADD `origin_contributors` integer;