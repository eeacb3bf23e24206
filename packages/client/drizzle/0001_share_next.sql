CREATE TABLE `share_outbox` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`session_id` text NOT NULL,
	`batch_id` text NOT NULL,
	`payload` text NOT NULL,
	`item_count` integer NOT NULL,
	`bytes` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`time_created` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `share_outbox_batch_id_unique` ON `share_outbox` (`batch_id`);--> statement-breakpoint
CREATE INDEX `share_outbox_session_seq` ON `share_outbox` (`session_id`,`seq`);--> statement-breakpoint
ALTER TABLE `session_share` ADD `server` text;--> statement-breakpoint
ALTER TABLE `session_share` ADD `source` text;--> statement-breakpoint
ALTER TABLE `session_share` ADD `time_synced` integer;