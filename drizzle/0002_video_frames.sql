CREATE TABLE `video_frames` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hash_id` text NOT NULL,
	`frame` integer NOT NULL,
	`timestamp_ms` integer NOT NULL,
	`quality` integer NOT NULL,
	`value` text NOT NULL,
	`indexed` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `video_frames_hash_frame` ON `video_frames` (`hash_id`,`frame`);--> statement-breakpoint
CREATE INDEX `video_frames_indexed` ON `video_frames` (`indexed`,`seq`);