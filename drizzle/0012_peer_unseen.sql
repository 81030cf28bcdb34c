CREATE TABLE `peer_unseen` (
	`peer_id` text NOT NULL,
	`type` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`peer_id`, `type`, `value`)
);
