-- The feed's rows become the first rows of the change log, with their sequence numbers, so every
-- cursor handed out before stays valid. Video frames leave the snapshots (the feed reads them from
-- video_frames).
INSERT INTO `changes` (`seq`, `at`, `kind`, `subject`, `snapshot`)
SELECT `seq`, `at`, `kind`, `hash_id`, json_remove(`snapshot`, '$.frames') FROM `hash_changes` ORDER BY `seq`;
