CREATE TABLE `changes` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`snapshot` text
);
--> statement-breakpoint
ALTER TABLE `client_keys` ADD `tx` text;--> statement-breakpoint
ALTER TABLE `clients` ADD `tx` text;--> statement-breakpoint
CREATE INDEX `clients_role_status` ON `clients` (`role`,`status`);--> statement-breakpoint
ALTER TABLE `contributions` ADD `tx` text;--> statement-breakpoint
ALTER TABLE `feedback` ADD `tx` text;--> statement-breakpoint
ALTER TABLE `hashes` ADD `tx` text;--> statement-breakpoint
ALTER TABLE `node_keys` ADD `tx` text;