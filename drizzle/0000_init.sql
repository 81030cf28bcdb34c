CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`action` text NOT NULL,
	`actor` text NOT NULL,
	`entry` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `contributions` (
	`hash_id` text NOT NULL,
	`contributor` text NOT NULL,
	`labels` text NOT NULL,
	`external_id` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`retracted_at` integer,
	PRIMARY KEY(`hash_id`, `contributor`)
);
--> statement-breakpoint
CREATE TABLE `feedback` (
	`hash_id` text NOT NULL,
	`member` text NOT NULL,
	`verdict` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`hash_id`, `member`)
);
--> statement-breakpoint
CREATE TABLE `hash_changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hash_id` text NOT NULL,
	`kind` text NOT NULL,
	`at` integer NOT NULL,
	`snapshot` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `hash_changes_hash` ON `hash_changes` (`hash_id`);--> statement-breakpoint
CREATE TABLE `hashes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	`origin` text DEFAULT '' NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hashes_id` ON `hashes` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `hashes_origin_type_value` ON `hashes` (`origin`,`type`,`value`);--> statement-breakpoint
CREATE INDEX `hashes_type_value` ON `hashes` (`type`,`value`);