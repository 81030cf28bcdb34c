ALTER TABLE `peers` ADD `last_refusal` text;--> statement-breakpoint
-- A peer whose last failure is a refused batch (the puller's refusals all read "batch refused: …") keeps it as its last refusal, so the
-- node after this migration does not audit that refusal a second time.
UPDATE `peers` SET `last_refusal` = `last_error` WHERE `last_error` LIKE 'batch refused:%';
