-- Baseline: the `session_share` table of OpenCode's HTTP share client. IF NOT EXISTS (hand edit) because a
-- database written by that client already holds this table with its rows; they must survive the upgrade.
CREATE TABLE IF NOT EXISTS `session_share` (
	`session_id` text PRIMARY KEY NOT NULL,
	`id` text NOT NULL,
	`secret` text NOT NULL,
	`url` text NOT NULL,
	`time_created` integer NOT NULL,
	`time_updated` integer NOT NULL
);
