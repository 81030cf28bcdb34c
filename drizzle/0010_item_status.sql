ALTER TABLE `contributions` ADD `direct_labels` text;--> statement-breakpoint
ALTER TABLE `items` ADD `status` text DEFAULT 'active' NOT NULL;--> statement-breakpoint
-- A member's share of an item is withdrawn with its last contribution to the item's hashes (the ledger does it in the commit of that hash's
-- retraction); the node before kept it standing. A contribution made after the share's last write does not count (it was withdrawn and made
-- again alone), unless it was made before the member's last withdrawal of one of the item's hashes: then the member still stood behind the
-- item when it withdrew that one, and the ledger would have kept the share. Withdrawn when the last of those contributions was (now when none
-- is left), with the token 'migration 0010'.
UPDATE `item_contributions` SET
	`retracted_at` = coalesce((SELECT max(c.`retracted_at`) FROM `item_hashes` ih CROSS JOIN `contributions` c ON c.`hash_id` = ih.`hash_id`
			AND c.`contributor` = `item_contributions`.`contributor` WHERE ih.`item_id` = `item_contributions`.`item_id` AND c.`retracted_at` IS NOT NULL),
		CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
	`updated_at` = coalesce((SELECT max(c.`retracted_at`) FROM `item_hashes` ih CROSS JOIN `contributions` c ON c.`hash_id` = ih.`hash_id`
			AND c.`contributor` = `item_contributions`.`contributor` WHERE ih.`item_id` = `item_contributions`.`item_id` AND c.`retracted_at` IS NOT NULL),
		CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)),
	`tx` = 'migration 0010'
WHERE `retracted_at` IS NULL AND NOT EXISTS (
	SELECT 1 FROM `item_hashes` ih CROSS JOIN `contributions` c ON c.`hash_id` = ih.`hash_id` AND c.`contributor` = `item_contributions`.`contributor`
	WHERE ih.`item_id` = `item_contributions`.`item_id` AND c.`retracted_at` IS NULL AND (c.`created_at` <= `item_contributions`.`updated_at`
		OR c.`created_at` <= (SELECT max(rc.`retracted_at`) FROM `item_hashes` rh CROSS JOIN `contributions` rc ON rc.`hash_id` = rh.`hash_id`
			AND rc.`contributor` = `item_contributions`.`contributor` WHERE rh.`item_id` = `item_contributions`.`item_id` AND rc.`retracted_at` IS NOT NULL))
);--> statement-breakpoint
-- A standing contribution that no standing share of an item by the same member holds came from a share of the hash alone.
UPDATE `contributions` SET `direct_labels` = `labels`
WHERE `retracted_at` IS NULL AND NOT EXISTS (
	SELECT 1 FROM `item_hashes` ih CROSS JOIN `item_contributions` ic ON ic.`item_id` = ih.`item_id` AND ic.`contributor` = `contributions`.`contributor`
	WHERE ih.`hash_id` = `contributions`.`hash_id` AND ic.`retracted_at` IS NULL
);--> statement-breakpoint
-- One that such shares hold, but whose labels have a label none of the member's item shares holding the hash gave it, was last written by a
-- share of the hash alone made after the items (the old rule overwrote the labels): that share's labels are its labels, whole. A label of an
-- item share retracted after the contribution's last write does not count as such (the old rule's retraction left it there).
UPDATE `contributions` SET `direct_labels` = `labels`
WHERE `retracted_at` IS NULL AND `direct_labels` IS NULL AND EXISTS (
	SELECT 1 FROM json_each(`contributions`.`labels`) cl
	WHERE NOT EXISTS (
		SELECT 1 FROM `item_hashes` ih CROSS JOIN `item_contributions` ic ON ic.`item_id` = ih.`item_id` AND ic.`contributor` = `contributions`.`contributor`
			CROSS JOIN json_each(ic.`labels`) il
		WHERE ih.`hash_id` = `contributions`.`hash_id` AND il.value = cl.value
			AND (ic.`retracted_at` IS NULL OR ic.`retracted_at` >= `contributions`.`updated_at`))
);--> statement-breakpoint
-- One that such shares hold carries the union of their labels and of its share alone's (the old rule kept the last share's: a second item
-- overwrote the first's). Marked with the token 'migration 0010', as a commit marks what it changes, for the change-log rows below.
UPDATE `contributions` SET `labels` = (
		SELECT json_group_array(ml.l ORDER BY ml.l) FROM (
			SELECT dj.value AS l FROM json_each(coalesce(`contributions`.`direct_labels`, '[]')) dj
			UNION
			SELECT lj.value FROM `item_hashes` ih CROSS JOIN `item_contributions` ic ON ic.`item_id` = ih.`item_id` AND ic.`contributor` = `contributions`.`contributor`
				CROSS JOIN json_each(ic.`labels`) lj
			WHERE ih.`hash_id` = `contributions`.`hash_id` AND ic.`retracted_at` IS NULL) ml),
	`updated_at` = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), `tx` = 'migration 0010'
