-- PII that only the recovery key can open, which key made each mask, and an audit trail.
-- sealed_ip, sealed_device_id: the canonical ip and the device id sealed to the recovery public key
--   (HPKE, see lib/pii/hpke.ts for the format); NULL when the processor had no recovery key, or
--   after `loginpipe forget`. Ciphertext only: the pipeline cannot open them.
-- mask_key_id: PII_HMAC_KEY_ID of the key that made masked_ip and masked_device_id; NULL for rows
--   written before this column existed.
ALTER TABLE user_logins
  ADD COLUMN IF NOT EXISTS sealed_ip bytea,
  ADD COLUMN IF NOT EXISTS sealed_device_id bytea,
  ADD COLUMN IF NOT EXISTS mask_key_id text;

-- reveal --user-id and forget look rows up by user; reveal --masked-ip by mask.
CREATE INDEX IF NOT EXISTS user_logins_user_id_idx ON user_logins (user_id);
CREATE INDEX IF NOT EXISTS user_logins_masked_ip_idx ON user_logins (masked_ip);

-- One row per reveal, rekey or forget, written in the same transaction as what it records.
CREATE TABLE IF NOT EXISTS pii_audit (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  action       text NOT NULL CHECK (action IN ('reveal', 'rekey', 'forget')),
  os_user      text NOT NULL,
  requested_by text,
  reason       text NOT NULL CHECK (btrim(reason) <> ''),
  event_ids    text[] NOT NULL,
  fields       text[] NOT NULL,
  detail       jsonb
);

-- Append-only: rows can be added, never changed or removed (short of dropping the trigger, which
-- takes the table's owner and shows in Postgres's own logs).
CREATE OR REPLACE FUNCTION pii_audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'pii_audit is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;

DROP TRIGGER IF EXISTS pii_audit_append_only ON pii_audit;
CREATE TRIGGER pii_audit_append_only BEFORE UPDATE OR DELETE ON pii_audit
  FOR EACH ROW EXECUTE FUNCTION pii_audit_refuse_change();
DROP TRIGGER IF EXISTS pii_audit_no_truncate ON pii_audit;
CREATE TRIGGER pii_audit_no_truncate BEFORE TRUNCATE ON pii_audit
  FOR EACH STATEMENT EXECUTE FUNCTION pii_audit_refuse_change();
