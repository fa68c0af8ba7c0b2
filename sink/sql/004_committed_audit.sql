-- An audit trail nobody can roll back.
-- Until this migration, pii_reveal and pii_rekey_fetch wrote their pii_audit row inside the
-- caller's transaction, so `BEGIN; SELECT * FROM pii_reveal(...); ROLLBACK;` (or a savepoint
-- rolled back) kept the sealed values and lost the audit row. Now handing out sealed values takes
-- two calls:
--   1. a *request* (pii_reveal_request, pii_rekey_request) chooses exactly the rows and fields that
--      may leave and writes the audit row, recording the transaction that wrote it (xact);
--   2. a *fetch* (pii_reveal_fetch, pii_rekey_fetch) hands out those values, and only those, and
--      only when the audit row's transaction has committed: a fetch in the transaction that made
--      the request, or after a savepoint that made it, is refused. A row the caller could see and
--      whose transaction is still in progress can only be the caller's own.
-- Each request is fetched once and each rekey batch applied once (pii_audit_use). A fetch whose
-- own transaction rolls back has still left its audit row, committed before it.
-- Postgres has no autonomous transactions (short of dblink, an extension many managed services
-- restrict), so a write that cannot be rolled back is not on offer; the committed request is.
--
-- The functions also name every operator and built-in function by its pg_catalog name, with
-- explicit casts: their search_path starts with the data schema, where an operator such as
-- =(varchar, text) would otherwise be preferred to the built-in one and run as the owner.
-- `loginpipe migrate --roles` also takes CREATE on the schema away from anyone but the owner.

ALTER TABLE pii_audit ADD COLUMN IF NOT EXISTS xact xid8 DEFAULT pg_catalog.pg_current_xact_id();

-- Which requests were fetched and which rekey batches applied; append-only like pii_audit. No
-- foreign key: it would make TRUNCATE pii_audit fail on the key before the append-only trigger
-- could say why; only pii_audit_claim writes here, with an id it has just read from pii_audit.
CREATE TABLE IF NOT EXISTS pii_audit_use (
  audit_id bigint NOT NULL,
  step     text NOT NULL CHECK (step IN ('fetch', 'apply')),
  at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (audit_id, step)
);
DROP TRIGGER IF EXISTS pii_audit_use_append_only ON pii_audit_use;
CREATE TRIGGER pii_audit_use_append_only BEFORE UPDATE OR DELETE ON pii_audit_use
  FOR EACH ROW EXECUTE FUNCTION pii_audit_refuse_change();
DROP TRIGGER IF EXISTS pii_audit_use_no_truncate ON pii_audit_use;
CREATE TRIGGER pii_audit_use_no_truncate BEFORE TRUNCATE ON pii_audit_use
  FOR EACH STATEMENT EXECUTE FUNCTION pii_audit_refuse_change();

-- The one-call versions are the hole: gone, with their grants.
DROP FUNCTION IF EXISTS pii_reveal(text, text[], text, text, text);
DROP FUNCTION IF EXISTS pii_rekey_fetch(text, text, integer, text, text, text);
DROP FUNCTION IF EXISTS pii_rekey_apply(bigint, text[], text[], text[], text);

-- The audit row a fetch or apply may use: of this action, asked for by this database role, and
-- written by a transaction that has committed. Marks the step as used, once.
-- Called only from the SECURITY DEFINER functions below, so it runs as the owner already.
CREATE OR REPLACE FUNCTION pii_audit_claim(p_audit_id bigint, p_action text, p_step text) RETURNS pii_audit
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
  a pii_audit;
  claimed integer;
