CREATE TABLE `share_creation` (
	`session_id` text PRIMARY KEY NOT NULL,
	`creation_key` text NOT NULL,
	`server` text NOT NULL,
	`time_created` integer NOT NULL
);
