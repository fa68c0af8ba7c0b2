-- user_logins: one row per login event, keyed by the SQS message id so that a redelivered event
-- never becomes a second row. The columns before event_id are those of the original assignment.
CREATE TABLE IF NOT EXISTS user_logins (
  user_id          varchar(128) NOT NULL,
  device_type      varchar(32),
  masked_ip        varchar(256) NOT NULL,
  masked_device_id varchar(256) NOT NULL,
  locale           varchar(32),
  app_version      integer,
  create_date      date NOT NULL,
  event_id         varchar(128) PRIMARY KEY
);

-- A table made by the original assignment has no event_id: give its rows one, then the key.
DO $$
BEGIN
  IF NOT EXISTS (
    SELECT 1 FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = 'user_logins' AND column_name = 'event_id'
  ) THEN
    ALTER TABLE user_logins ADD COLUMN event_id varchar(128);
    UPDATE user_logins SET event_id = 'legacy-' || md5(random()::text || ctid::text);
    ALTER TABLE user_logins ALTER COLUMN event_id SET NOT NULL;
    ALTER TABLE user_logins ADD PRIMARY KEY (event_id);
  END IF;
END $$;

CREATE INDEX IF NOT EXISTS user_logins_create_date_idx ON user_logins (create_date);

-- app_version is stored as major*1000000 + minor*1000 + patch so that versions sort as numbers;
-- this turns it back into text: app_version_text(2003000) = '2.3.0'.
CREATE OR REPLACE FUNCTION app_version_text(v integer) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT (v / 1000000)::text || '.' || ((v / 1000) % 1000)::text || '.' || (v % 1000)::text
$$;