BEGIN
  SELECT * INTO a FROM pii_audit WHERE id OPERATOR(pg_catalog.=) p_audit_id AND action OPERATOR(pg_catalog.=) p_action;
  IF NOT FOUND OR (a.detail OPERATOR(pg_catalog.->>) 'db_user') IS DISTINCT FROM session_user::text THEN
    RAISE EXCEPTION 'no % request % by database role %', p_action, p_audit_id, session_user USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- NULL: rows older than this migration (no request wrote them), or a transaction so old its
  -- status is gone; 'in progress' for a row this caller can see: its own transaction.
  IF a.xact IS NULL OR pg_catalog.pg_xact_status(a.xact) OPERATOR(pg_catalog.=) 'in progress' THEN
    RAISE EXCEPTION '% request % is not committed: commit the request before its %, so that its audit row cannot be rolled back', p_action, p_audit_id, p_step
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  INSERT INTO pii_audit_use (audit_id, step) VALUES (p_audit_id, p_step) ON CONFLICT DO NOTHING;
  GET DIAGNOSTICS claimed = ROW_COUNT;
  IF claimed OPERATOR(pg_catalog.=) 0 THEN
    RAISE EXCEPTION '% request % was already used for its %', p_action, p_audit_id, p_step USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN a;
END $$;

