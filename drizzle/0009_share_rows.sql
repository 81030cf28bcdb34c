CREATE TABLE `share_rows` (
	`k` integer PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL
);
