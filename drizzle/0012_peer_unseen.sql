CREATE TABLE `peer_unseen` (
	`peer_id` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`peer_id`, `type`, `value`)
);
--> statement-breakpoint
ALTER TABLE `peers` ADD `restarts` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `hashes_origin` ON `hashes` (`origin`) WHERE origin <> '';