-- Least privilege: reveal, rekey and forget go through these functions, which run as their owner
-- (the table owner, when `loginpipe migrate --roles` made the roles) and write the pii_audit row
-- themselves, in the same statement that hands out or changes the rows. A role that may only
-- EXECUTE them (the PII operator role) cannot read a sealed value without leaving an audit row,
-- nor change a row without one. The caller's database role is recorded too (session_user: inside
-- the function current_user is the owner).
-- search_path is fixed to the schema the migration runs in (FROM CURRENT), with pg_temp last, so
-- that a caller's own objects can never stand in for user_logins or pii_audit.
-- Sealed values are returned as they are stored: only the holder of the recovery private key can
-- open them, outside the database.

-- reveal: p_by is 'event_id' (p_values: the ids), 'user_id' or 'masked_ip' (p_values: one value).
-- One row, always: the audit row's id, and the selected rows as parallel arrays.
CREATE OR REPLACE FUNCTION pii_reveal(p_by text, p_values text[], p_reason text, p_requested_by text, p_os_user text)
RETURNS TABLE (audit_id bigint, event_ids text[], user_ids text[], sealed_ips bytea[], sealed_device_ids bytea[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  n_rows integer;
  disclosed text[];
  missing text[] := '{}';
BEGIN
  IF p_by NOT IN ('event_id', 'user_id', 'masked_ip') THEN
    RAISE EXCEPTION 'pii_reveal: unknown selector %', p_by USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_values IS NULL OR cardinality(p_values) = 0 OR (p_by <> 'event_id' AND cardinality(p_values) <> 1) THEN
    RAISE EXCEPTION 'pii_reveal: % takes %', p_by, CASE WHEN p_by = 'event_id' THEN 'one or more ids' ELSE 'exactly one value' END
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT coalesce(array_agg(u.event_id::text ORDER BY u.event_id), '{}'), coalesce(array_agg(u.user_id::text ORDER BY u.event_id), '{}'),
         coalesce(array_agg(u.sealed_ip ORDER BY u.event_id), '{}'), coalesce(array_agg(u.sealed_device_id ORDER BY u.event_id), '{}'),
         count(*), coalesce(array_agg(u.event_id::text ORDER BY u.event_id) FILTER (WHERE u.sealed_ip IS NOT NULL AND u.sealed_device_id IS NOT NULL), '{}')
    INTO event_ids, user_ids, sealed_ips, sealed_device_ids, n_rows, disclosed
    FROM user_logins u
   WHERE (p_by = 'event_id' AND u.event_id = ANY (p_values))
      OR (p_by = 'user_id' AND u.user_id = p_values[1])
      OR (p_by = 'masked_ip' AND u.masked_ip = p_values[1]);
  IF p_by = 'event_id' THEN
    SELECT coalesce(array_agg(DISTINCT v ORDER BY v), '{}') INTO missing FROM unnest(p_values) AS v WHERE v <> ALL (event_ids);
  END IF;
  INSERT INTO pii_audit (action, os_user, requested_by, reason, event_ids, fields, detail)
  VALUES ('reveal', p_os_user, p_requested_by, p_reason, disclosed,
          CASE WHEN cardinality(disclosed) > 0 THEN ARRAY['ip', 'device_id'] ELSE '{}'::text[] END,
          jsonb_build_object('selector', p_by, 'db_user', session_user::text, 'rows', n_rows, 'disclosed', cardinality(disclosed), 'missing', to_jsonb(missing))
            || CASE p_by WHEN 'user_id' THEN jsonb_build_object('user_id', p_values[1])
                         WHEN 'masked_ip' THEN jsonb_build_object('masked_ip', p_values[1])
                         ELSE jsonb_build_object('requested', cardinality(p_values)) END)
  RETURNING id INTO audit_id;
  RETURN NEXT;
END $$;

-- rekey, one batch: locks and hands out the next rows (after p_after, by event_id) whose masks
-- were made under another key than p_to_key_id, and audits them. Nothing left: a NULL audit_id.
CREATE OR REPLACE FUNCTION pii_rekey_fetch(p_to_key_id text, p_after text, p_limit integer, p_reason text, p_requested_by text, p_os_user text)
RETURNS TABLE (audit_id bigint, event_ids text[], sealed_ips bytea[], sealed_device_ids bytea[], from_key_ids text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF p_limit IS NULL OR p_limit < 1 OR p_limit > 10000 THEN
    RAISE EXCEPTION 'pii_rekey_fetch: the batch size must be 1 to 10000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT coalesce(array_agg(b.event_id::text ORDER BY b.event_id), '{}'), coalesce(array_agg(b.sealed_ip ORDER BY b.event_id), '{}'),
         coalesce(array_agg(b.sealed_device_id ORDER BY b.event_id), '{}'), coalesce(array_agg(DISTINCT coalesce(b.mask_key_id, '')), '{}')
    INTO event_ids, sealed_ips, sealed_device_ids, from_key_ids
    FROM (SELECT u.event_id, u.sealed_ip, u.sealed_device_id, u.mask_key_id FROM user_logins u
           WHERE u.mask_key_id IS DISTINCT FROM p_to_key_id AND u.sealed_ip IS NOT NULL AND u.sealed_device_id IS NOT NULL AND u.event_id > p_after
           ORDER BY u.event_id LIMIT p_limit FOR UPDATE) b;
  IF cardinality(event_ids) > 0 THEN
    INSERT INTO pii_audit (action, os_user, requested_by, reason, event_ids, fields, detail)
    VALUES ('rekey', p_os_user, p_requested_by, p_reason, event_ids, ARRAY['ip', 'device_id'],
            jsonb_build_object('to_key_id', p_to_key_id, 'from_key_ids', to_jsonb(from_key_ids), 'rows', cardinality(event_ids), 'db_user', session_user::text))
    RETURNING id INTO audit_id;
  END IF;
  RETURN NEXT;
END $$;

-- rekey, the same batch: the new masks, for rows that audit row handed out to this very key id.
-- Returns the rows changed.
CREATE OR REPLACE FUNCTION pii_rekey_apply(p_audit_id bigint, p_event_ids text[], p_masked_ips text[], p_masked_device_ids text[], p_to_key_id text)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
  fetched text[];
  changed integer;
BEGIN
  SELECT a.event_ids INTO fetched FROM pii_audit a
   WHERE a.id = p_audit_id AND a.action = 'rekey' AND a.detail ->> 'to_key_id' = p_to_key_id;
  IF fetched IS NULL OR NOT (p_event_ids <@ fetched) THEN
    RAISE EXCEPTION 'pii_rekey_apply: rows not handed out by rekey audit row % for key %', p_audit_id, p_to_key_id USING ERRCODE = 'insufficient_privilege';
  END IF;
  UPDATE user_logins AS u SET masked_ip = v.masked_ip, masked_device_id = v.masked_device_id, mask_key_id = p_to_key_id
    FROM unnest(p_event_ids, p_masked_ips, p_masked_device_ids) AS v(event_id, masked_ip, masked_device_id)
   WHERE u.event_id = v.event_id;
  GET DIAGNOSTICS changed = ROW_COUNT;
  RETURN changed;
END $$;

-- rekey's closing count: rows under another key that have no sealed values (no PII in it).
CREATE OR REPLACE FUNCTION pii_rekey_unsealed(p_to_key_id text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT count(*) FROM user_logins u WHERE u.mask_key_id IS DISTINCT FROM p_to_key_id AND (u.sealed_ip IS NULL OR u.sealed_device_id IS NULL)
$$;

-- forget: clears a user's sealed values (or deletes the rows) and audits it.
CREATE OR REPLACE FUNCTION pii_forget(p_user_id text, p_delete_rows boolean, p_reason text, p_requested_by text, p_os_user text)
RETURNS TABLE (audit_id bigint, event_ids text[])
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
BEGIN
  IF p_delete_rows THEN
    WITH gone AS (DELETE FROM user_logins u WHERE u.user_id = p_user_id RETURNING u.event_id)
    SELECT coalesce(array_agg(g.event_id::text ORDER BY g.event_id), '{}') INTO event_ids FROM gone g;
  ELSE
    WITH cleared AS (UPDATE user_logins u SET sealed_ip = NULL, sealed_device_id = NULL
                      WHERE u.user_id = p_user_id AND (u.sealed_ip IS NOT NULL OR u.sealed_device_id IS NOT NULL) RETURNING u.event_id)
    SELECT coalesce(array_agg(c.event_id::text ORDER BY c.event_id), '{}') INTO event_ids FROM cleared c;
  END IF;
  INSERT INTO pii_audit (action, os_user, requested_by, reason, event_ids, fields, detail)
  VALUES ('forget', p_os_user, p_requested_by, p_reason, event_ids,
          CASE WHEN p_delete_rows THEN ARRAY['row'] ELSE ARRAY['sealed_ip', 'sealed_device_id'] END,
          jsonb_build_object('user_id', p_user_id, 'delete_rows', p_delete_rows, 'rows', cardinality(event_ids), 'db_user', session_user::text))
  RETURNING id INTO audit_id;
  RETURN NEXT;
END $$;

-- Functions are executable by PUBLIC unless revoked: these only by whom migrate --roles grants.
REVOKE ALL ON FUNCTION pii_reveal(text, text[], text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_rekey_fetch(text, text, integer, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_rekey_apply(bigint, text[], text[], text[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_rekey_unsealed(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION pii_forget(text, boolean, text, text, text) FROM PUBLIC;
