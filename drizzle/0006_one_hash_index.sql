DROP INDEX `hashes_origin_type_value`;--> statement-breakpoint
DROP INDEX `hashes_type_value`;--> statement-breakpoint
CREATE UNIQUE INDEX `hashes_type_value_origin` ON `hashes` (`type`,`value`,`origin`);