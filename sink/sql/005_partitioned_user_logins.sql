-- user_logins partitioned by day of create_date (docs/architecture.md, "Partitions", says why by
-- day). Every write lands in today's partition, whose indexes stay as small as one day's logins
-- however large the table grows; old days are never written again and go whole (retention).
-- The key is (event_id, create_date): a partitioned table's unique index must hold its partition
-- key. create_date is the event's own SQS sent day, so a redelivered event has the same one and
-- meets its first copy in the same partition's key: ON CONFLICT still keeps each event once.

-- A table made by an earlier loginpipe (unpartitioned) keeps its rows where they are: renamed,
-- it becomes the partition of every day up to today (user_logins_legacy), below. An empty one
-- (as 001 makes it on a fresh install) is simply replaced.
DO $$
BEGIN
  IF (SELECT relkind FROM pg_class WHERE oid = to_regclass('user_logins')) IS DISTINCT FROM 'r' THEN RETURN; END IF;
  -- Writers wait from here to the commit (their INSERT then finds the new table): none may add a
  -- row between the look and the drop.
  LOCK TABLE user_logins IN ACCESS EXCLUSIVE MODE;
  IF NOT EXISTS (SELECT FROM user_logins) THEN
    DROP TABLE user_logins;
  ELSE
    ALTER TABLE user_logins RENAME TO user_logins_legacy;
    ALTER TABLE user_logins_legacy RENAME CONSTRAINT user_logins_pkey TO user_logins_legacy_pkey;
    ALTER INDEX IF EXISTS user_logins_user_id_idx RENAME TO user_logins_legacy_user_id_idx;
    ALTER INDEX IF EXISTS user_logins_masked_ip_idx RENAME TO user_logins_legacy_masked_ip_idx;
    ALTER INDEX IF EXISTS user_logins_create_date_idx RENAME TO user_logins_legacy_create_date_idx;
  END IF;
END $$;

CREATE TABLE user_logins (
  user_id          varchar(128) NOT NULL,
  device_type      varchar(32),
  masked_ip        varchar(256) NOT NULL,
  masked_device_id varchar(256) NOT NULL,
  locale           varchar(32),
  app_version      integer,
  create_date      date NOT NULL,
  event_id         varchar(128) NOT NULL,
  sealed_ip        bytea,
  sealed_device_id bytea,
  mask_key_id      text,
  PRIMARY KEY (event_id, create_date)
) PARTITION BY RANGE (create_date);

-- reveal --user-id and forget look rows up by user; reveal --masked-ip by mask. No index on
-- create_date: a date condition prunes whole partitions, and within a day's partition every row
-- has the same date.
CREATE INDEX user_logins_user_id_idx ON user_logins (user_id);
CREATE INDEX user_logins_masked_ip_idx ON user_logins (masked_ip);

-- Rows of a day no partition covers (a device clock years off): they land here, once (the key
-- holds here too), are counted by the sink's upkeep, and move to their day's partition if one is
-- made later.
CREATE TABLE user_logins_default PARTITION OF user_logins DEFAULT;

