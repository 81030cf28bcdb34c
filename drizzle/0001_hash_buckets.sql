CREATE TABLE `hash_buckets` (
	`type` text NOT NULL,
	`piece` integer NOT NULL,
	`key` text NOT NULL,
	`seq` integer NOT NULL,
	PRIMARY KEY(`type`, `piece`, `key`, `seq`)
);