-- reveal, step 1: p_by is 'event_id' (p_values: the ids), 'user_id' or 'masked_ip' (p_values:
-- one value). Audits exactly what the fetch will hand out: event_ids are the rows with at least
-- one sealed value, fields the fields among them, and detail.ip_only / detail.device_id_only the
-- rows that have only one. Rows that matched without any sealed value are returned (ids only, no
-- PII) so that the command can say why they show nothing.
CREATE OR REPLACE FUNCTION pii_reveal_request(p_by text, p_values text[], p_reason text, p_requested_by text, p_os_user text)
RETURNS TABLE (audit_id bigint, event_ids text[], unsealed text[], missing text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  n_rows integer;
  ip_ids text[];
  device_ids text[];
BEGIN
  IF p_by IS NULL OR NOT (p_by OPERATOR(pg_catalog.=) ANY (ARRAY['event_id', 'user_id', 'masked_ip']::text[])) THEN
    RAISE EXCEPTION 'pii_reveal_request: unknown selector %', p_by USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_values IS NULL OR pg_catalog.cardinality(p_values) OPERATOR(pg_catalog.=) 0
     OR (p_by OPERATOR(pg_catalog.<>) 'event_id' AND pg_catalog.cardinality(p_values) OPERATOR(pg_catalog.<>) 1) THEN
    RAISE EXCEPTION 'pii_reveal_request: % takes %', p_by, CASE WHEN p_by OPERATOR(pg_catalog.=) 'event_id' THEN 'one or more ids' ELSE 'exactly one value' END
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT pg_catalog.count(*)::integer,
         coalesce(pg_catalog.array_agg(u.event_id::text ORDER BY u.event_id) FILTER (WHERE u.sealed_ip IS NOT NULL OR u.sealed_device_id IS NOT NULL), '{}'),
         coalesce(pg_catalog.array_agg(u.event_id::text ORDER BY u.event_id) FILTER (WHERE u.sealed_ip IS NULL AND u.sealed_device_id IS NULL), '{}'),
         coalesce(pg_catalog.array_agg(u.event_id::text ORDER BY u.event_id) FILTER (WHERE u.sealed_ip IS NOT NULL), '{}'),
         coalesce(pg_catalog.array_agg(u.event_id::text ORDER BY u.event_id) FILTER (WHERE u.sealed_device_id IS NOT NULL), '{}')
    INTO n_rows, event_ids, unsealed, ip_ids, device_ids
    FROM user_logins u
   WHERE (p_by OPERATOR(pg_catalog.=) 'event_id' AND u.event_id::text OPERATOR(pg_catalog.=) ANY (p_values))
      OR (p_by OPERATOR(pg_catalog.=) 'user_id' AND u.user_id::text OPERATOR(pg_catalog.=) p_values[1])
      OR (p_by OPERATOR(pg_catalog.=) 'masked_ip' AND u.masked_ip::text OPERATOR(pg_catalog.=) p_values[1]);
  missing := '{}';
  IF p_by OPERATOR(pg_catalog.=) 'event_id' THEN
    SELECT coalesce(pg_catalog.array_agg(DISTINCT v ORDER BY v), '{}') INTO missing
      FROM pg_catalog.unnest(p_values) AS v
     WHERE NOT (v OPERATOR(pg_catalog.=) ANY (event_ids OPERATOR(pg_catalog.||) unsealed));
  END IF;
  INSERT INTO pii_audit (action, os_user, requested_by, reason, event_ids, fields, detail)
  VALUES ('reveal', p_os_user, p_requested_by, p_reason, event_ids,
          CASE WHEN pg_catalog.cardinality(ip_ids) OPERATOR(pg_catalog.>) 0 THEN ARRAY['ip'] ELSE '{}'::text[] END
            OPERATOR(pg_catalog.||) CASE WHEN pg_catalog.cardinality(device_ids) OPERATOR(pg_catalog.>) 0 THEN ARRAY['device_id'] ELSE '{}'::text[] END,
          pg_catalog.jsonb_build_object('selector', p_by, 'db_user', session_user::text, 'rows', n_rows,
                             'disclosed', pg_catalog.cardinality(event_ids), 'missing', pg_catalog.to_jsonb(missing),
                             'ip_only', pg_catalog.to_jsonb(ARRAY(SELECT x FROM pg_catalog.unnest(ip_ids) x WHERE NOT (x OPERATOR(pg_catalog.=) ANY (device_ids)))),
                             'device_id_only', pg_catalog.to_jsonb(ARRAY(SELECT x FROM pg_catalog.unnest(device_ids) x WHERE NOT (x OPERATOR(pg_catalog.=) ANY (ip_ids)))))
            OPERATOR(pg_catalog.||) CASE p_by WHEN 'user_id' THEN pg_catalog.jsonb_build_object('user_id', p_values[1])
                         WHEN 'masked_ip' THEN pg_catalog.jsonb_build_object('masked_ip', p_values[1])
                         ELSE pg_catalog.jsonb_build_object('requested', pg_catalog.cardinality(p_values)) END)
  RETURNING id INTO audit_id;
  RETURN NEXT;
END $$;

-- reveal, step 2: the sealed values that committed request audited, each field only for the rows
-- it names. A row forgotten since the request shows NULLs. The stored masks and their key id come
-- too (pseudonyms, no PII), so that a command holding that masking key can check each opened
-- value against its row's mask.
CREATE OR REPLACE FUNCTION pii_reveal_fetch(p_audit_id bigint)
RETURNS TABLE (event_ids text[], user_ids text[], sealed_ips bytea[], sealed_device_ids bytea[], masked_ips text[], masked_device_ids text[], mask_key_ids text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  a pii_audit;
  no_ip text[];
  no_device text[];
BEGIN
  a := pii_audit_claim(p_audit_id, 'reveal', 'fetch');
  no_ip := ARRAY(SELECT pg_catalog.jsonb_array_elements_text(a.detail OPERATOR(pg_catalog.->) 'device_id_only'));
  no_device := ARRAY(SELECT pg_catalog.jsonb_array_elements_text(a.detail OPERATOR(pg_catalog.->) 'ip_only'));
  SELECT coalesce(pg_catalog.array_agg(u.event_id::text ORDER BY u.event_id), '{}'), coalesce(pg_catalog.array_agg(u.user_id::text ORDER BY u.event_id), '{}'),
         coalesce(pg_catalog.array_agg(CASE WHEN u.event_id::text OPERATOR(pg_catalog.=) ANY (no_ip) THEN NULL ELSE u.sealed_ip END ORDER BY u.event_id), '{}'),
         coalesce(pg_catalog.array_agg(CASE WHEN u.event_id::text OPERATOR(pg_catalog.=) ANY (no_device) THEN NULL ELSE u.sealed_device_id END ORDER BY u.event_id), '{}'),
         coalesce(pg_catalog.array_agg(u.masked_ip::text ORDER BY u.event_id), '{}'), coalesce(pg_catalog.array_agg(u.masked_device_id::text ORDER BY u.event_id), '{}'),
         coalesce(pg_catalog.array_agg(u.mask_key_id ORDER BY u.event_id), '{}')
    INTO event_ids, user_ids, sealed_ips, sealed_device_ids, masked_ips, masked_device_ids, mask_key_ids
    FROM user_logins u
   WHERE u.event_id::text OPERATOR(pg_catalog.=) ANY (a.event_ids);
  RETURN NEXT;
END $$;

-- rekey, step 1: the next rows (after p_after, by event_id) with both sealed values whose masks
-- were made under another key than p_to_key_id, audited. Nothing left: a NULL audit_id.
CREATE OR REPLACE FUNCTION pii_rekey_request(p_to_key_id text, p_after text, p_limit integer, p_reason text, p_requested_by text, p_os_user text)
RETURNS TABLE (audit_id bigint, event_ids text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  from_key_ids text[];
BEGIN
  IF p_limit IS NULL OR p_limit OPERATOR(pg_catalog.<) 1 OR p_limit OPERATOR(pg_catalog.>) 10000 THEN
    RAISE EXCEPTION 'pii_rekey_request: the batch size must be 1 to 10000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_to_key_id IS NULL OR p_to_key_id OPERATOR(pg_catalog.!~) '^[A-Za-z0-9._-]{1,32}$' THEN
    RAISE EXCEPTION 'pii_rekey_request: a key id is 1-32 letters, digits, ".", "_" or "-"' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT coalesce(pg_catalog.array_agg(b.event_id::text ORDER BY b.event_id), '{}'),
         coalesce(pg_catalog.array_agg(DISTINCT coalesce(b.mask_key_id, '')), '{}')
    INTO event_ids, from_key_ids
    FROM (SELECT u.event_id, u.mask_key_id FROM user_logins u
           WHERE u.mask_key_id IS DISTINCT FROM p_to_key_id AND u.sealed_ip IS NOT NULL AND u.sealed_device_id IS NOT NULL
             AND u.event_id::text OPERATOR(pg_catalog.>) coalesce(p_after, '')
           ORDER BY u.event_id::text LIMIT p_limit) b;
  IF pg_catalog.cardinality(event_ids) OPERATOR(pg_catalog.>) 0 THEN
    INSERT INTO pii_audit (action, os_user, requested_by, reason, event_ids, fields, detail)
    VALUES ('rekey', p_os_user, p_requested_by, p_reason, event_ids, ARRAY['ip', 'device_id'],
            pg_catalog.jsonb_build_object('to_key_id', p_to_key_id, 'from_key_ids', pg_catalog.to_jsonb(from_key_ids),
                                          'rows', pg_catalog.cardinality(event_ids), 'db_user', session_user::text))
    RETURNING id INTO audit_id;
  END IF;
  RETURN NEXT;
END $$;

-- rekey, step 2: the sealed values of that committed request's rows, locked until the caller's
-- transaction ends (its pii_rekey_apply belongs in the same transaction).
CREATE OR REPLACE FUNCTION pii_rekey_fetch(p_audit_id bigint)
RETURNS TABLE (event_ids text[], sealed_ips bytea[], sealed_device_ids bytea[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  a pii_audit;
BEGIN
  a := pii_audit_claim(p_audit_id, 'rekey', 'fetch');
  SELECT coalesce(pg_catalog.array_agg(b.event_id::text ORDER BY b.event_id), '{}'), coalesce(pg_catalog.array_agg(b.sealed_ip ORDER BY b.event_id), '{}'),
         coalesce(pg_catalog.array_agg(b.sealed_device_id ORDER BY b.event_id), '{}')
    INTO event_ids, sealed_ips, sealed_device_ids
    FROM (SELECT u.event_id, u.sealed_ip, u.sealed_device_id FROM user_logins u
           WHERE u.event_id::text OPERATOR(pg_catalog.=) ANY (a.event_ids) AND u.sealed_ip IS NOT NULL AND u.sealed_device_id IS NOT NULL
           FOR UPDATE) b;
  RETURN NEXT;
END $$;

-- rekey, step 3: the new masks, once per request, for rows that request audited and its fetch
-- handed out, under the key id the request named. Returns the rows changed.
CREATE OR REPLACE FUNCTION pii_rekey_apply(p_audit_id bigint, p_event_ids text[], p_masked_ips text[], p_masked_device_ids text[])
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  a pii_audit;
  changed integer;
BEGIN
  a := pii_audit_claim(p_audit_id, 'rekey', 'apply');
  IF NOT EXISTS (SELECT 1 FROM pii_audit_use x WHERE x.audit_id OPERATOR(pg_catalog.=) p_audit_id AND x.step OPERATOR(pg_catalog.=) 'fetch') THEN
    RAISE EXCEPTION 'pii_rekey_apply: rekey request % was never fetched', p_audit_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF p_event_ids IS NULL OR NOT (p_event_ids OPERATOR(pg_catalog.<@) a.event_ids) THEN
    RAISE EXCEPTION 'pii_rekey_apply: rows not handed out by rekey request %', p_audit_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE user_logins AS u SET masked_ip = v.masked_ip, masked_device_id = v.masked_device_id, mask_key_id = a.detail OPERATOR(pg_catalog.->>) 'to_key_id'
    FROM ROWS FROM (pg_catalog.unnest(p_event_ids), pg_catalog.unnest(p_masked_ips), pg_catalog.unnest(p_masked_device_ids)) AS v(event_id, masked_ip, masked_device_id)
   WHERE u.event_id::text OPERATOR(pg_catalog.=) v.event_id;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END $$;

-- rekey's closing count: rows under another key that have no sealed values (no PII in it).
CREATE OR REPLACE FUNCTION pii_rekey_unsealed(p_to_key_id text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT pg_catalog.count(*) FROM user_logins u
   WHERE u.mask_key_id IS DISTINCT FROM p_to_key_id AND (u.sealed_ip IS NULL OR u.sealed_device_id IS NULL)
$$;

-- forget: clears a user's sealed values (or deletes the rows) and audits it, in one transaction:
-- rolled back, neither happened.
CREATE OR REPLACE FUNCTION pii_forget(p_user_id text, p_delete_rows boolean, p_reason text, p_requested_by text, p_os_user text)
RETURNS TABLE (audit_id bigint, event_ids text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF p_delete_rows THEN
    WITH gone AS (DELETE FROM user_logins u WHERE u.user_id::text OPERATOR(pg_catalog.=) p_user_id RETURNING u.event_id)
    SELECT coalesce(pg_catalog.array_agg(g.event_id::text ORDER BY g.event_id), '{}') INTO event_ids FROM gone g;
  ELSE
    WITH cleared AS (UPDATE user_logins u SET sealed_ip = NULL, sealed_device_id = NULL
                      WHERE u.user_id::text OPERATOR(pg_catalog.=) p_user_id AND (u.sealed_ip IS NOT NULL OR u.sealed_device_id IS NOT NULL) RETURNING u.event_id)
    SELECT coalesce(pg_catalog.array_agg(c.event_id::text ORDER BY c.event_id), '{}') INTO event_ids FROM cleared c;
  END IF;
  INSERT INTO pii_audit (action, os_user, requested_by, reason, event_ids, fields, detail)
  VALUES ('forget', p_os_user, p_requested_by, p_reason, event_ids,
          CASE WHEN p_delete_rows THEN ARRAY['row'] ELSE ARRAY['sealed_ip', 'sealed_device_id'] END,
          pg_catalog.jsonb_build_object('user_id', p_user_id, 'delete_rows', p_delete_rows, 'rows', pg_catalog.cardinality(event_ids), 'db_user', session_user::text))
  RETURNING id INTO audit_id;
  RETURN NEXT;
END $$;

-- Functions are executable by PUBLIC unless revoked: these only by whom migrate --roles grants.
REVOKE ALL ON FUNCTION pii_audit_claim(bigint, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_reveal_request(text, text[], text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_reveal_fetch(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_rekey_request(text, text, integer, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_rekey_fetch(bigint) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_rekey_apply(bigint, text[], text[], text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_rekey_unsealed(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_forget(text, boolean, text, text, text) FROM PUBLIC;
