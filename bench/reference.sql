-- reference.sql: the PL/pgSQL reference for bench/compare. One attempt is one call
-- of attempt_booking(), in its own transaction (synchronous_commit on): INSERT the
-- decision ON CONFLICT DO NOTHING; if a decision existed, return it (or a conflict
-- when the units or resource differ); else reserve with one conditional UPDATE of
-- the resource and record REJECTED when no row changed. The row lock the UPDATE
-- takes on the hot resource serialises attempts until each commits.

CREATE TABLE resources (
    id       text   PRIMARY KEY,
    capacity bigint NOT NULL CHECK (capacity >= 0),
    booked   bigint NOT NULL DEFAULT 0 CHECK (booked >= 0 AND booked <= capacity)
);

CREATE TABLE decisions (
    booking_id  text   PRIMARY KEY,
    resource_id text   NOT NULL,
    units       bigint NOT NULL,
    outcome     text   NOT NULL,   -- BOOKED or REJECTED
    reason      text   NOT NULL    -- booked or insufficient_capacity
);

CREATE SEQUENCE booking_ids CACHE 1000;

-- Returns 'OUTCOME reason' and ' replayed' when the stored decision was returned.
CREATE FUNCTION attempt_booking(b text, r text, n bigint) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
    inserted integer;
    changed  integer;
    prev     decisions%ROWTYPE;
BEGIN
    INSERT INTO decisions (booking_id, resource_id, units, outcome, reason)
    VALUES (b, r, n, 'BOOKED', 'booked')
    ON CONFLICT DO NOTHING;
    GET DIAGNOSTICS inserted = ROW_COUNT;
    IF inserted = 0 THEN
        SELECT * INTO prev FROM decisions WHERE booking_id = b;
        IF prev.resource_id = r AND prev.units = n THEN
            RETURN prev.outcome || ' ' || prev.reason || ' replayed';
        END IF;
        RETURN 'REJECTED booking_id_conflict';
    END IF;

    UPDATE resources SET booked = booked + n WHERE id = r AND booked + n <= capacity;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 0 THEN
        IF NOT EXISTS (SELECT 1 FROM resources WHERE id = r) THEN
            DELETE FROM decisions WHERE booking_id = b;  -- unknown_resource is not recorded
            RETURN 'REJECTED unknown_resource';
        END IF;
        UPDATE decisions SET outcome = 'REJECTED', reason = 'insufficient_capacity'
        WHERE booking_id = b;
        RETURN 'REJECTED insufficient_capacity';
    END IF;
    RETURN 'BOOKED booked';
END
$$;

-- A UUIDv7 (RFC 9562) as text, for bench/compare --ids uuid7: a random UUIDv4 with
-- its first 48 bits replaced by the Unix time in ms and its version nibble made 7
-- (bits 52 and 53 set: 0100 becomes 0111). PostgreSQL 15 has no uuidv7().
CREATE FUNCTION uuid7() RETURNS text
LANGUAGE sql VOLATILE AS $$
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
               substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
               FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid::text
$$;
