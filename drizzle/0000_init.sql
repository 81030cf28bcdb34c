CREATE TABLE `audit_log` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`action` text NOT NULL,
	`actor` text NOT NULL,
	`entry` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `client_keys` (
	`kid` text NOT NULL,
	`client_id` text NOT NULL,
	`jwk` text NOT NULL,
	`alg` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer,
	PRIMARY KEY(`client_id`, `kid`)
);
--> statement-breakpoint
CREATE TABLE `clients` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
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
CREATE INDEX `hashes_type_value` ON `hashes` (`type`,`value`);--> statement-breakpoint
CREATE TABLE `match_counts` (
	`client_id` text NOT NULL,
	`day` text NOT NULL,
	`queries` integer NOT NULL,
	`hashes` integer NOT NULL,
	PRIMARY KEY(`client_id`, `day`)
);
--> statement-breakpoint
CREATE TABLE `merkle_nodes` (
	`level` integer NOT NULL,
	`idx` integer NOT NULL,
	`hash` text NOT NULL,
	PRIMARY KEY(`level`, `idx`)
);
--> statement-breakpoint
CREATE TABLE `node_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`alg` text NOT NULL,
	`public_jwk` text NOT NULL,
	`private_jwk` text NOT NULL,
	`status` text NOT NULL,
	`created_at` integer NOT NULL,
	`retired_at` integer
);
--> statement-breakpoint
CREATE TABLE `tree_heads` (
	`tree_size` integer PRIMARY KEY NOT NULL,
	`root_hash` text NOT NULL,
	`timestamp` integer NOT NULL,
	`signature` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `used_jtis` (
	`client_id` text NOT NULL,
	`jti` text NOT NULL,
	`expires_at` integer NOT NULL,
	PRIMARY KEY(`client_id`, `jti`)
);
--> statement-breakpoint
CREATE INDEX `used_jtis_expires` ON `used_jtis` (`expires_at`);