-- Makes the partitions from yesterday to p_ahead days ahead that no partition covers yet, and,
-- with p_retention_days > 0, drops those wholly older than that many days (and the default
-- partition's rows as old). One caller at a time (an advisory lock): several sinks and `migrate`
-- may call it together. Each partition is made as a plain table, given the default partition's
-- rows of its day, and then attached: ATTACH takes only SHARE UPDATE EXCLUSIVE on user_logins, so
-- inserts into the other partitions never wait for it (CREATE TABLE ... PARTITION OF would lock
-- them out), and a row already in the default partition for that day is moved, not refused.
-- It runs as its owner (SECURITY DEFINER), so the insert-only sink role may call it without
-- being able to make or drop a table itself. All in the caller's transaction: a caller killed
-- half-way leaves nothing behind.
CREATE FUNCTION user_logins_upkeep(p_ahead integer, p_retention_days integer)
RETURNS TABLE (created text[], dropped text[], dropped_rows bigint, default_rows bigint, default_expired bigint, first_day date, end_day date)
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  today date := (now() AT TIME ZONE 'UTC')::date;
  covered_to date;
  d date;
  part text;
  cutoff date;
  r record;
  n bigint;
BEGIN
  IF p_ahead IS NULL OR p_ahead < 0 OR p_ahead > 366 THEN
    RAISE EXCEPTION 'user_logins_upkeep: days ahead must be 0 to 366' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_retention_days IS NULL OR p_retention_days < 0 THEN
    RAISE EXCEPTION 'user_logins_upkeep: retention must be 0 (off) or more days' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  PERFORM pg_advisory_xact_lock(7346221005);
  created := '{}';
  dropped := '{}';
  dropped_rows := 0;
  default_expired := 0;

  -- The upper bound of the range partitions made so far (the legacy one included).
  SELECT max(substring(pg_get_expr(c.relpartbound, c.oid) FROM $re$TO \('([0-9-]+)'\)$re$)::date) INTO covered_to
    FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
   WHERE i.inhparent = 'user_logins'::regclass;
  d := greatest(today - 1, coalesce(covered_to, today - 1));
  WHILE d <= today + p_ahead LOOP
    part := 'user_logins_p' || to_char(d, 'YYYYMMDD');
    EXECUTE format('CREATE TABLE %I (LIKE user_logins)', part);
    -- No row for this day may reach the default partition between the move and the attach
    -- (ATTACH would then refuse): only rows of days without a partition wait, and only for this.
    LOCK TABLE user_logins_default IN EXCLUSIVE MODE;
    EXECUTE format('WITH moved AS (DELETE FROM user_logins_default WHERE create_date = $1 RETURNING *) INSERT INTO %I SELECT * FROM moved', part) USING d;
    EXECUTE format('ALTER TABLE user_logins ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)', part, d, d + 1);
    created := created || part;
    d := d + 1;
  END LOOP;

  IF p_retention_days > 0 THEN
    cutoff := today - p_retention_days;
    FOR r IN SELECT c.relname::text AS name, substring(pg_get_expr(c.relpartbound, c.oid) FROM $re$TO \('([0-9-]+)'\)$re$)::date AS upper_bound
               FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
              WHERE i.inhparent = 'user_logins'::regclass ORDER BY 2 LOOP
      CONTINUE WHEN r.upper_bound IS NULL OR r.upper_bound > cutoff;
      EXECUTE format('SELECT count(*) FROM %I', r.name) INTO n;
      EXECUTE format('ALTER TABLE user_logins DETACH PARTITION %I', r.name);
      EXECUTE format('DROP TABLE %I', r.name);
      dropped := dropped || r.name;
      dropped_rows := dropped_rows + n;
    END LOOP;
    DELETE FROM user_logins_default WHERE create_date < cutoff;
    GET DIAGNOSTICS default_expired = ROW_COUNT;
  END IF;
  SELECT count(*) INTO default_rows FROM user_logins_default;
  -- The days the range partitions now cover, [first_day, end_day); first_day NULL: no lower
  -- bound (the legacy partition's MINVALUE). The sink counts the rows it writes outside them.
  SELECT CASE WHEN bool_or(b.expr LIKE 'FOR VALUES FROM (MINVALUE)%') THEN NULL
              ELSE min(substring(b.expr FROM $re$FROM \('([0-9-]+)'\)$re$)::date) END,
         max(substring(b.expr FROM $re$TO \('([0-9-]+)'\)$re$)::date)
    INTO first_day, end_day
    FROM (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           WHERE i.inhparent = 'user_logins'::regclass AND NOT c.relname = 'user_logins_default') b;
  RETURN NEXT;
END $$;
REVOKE ALL ON FUNCTION user_logins_upkeep(integer, integer) FROM PUBLIC;

-- The earlier table: its rows dated after today (fast device clocks) move to the default
-- partition, and it is attached as the partition of every day up to today; upkeep then makes the
-- partitions from tomorrow on and moves those rows into them. ATTACH checks each row against the
-- range (one scan) and builds the (event_id, create_date) key on it (one index build); user_id
-- and masked_ip keep their indexes. Its create_date index and event_id key are dropped: the new
-- key and pruning do their work.
-- NULL in a NOT NULL column of the new table (possible only in a table of the original
-- assignment) stops the migration here, with nothing changed.
DO $$
DECLARE
  tomorrow date := (now() AT TIME ZONE 'UTC')::date + 1;
BEGIN
  IF to_regclass('user_logins_legacy') IS NULL THEN RETURN; END IF;
  ALTER TABLE user_logins_legacy ALTER COLUMN user_id SET NOT NULL, ALTER COLUMN masked_ip SET NOT NULL,
    ALTER COLUMN masked_device_id SET NOT NULL, ALTER COLUMN create_date SET NOT NULL;
  WITH later AS (DELETE FROM user_logins_legacy WHERE create_date >= tomorrow RETURNING *)
  INSERT INTO user_logins_default (user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date, event_id, sealed_ip, sealed_device_id, mask_key_id)
    SELECT user_id, device_type, masked_ip, masked_device_id, locale, app_version, create_date, event_id, sealed_ip, sealed_device_id, mask_key_id FROM later;
  ALTER TABLE user_logins_legacy DROP CONSTRAINT user_logins_legacy_pkey;
  DROP INDEX IF EXISTS user_logins_legacy_create_date_idx;
  EXECUTE format('ALTER TABLE user_logins ATTACH PARTITION user_logins_legacy FOR VALUES FROM (MINVALUE) TO (%L)', tomorrow);
END $$;

-- The first partitions, from yesterday (tomorrow, after an earlier table) to 14 days ahead; the
-- sink and `migrate` keep making them ahead.
DO $$ BEGIN PERFORM user_logins_upkeep(14, 0); END $$;