WHERE `retracted_at` IS NULL AND EXISTS (
		SELECT 1 FROM `item_hashes` ih CROSS JOIN `item_contributions` ic ON ic.`item_id` = ih.`item_id` AND ic.`contributor` = `contributions`.`contributor`
		WHERE ih.`hash_id` = `contributions`.`hash_id` AND ic.`retracted_at` IS NULL
	) AND `labels` IS NOT (
		SELECT json_group_array(ml.l ORDER BY ml.l) FROM (
			SELECT dj.value AS l FROM json_each(coalesce(`contributions`.`direct_labels`, '[]')) dj
			UNION
			SELECT lj.value FROM `item_hashes` ih CROSS JOIN `item_contributions` ic ON ic.`item_id` = ih.`item_id` AND ic.`contributor` = `contributions`.`contributor`
				CROSS JOIN json_each(ic.`labels`) lj
			WHERE ih.`hash_id` = `contributions`.`hash_id` AND ic.`retracted_at` IS NULL) ml);--> statement-breakpoint
-- An item of this node no share of which stands, or none of whose hashes is active, is retracted.
UPDATE `items` SET `status` = 'retracted', `tx` = 'migration 0010'
WHERE `origin` = '' AND (
	NOT EXISTS (SELECT 1 FROM `item_contributions` ic WHERE ic.`item_id` = `items`.`id` AND ic.`retracted_at` IS NULL)
	OR NOT EXISTS (SELECT 1 FROM `item_hashes` ih CROSS JOIN `hashes` h ON h.`id` = ih.`hash_id` WHERE ih.`item_id` = `items`.`id` AND h.`status` = 'active')
);--> statement-breakpoint
-- A change-log row (the feed, the instances' indexes) for each active hash whose labels changed above or that names an item retracted above no more:
-- its snapshot as the ledger writes it (ledger/sql.ts, snapshotSql).
INSERT INTO `changes` (`at`, `kind`, `subject`, `snapshot`)
SELECT CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER), 'update', h.`id`,
	case when exists (select 1 from item_hashes ie cross join items it on it.id = ie.item_id where ie.hash_id = h.id and (h.status = 'retracted' or it.status = 'active'))
	then json_set(json_object('id', h.id, 'type', h.type, 'value', h.value, 'status', h.status,
		'labels', json((select json_group_array(l order by l) from
			(select distinct lj.value as l from contributions lc, json_each(lc.labels) lj where lc.hash_id = h.id and lc.retracted_at is null))),
		'contributors', (select count(*) from contributions cc where cc.hash_id = h.id and cc.retracted_at is null)), '$.items', json((select json_group_array(json_object('id', ih.item_id, 'variant', ih.variant) order by ih.rowid)
			from item_hashes ih cross join items it on it.id = ih.item_id where ih.hash_id = h.id and (h.status = 'retracted' or it.status = 'active'))))
	else json_object('id', h.id, 'type', h.type, 'value', h.value, 'status', h.status,
		'labels', json((select json_group_array(l order by l) from
			(select distinct lj.value as l from contributions lc, json_each(lc.labels) lj where lc.hash_id = h.id and lc.retracted_at is null))),
		'contributors', (select count(*) from contributions cc where cc.hash_id = h.id and cc.retracted_at is null)) end
FROM `hashes` h
WHERE h.`status` = 'active' AND (
	EXISTS (SELECT 1 FROM `contributions` c WHERE c.`hash_id` = h.`id` AND c.`tx` = 'migration 0010')
	OR EXISTS (SELECT 1 FROM `item_hashes` ih CROSS JOIN `items` it ON it.`id` = ih.`item_id` WHERE ih.`hash_id` = h.`id` AND it.`tx` = 'migration 0010')
)
ORDER BY h.`seq`;
