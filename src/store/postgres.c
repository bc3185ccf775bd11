/* SPDX-License-Identifier: MIT */
/*
 * postgres.c: the shared, durable store ("postgres://..." or "postgresql://...",
 * a libpq URI) for many service instances on many machines over one database.
 *
 * NOTES ON THE DESIGN
 *  (1) The rules live once, in the C core. The database locks, stores and
 *      checks; it does not decide. The road not taken: a PL/pgSQL function
 *      taking the batch as arrays would save one round trip per transaction,
 *      but would restate core/decide.c in SQL, and two copies of the rules drift.
 *  (2) READ COMMITTED with explicit row locks, so what the core decides on is
 *      the latest committed state: a transaction first locks every resource of
 *      its batch, every line of every bundle (SELECT ... FOR UPDATE, in id order
 *      so two batches cannot deadlock on each other, (11)), then, in a later statement and so a later
 *      snapshot, reads the records of its booking_ids. Records are written only
 *      by transactions holding their resource's lock, so none appears for these
 *      resources until we commit. SERIALIZABLE would be correct too, but would
 *      turn every contended hot resource into serialization failures (FAILED
 *      conflict) instead of a short, bounded lock queue.
 *  (3) Round trips: a batch is one transaction in two pipelined flights.
 *      Flight 1: BEGIN, lock resources, read the time and the expired holds
 *      (8, 9), read records (one round trip).
 *      The core decides every attempt in order against the batch's view.
 *      Flight 2: mark the expired holds (if any), INSERT the new records (one
 *      multi-row INSERT from unnest of arrays), UPDATE the changed counters (one
 *      UPDATE), COMMIT (one round trip).
 *      A single attempt is a batch of one. The resource locks are held for one
 *      client round trip plus the commit's fsync; batching (group commit in the
 *      service) spreads that over many attempts.
 *  (4) The INSERT has no ON CONFLICT: a booking_id that was decided meanwhile by
 *      another instance on another resource (the only way a new record can
 *      collide, given (2)) raises unique_violation; the transaction aborts, the
 *      pipelined COMMIT does not run, and the batch is FAILED conflict. Never
 *      retried: a repeat of the batch replays.
 *  (5) Errors, without retries: 40001, 40P01, 23505 -> conflict; 55P03, 57014
 *      (lock_timeout, statement_timeout) -> timeout; a lost connection or a
 *      standby (25006) -> unavailable, the connection is dropped and the next
 *      call reconnects (to the new primary, with target_session_attrs); no
 *      answer within statement_timeout + BOOKING_PG_CLIENT_GRACE_MS -> timeout, the
 *      connection is dropped. A loss during flight 2 is the ambiguous commit of
 *      SPEC section 1: FAILED, and a replay with the same booking_id reveals it.
 *  (6) Sessions: lock_timeout and statement_timeout (URL parameters
 *      lock_timeout_ms, statement_timeout_ms), idle_in_transaction_session_timeout
 *      (so a frozen client cannot hold locks for long), synchronous_commit on
 *      (durable, and with a synchronous standby, failover-proof),
 *      enable_seqscan off: every statement is a primary-key access, and a generic
 *      plan cached while a table was small must not scan it whole once it grew;
 *      and plan_cache_mode force_generic_plan, so that each prepared statement is
 *      planned once per session, not at every call (a custom plan per call cost
 *      more server CPU than the statements themselves; measured in (11)).
 *  (7) Threads: a pool of pool_size (default BOOKING_PG_POOL_SIZE_DEFAULT) connections,
 *      each used by one call at a time, not one connection behind a mutex: a
 *      transaction holds its connection across two round trips, and calls on
 *      other resources should not queue behind it. Bounded so that N instances
 *      open at most N x pool_size sessions. A call waits at most lock_timeout_ms
 *      for a free connection (then FAILED busy).
 *
 *  (8) Time (SPEC section 7). The store's time is the database server's clock,
 *      so that every instance on the database decides with one clock: a statement
 *      of flight 1 reads clock_timestamp() after the statement before it took the
 *      row locks (not now(), the transaction's start, which may be before the
 *      wait for a lock). It never goes back: each resource row keeps clock_ms,
 *      the latest time a write on it used, and a transaction's time is
 *        now = greatest(server clock, clock_ms of the resources it locked,
 *                       the record's updated_at_ms (cancel, confirm), the handle's floor)
 *      and every write raises the clock_ms of the resources it wrote to now.
 *      clock_ms lives on the row the transaction holds FOR UPDATE anyway, and is
 *      written by the UPDATE of the counter it sends anyway, so it costs no lock
 *      and no statement (a batch that only records REJECTED decisions now updates
 *      its resource rows too, for clock_ms). The lock statement returns the
 *      clock_ms of the rows it locked, and the C side takes the greatest; the
 *      statement after it reads only the clock and the floor (finding every
 *      locked row again by its key for max(clock_ms) cost as much as the rest of
 *      that statement: 3.8-6.1 -> 1.5-2.7 us per attempt, bench/pg-spread's
 *      batches of 64, pg_stat_statements, four runs each). The expired entries
 *      that statement returns are those due by its own time; when a locked
 *      row's clock_ms is later (the server's clock stepped back after that row's
 *      write, or an injected clock is behind it), expiry_again reads them once
 *      more at the write's time, in one more round trip under the same locks.
 *      Guarantees: the times of the writes on one resource never decrease,
 *      across instances, restarts and server clock steps, so a hold released by
 *      one write is never seen live by a later one; a record's updated_at_ms <=
 *      its resource's clock_ms. Reads
 *      write nothing, so a read's as_of may run ahead of clock_ms; a read is
 *      never before the resource's latest write, and never before any time the
 *      same handle used (its floor: store->latest_ms). What is left: if the
 *      server's clock steps back, a read through one instance may be later than
 *      a write that follows through another (the step's size at most).
 *      A test that injected a clock (store->clock) sends bk_store_now() as $clock
 *      instead of the server's clock; the rest is the same.
 *  (9) Holds and expiry. A hold is a record with status held (3) whose units are
 *      in booked; bookings_live_holds indexes the held rows by (resource_id,
 *      expires_at_ms). Expiry is applied lazily and exactly once: every write
 *      on a resource, in flight 1 after its lock, reads the time and that
 *      resource's held rows with expires_at_ms <= now (one index range:
 *      O(expired)), releases their units from the counter it will write, and in
 *      flight 2 marks them expired (status 4, updated_at_ms = expires_at_ms).
 *      Held rows change only under their resource's lock, so two transactions
 *      never release one hold; a failed transaction releases nothing. Reads do
 *      not write: a resource read answers booked minus the units of its held
 *      rows expired by its time (the same index range), a record read its status
 *      as of its time (bk_core_status_at). So the stored invariant is: booked = the
 *      units of the resource's records with status active or held; as of a time
 *      t, the held ones with expires_at_ms <= t no longer count.
 * (10) What holds cost. Round trips stay two per write (cancel, confirm,
 *      capacity and a batch of any size; three after a clock step back, (8)) and
 *      one per read. Statements: flight 1 gains one (the time and the expired
 *      holds); flight 2 gains one (EXPIRE_HOLDS) only when some hold has expired. A cancel or a confirm
 *      now locks the record's resource in flight 1 (the resource first, then the
 *      record's row in flight 2, the order every write keeps), where before it
 *      locked the record, then the resource in flight 2.
 * (11) Bundles (SPEC section 8; the tables: postgres_schema.c, version 3). A
 *      record's line 0 stays in bookings (resource_id, units), lines 1.. are
 *      booking_lines rows keyed (booking_id, line), so a single attempt reads and
 *      writes what it did before bundles: no line rows, the same statements.
 *      - Locks: LOCK_RESOURCES takes every line's resource of every attempt of the
 *        batch in one statement, FOR UPDATE ORDER BY id (LockRows above the
 *        sort: rows are locked in that order), and a cancel or a confirm takes
 *        all its record's lines' resources the same way (LOCK_RESOURCES_OF). One
 *        global order, taken once per transaction before any other row lock, so
 *        overlapping bundles across sessions and instances cannot deadlock on
 *        resources; a lock not had within lock_timeout is FAILED timeout (5).
 *        Every other row a write changes (a record's status, a line's hold
 *        entry) changes only under the lock of the resources it is on, taken
 *        first: no second lock order exists to cross this one.
 *      - Decide: records are read with their lines (a LEFT JOIN, one row per line
 *        1..; none for a single), so a replay compares every line
 *        (bk_core_line_equal) and a recorded REJECTED replays its `line`; each
 *        attempt is decided by bk_core_decide_attempt on its lines' overlay
 *        entries in order, and a reservation adds each line's units to its own.
 *        The new records and their lines go in two multi-row INSERTs from
 *        arrays (the second only when the batch has a bundle), in flight 2.
 *      - Holds: each line of a held bundle is a live hold entry on its own
 *        resource: line 0's is the bookings row held (bookings_live_holds), line
 *        i's its booking_lines row with held (booking_lines_live_holds). The
 *        expiry step of (9) reads both indexes for the resources it locked (one
 *        statement, UNION ALL) and releases each due entry on them from its own
 *        resource, once: an entry changes only under its resource's lock. The
 *        stored status moves to expired with line 0's entry (so holds_expired
 *        counts a hold once, when line 0's resource releases it); reads answer
 *        expired by time either way. A cancel releases every line's units from
 *        its own resource; a cancel or a confirm of a live hold clears every line's
 *        entry (line 0's with the status, lines 1.. with UNHOLD_LINES); one of an
 *        expired hold lets the expiry step of its locked resources release the
 *        entries still live. A resource read subtracts the due entries of both
 *        kinds on it.
 *      - Cost: a single attempt pays one more index probe (the empty
 *        booking_lines_live_holds range of its resource) in flight 1's expiry
 *        statement, and a replay one probe of booking_lines' primary key; no
 *        statement and no round trip more. Measured (booking bench, 64
 *        connections, 1000 resources, one 2-core machine shared with other
 *        work): server CPU per single attempt 0.85 ms before bundles, 0.97 with
 *        them under per-call custom plans, 0.65-0.72 with generic plans (6).
 *        A bundle of 3 costs 1.3-1.6x a single attempt's server CPU (the
 *        foreign key of booking_lines ~0.1 ms of it); at 64 connections on 30
 *        hot resources its rate is a third of the single form's, as the rate
 *        of lines is the same: each line's resource stays locked for one round
 *        trip and the commit, so hot resources, not CPU, bound it. Shortening
 *        that would take the decision into the database, note (1).
 *      - No partial success: a bundle's record, lines and counters are in the
 *        one transaction of its batch; any statement failing aborts it, and the
 *        batch is FAILED with nothing visible (4, 5).
 * (12) Listing (SPEC section 5; the indexes: postgres_schema.c, version 4). Each
 *      page is one statement (one snapshot, READ COMMITTED; no transaction of
 *      ours, no writes) and one round trip, reading limit + 1 rows for `more`.
 *      - Order: bytewise (strcmp), whatever the database's collation: the
 *        indexes, the keyset condition (id > after) and the ORDER BY all say
 *        COLLATE "C" (the planner walks an index only when the collations are
 *        the same; tests/postgres/postgres_listing.c EXPLAINs each statement on
 *        a database whose default collation is not bytewise).
 *      - Time: one per page, the store's time of (8): greatest(server clock,
 *        the handle's floor, the clock_ms of the page's resources) for
 *        list_resources, (the same with the resource's clock_ms) for list_bookings; each
 *        resource is answered as get_resource would at that time (booked net of
 *        the entries due by then, as_of_ms the time) and each record as
 *        get_booking (its status as of then).
 *      - Filter: the statement computes each record's status as of the time in
 *        SQL with the rule of bk_core_status_at (held and expires_at_ms <= now:
 *        expired, the rule EXPIRED_AT already states) and keeps the records whose
 *        (outcome, status) code is in an array the C side builds by asking
 *        bk_core_list_filter_keeps of every pair: the filter rule itself is not
 *        restated. Every row read is checked again in C (status by
 *        bk_core_status_at, kept by bk_core_list_filter_keeps); a disagreement
 *        is FAILED internal, never a wrong page.
 *      - Cost: list_resources O(log R + page) (resources_by_id_bytewise), plus,
 *        per resource, the due hold entries as get_resource reads them.
 *        list_bookings walks two index ranges of the resource from `after`,
 *        bookings_by_resource (line 0) and booking_lines_by_resource (lines 1..),
 *        merged (Merge Append, index-only), numbered (row_number) as one stream,
 *        each key probing its record's primary key for the filter, stopping at
 *        limit + 1 kept or at BOOKING_LIST_SCAN_MAX keys (store.h: the page then
 *        ends early, next the key before the one past the budget, lag()):
 *        O(log n + page + skipped), where skipped is the number of this
 *        resource's records after `after` that the filter drops before the page
 *        fills (none for ALL), at most the budget, served by the server in the
 *        one round trip. There is no index by status (the held ones have
 *        bookings_live_holds, but a held one turns expired by time alone, so no
 *        stored status is an index key for "held as of now"): a filter that
 *        keeps few of a resource's records reads through them, a budget per
 *        page. Measured at 1M records on one resource, none kept: 90 to 600 ms a
 *        page at load 20 to 35 (all 1M in one statement before the budget: 14 to
 *        18 s, past the default statement_timeout_ms).
 * (13) Spread load, what holds it (bench/pg-spread: 64 threads, a pool of 64,
 *      batches of 64 UUIDv4 attempts on 10,000 resources, beside the PL/pgSQL
 *      function of bench/reference.sql at 64 pgbench clients on the same
 *      server). The store's rate is 2-3x the function's, not 5x, and neither
 *      round trips (two per batch, pipelined), plans (every statement a
 *      primary-key or index range, generic plans), statement count (arrays,
 *      unnest) nor the pool is what holds it. Profile (one run, 2 cores shared):
 *      - pg_stat_activity sampled every 0.1 s: 75% of the store's sessions wait on
 *        Lock:transactionid and 19% on Lock:tuple (another batch's row locks);
 *        the lock holders mostly wait on the WAL flush (WALWrite/WALSync), then
 *        CPU, then ClientRead (the client's decision between the flights): the
 *        round trip is 1% of the samples.
 *      - pg_stat_statements: LOCK_RESOURCES averages 180 ms per call (waiting);
 *        everything else a batch runs costs 2.3 ms (UPDATE_BOOKED 1.2, INSERT
 *        0.74, SELECT_RECORDS 0.26, EXPIRED_OF 0.08).
 *      - Pool 4, 8, 16, 32, 64 at 64 threads: the same rate within the noise.
 *      Why: two random batches of 64 on 10,000 resources share one with
 *      probability 1 - (1 - 64/10000)^64 = 0.34, so of 64 batches in flight only
 *      a handful are disjoint; the rest queue in lock order, each holding the
 *      rows it has locked while it waits for the next (a queue behind a queue),
 *      and every link of that chain costs its holder's commit flush, as
 *      synchronous_commit releases row locks only after it. The function's
 *      transactions lock one row each and rarely meet. A scheme that waits
 *      without holding (SKIP LOCKED, retry) does not help here: with even 10
 *      batches holding locks, 6% of the resources are locked and all 64 of a
 *      batch are free 0.94^64 = 2% of the time. What shortens the chain is a
 *      shorter hold (less WAL to flush under the locks: the resources' updates
 *      kept HOT, schema version 4's fillfactor) or smaller batches (at batch 8 the
 *      batches rarely meet, and per-statement CPU bounds the rate instead).
 *      Version 4's listing index costs every record one more index entry
 *      (WAL per attempt 507 -> 655 bytes, 715 without the fillfactor).
 *      What fixed it: not letting our own transactions meet, (14).
 * (14) Partitioned group commit (store/postgres_route.h). Concurrent calls of
 *      booking_attempt_batch no longer each run their own transaction: each
 *      call is queued whole on one of `partitions` workers (URL parameter,
 *      1..BOOKING_PG_PARTITIONS_MAX, default BOOKING_PG_PARTITIONS_DEFAULT;
 *      at most one per two pooled connections; none with pool_size=1), which
 *      takes everything queued for it, up to one batch's limits, as one
 *      transaction of the two flights of (3). A partition is a hash of the
 *      resource id: a call on one partition's resources goes there, one across
 *      partitions (a random batch of 64 on 10,000 resources always is) goes to
 *      the first, so those are combined with each other instead of locking the
 *      same rows from several transactions. Hence: of our own transactions at
 *      most one per partition is in flight, a partition's rounds follow each
 *      other, and two partitions' rounds meet on a resource only through a
 *      call across partitions, so the convoy of (13) cannot form: a round waits
 *      at most for the rounds in flight on the other partitions, never for a
 *      chain. What the guarantees become:
 *      - A batch stays one transaction (booking.h): calls are never split, so
 *        a FAILED round leaves nothing of any of its calls (tried: splitting a
 *        call by partition failed postgres_faults' "a FAILED batch is partly
 *        visible"). A round that fails fails every call in it, each whole: a
 *        lock held elsewhere past lock_timeout, or an id another instance
 *        inserted meanwhile (4), now fails the round's other calls too (they
 *        are unsure, so FAILED is the right answer, but more of them).
 *      - Order: each call's attempts in its order; between calls there is none
 *        to keep (they are concurrent), as in the service's committer.
 *      - booking_id: an id in flight belongs to its call's partition until its
 *        round ends (an in-flight table keyed by a seeded 64-bit hash of the
 *        id; two ids that collide only share a partition); a call with that id
 *        goes there, behind it, and reads its record. So two of our rounds never
 *        insert one id each and the unique index never fails one of them; across
 *        instances it still decides, as (4) says.
 *      - Bundles lock every line in one statement in the one global order (11),
 *        whichever partition runs them: no deadlock across partitions.
 *      - Waits: a call waits for the round in flight on its partition and then
 *        its own (while what is queued fits one batch), each bounded as (5)
 *        says; a worker holds a pooled connection only during a round.
 *      Measured (bench/pg-spread, 10,000 resources, 64 threads, pool 64,
 *      partitions 4; bench/README.md has every run with its load): on the
 *      lightly loaded machine batch 64 went from 2.9x the function to 5.3x and
 *      8.7x, batch 8 to 5.75x; under load 20-30 both binaries swing between 1.3x
 *      and 4x, as all of a random batch's calls span partitions and run on one
 *      worker and one backend (where 64 backends took a larger share of the
 *      contended machine). The CPU per decision, in the same minutes: server
 *      57-72 us after, 87-175 us before, 150-216 us for the function.
 *      Tried and dropped: splitting a call by partition (breaks a batch's one
 *      transaction, above), calls across partitions each to their first
 *      line's partition (1.3x: four rounds of ~1000 attempts, each locking a
 *      tenth of the resources, met on every round), and two rounds of a
 *      partition in flight, the next sent while the one before commits (no
 *      faster, (15)). booking serve is not changed
 *      by it: its committer makes one call at a time, so one round is in flight,
 *      and with 64 connections of one request each its rate is 64 / (a round's
 *      time plus the HTTP path): more would take the committer making calls
 *      on disjoint resources side by side.
 * (15) Spread load after (14), where the time goes (bench/pg-spread at batch 64,
 *      10,000 resources, pg_stat_statements and the backends' CPU over the run
 *      alone, 2 cores shared with other work). Every random batch of 64 spans the
 *      partitions, so every call goes to partition 0: one round at a time, of
 *      ~2,000 attempts (what the 64 threads queued meanwhile), ~60 ms each: flight
 *      1 ~20 ms, the client's prepare and decide ~3 ms, flight 2 and the commit
 *      ~40 ms. Per attempt, the statements: INSERT_RECORDS 12 us (a heap row and
 *      two index entries; without version 4's bookings_by_resource, on a copy of
 *      the table, ~4 us less; the CHECKs ~1 us), UPDATE_BOOKED 4 (about half of
 *      it finding each row again by its key: by ctid it would not, but ctid is
 *      PostgreSQL's own, docs/postgres.md), LOCK_RESOURCES 3, SELECT_RECORDS 2.4,
 *      EXPIRED_OF 1.5-2.7 (3.8-6.1 while it computed max(clock_ms), (8)); the
 *      server's CPU 20-30 us an attempt in all, the function's 245-300 us (those
 *      of (14) counted booking bench's setup too: 10,000 set_capacity
 *      transactions, ~23 us an attempt over 100,000). So the store spends a tenth
 *      of the function's server CPU per decision, yet its rate is 4-6x, not 10x:
 *      its rounds are serial. Two rounds of ~1,800 resources always share some,
 *      a round's row locks last to its commit, and the next round's lock
 *      statement waits at the first row they share (in id order, so at once), so
 *      a second round in flight would overlap the first by little more than its
 *      parse and plan; the rate is then one backend's, 1 / (~30 us of statements,
 *      commit and client per attempt), where the function's 64 backends share
 *      both cores.
 *      What was measured and not kept: array parameters in binary (0.3 us less
 *      per row of INSERT), SELECT unnest(...) for FROM unnest(...) (within the
 *      noise), and, a server setting and not the store's, shared_buffers 128 MB
 *      for the test server's 32 MB (INSERT 12.9 -> 11.9 us; a round's ~1.2 MB of
 *      WAL no longer overflows the 1 MB of wal_buffers: 108 WAL writes for 5,411;
 *      but in bench/pg-spread --shared-buffers, the function and the store on
 *      one server, alternately 32/128 MB at load 4.7-8.5: store/function
 *      4.68x/3.50x, 4.99x/4.34x, 3.73x/3.56x, the store's server CPU 17.4/16.8,
 *      15.0/14.3, 13.9/14.1 us an attempt: no gain). Then, each alternately with
 *      the build before it in bench/pg-spread at batch 64 (bench/README.md):
 *      - Two rounds of partition 0 in flight: the next taken once the one before
 *        has sent its COMMIT, none with an id still in it. Sent at once, its lock
 *        statement waited at the first row the first round held and, once that
 *        committed, rechecked (EvalPlanQual) every row it had updated: 0.73x, the
 *        server's CPU 73.8 us an attempt for 13.3. Gated by an advisory lock of
 *        the partition taken first in the transaction (its statements then start
 *        after the first round ended, on fresh snapshots; what is left to gain is
 *        the client's turnaround and the round trip between two rounds, of a
 *        round's ~30 ms at load 3: 98 rounds in 2.9 s): 2.30x, 3.94x,
 *        4.78x against 4.89x, 7.36x, 6.47x (load 3.6-9.1), the server's CPU the
 *        same (13.4-15.0 us against 12.6-14.6). Not a gain, and two sessions per
 *        partition: dropped (the commit and its revert are in the history).
 *      - INSERT_RECORDS in the pkey's order (ORDER BY 1: each leaf page of
 *        bookings_pkey visited once per round): on a fresh server with
 *        pg_stat_statements (booking bench alone, load 6-9) the statement took
 *        18.4, 23.9, 14.7 ms a round against 30.7, 46.5, 26.9; but in
 *        bench/pg-spread (after the function on the same server) 3.30x, 2.24x,
 *        2.70x, 5.20x, 3.26x against 3.41x, 4.43x, 5.78x, 4.16x, the server's CPU
 *        14.5-19.0 us against 14.8-16.7 (load 5.7-16; shared_buffers 128 MB in
 *        the first three pairs, 32 MB after). Not kept.
 *
 * States of one pooled connection (pg_conn), per call:
 *
 *   NONE --connect--> IDLE --flight 1--> LOCKED --flight 2 ok--> IDLE (results stand)
 *     ^                 |                  |
 *     |                 |                  +--any error--> ROLLBACK --> IDLE (all FAILED)
 *     +---lost, timed out, ROLLBACK failed (bk_pg_abandon, conn_drop)
 */
#include "core/names.h"
#include "store/postgres_batch.h"
#include "store/postgres_conn.h"
#include "store/postgres_route.h"
#include "store/postgres_schema.h"
#include "store/store.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "{"id"}": one id as an array literal (ids never need escaping, bk_pg_text_add_id). */
#define PG_ONE_ID_ARRAY_SIZE (BOOKING_ID_LEN_MAX + 5)
#define PG_NUMBER_SIZE 24 /* a 64-bit number in decimal, sign and NUL included */

typedef struct pg_store {
    booking_store base;
    pg_pool pool;
    pg_batch *scratch[BOOKING_PG_POOL_SIZE_MAX]; /* per connection, allocated on first use */
    bool routed; /* batches go through the partitions of (14) */
    pg_route route;
} pg_store;

/* ---- reading values ---- */

static bool parse_u64(const PGresult *res, int row, int col, uint64_t *out)
{
    assert(res != NULL && row >= 0 && row < PQntuples(res) && col >= 0 && col < PQnfields(res));
    if (PQgetisnull(res, row, col))
        return false;
    const char *s = PQgetvalue(res, row, col);
    if (*s < '0' || *s > '9')
        return false;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

/* A bigint: a time in ms since the epoch (an injected clock may be before it). */
static bool parse_i64(const PGresult *res, int row, int col, int64_t *out)
{
    assert(res != NULL && row >= 0 && row < PQntuples(res) && col >= 0 && col < PQnfields(res));
    if (PQgetisnull(res, row, col))
        return false;
    const char *s = PQgetvalue(res, row, col);
    if ((*s < '0' || *s > '9') && *s != '-')
        return false;
    char *end;
    long long v = strtoll(s, &end, 10); /* a bigint always fits */
    if (*end != '\0' || end == s)
        return false;
    *out = v;
    return true;
}

/* A record row starting at column `col`, in BOOKING_PG_RECORD_COLUMNS order
 * (its lines 1.., if any, are read by record_line_load). */
static bool parse_record(const PGresult *res, int row, int col, pg_record *r)
{
    assert(PQnfields(res) >= col + BOOKING_PG_RECORD_COLUMN_COUNT);
    uint64_t o, s, line_count, line;
    if (!parse_u64(res, row, col + 1, &r->units) || !parse_u64(res, row, col + 2, &o) ||
        !parse_u64(res, row, col + 3, &s) || !parse_u64(res, row, col + 4, &r->hold_ms) ||
        !parse_i64(res, row, col + 5, &r->created_at_ms) ||
        !parse_i64(res, row, col + 6, &r->updated_at_ms) ||
        !parse_i64(res, row, col + 7, &r->expires_at_ms) ||
        !parse_u64(res, row, col + 8, &line_count) || !parse_u64(res, row, col + 9, &line) ||
        (o != BOOKING_BOOKED && o != BOOKING_REJECTED) || s > BOOKING_STATUS_EXPIRED ||
        r->hold_ms > BOOKING_HOLD_MS_MAX || line_count < 1 || line_count > BOOKING_LINES_MAX ||
        line >= line_count)
        return false;
    r->exists = true;
    r->resource_id = PQgetvalue(res, row, col);
    r->outcome = (booking_outcome)o;
    r->status = (booking_status)s;
    r->line_count = (uint32_t)line_count;
    r->line = (uint32_t)line;
    r->lines = NULL; /* record_line_load */
    r->lines_read = 0;
    /* The schema's CHECKs: only a BOOKED record has a status, only a hold is held
     * or expired, a BOOKED hold ends hold_ms after its decision, and only a
     * REJECTED record names a failing line. */
    assert(r->outcome == BOOKING_BOOKED || r->status == BOOKING_STATUS_NONE);
    assert((r->status != BOOKING_STATUS_HELD && r->status != BOOKING_STATUS_EXPIRED) ||
           r->hold_ms > 0);
    assert(r->expires_at_ms == (r->outcome == BOOKING_BOOKED && r->hold_ms > 0
                                    ? r->created_at_ms + (int64_t)r->hold_ms
                                    : 0));
    assert(r->outcome == BOOKING_REJECTED || r->line == 0);
    return true;
}

/* One row of a record read with its lines (SELECT_RECORDS, SELECT_RECORD,
 * SELECT_RECORD_AT: one row per line 1.., the line columns from `col`): the
 * record's first row takes room for all its lines in the batch's record_lines
 * (line 0 from the record itself); each row then fills its line. NULL line
 * columns: a record of one line. */
static bool record_line_load(pg_batch *b, pg_record *r, const PGresult *res, int row, int col)
{
    assert(r->exists && PQnfields(res) >= col + BOOKING_PG_LINE_COLUMN_COUNT);
    if (PQgetisnull(res, row, col))
        return r->line_count == 1;
    uint64_t line, units;
    if (r->line_count == 1 || !parse_u64(res, row, col, &line) || line == 0 ||
        line >= r->line_count || !parse_u64(res, row, col + 2, &units))
        return false; /* a line the record does not have: not as the schema keeps them */
    if (r->lines == NULL) {
        booking_line *all = bk_pg_record_lines_take(b, r->line_count);
        if (all == NULL)
            return false;
        all[0] = (booking_line){.resource_id = r->resource_id, .units = r->units};
        r->lines = all;
    }
    /* Ours: record_lines, taken just above for this record. */
    booking_line *at = (booking_line *)&r->lines[line];
    *at = (booking_line){.resource_id = PQgetvalue(res, row, col + 1), .units = units};
    r->lines_read++;
    return true;
}

/* Whether a record read with record_line_load has every line (the primary key
 * (booking_id, line) and the CHECKs keep them distinct and in range). */
static bool record_lines_complete(const pg_record *r)
{
    return r->lines_read + 1 == r->line_count && (r->line_count == 1 || r->lines != NULL);
}

/* Line i of a record (0: the record's own columns). */
static booking_line record_line(const pg_record *r, size_t i)
{
    assert(i < r->line_count && (r->line_count == 1 || r->lines != NULL));
    if (r->line_count == 1)
        return (booking_line){.resource_id = r->resource_id, .units = r->units};
    return r->lines[i];
}

/* The replay rule of SPEC section 8: the same lines, in the same order. */
static bool record_has_lines(const pg_record *r, core_lines want)
{
    if (r->line_count != want.count)
        return false;
    for (size_t i = 0; i < want.count; i++) {
        booking_line l = record_line(r, i);
        if (!bk_core_line_equal(&want.at[i], l.resource_id, strlen(l.resource_id), l.units))
            return false;
    }
    return true;
}

static bool result_has_rows(const PGresult *res)
{
    return res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK;
}

static core_record core_record_of(const pg_record *r, bool same_lines)
{
    assert(r->exists);
    return (core_record){.same_lines = same_lines,
                         .hold_ms = r->hold_ms, .outcome = r->outcome,
                         .reason = bk_core_recorded_reason(r->outcome), .status = r->status,
                         .expires_at_ms = r->expires_at_ms, .line = r->line};
}

/* The record as of now_ms: a held one whose time has come reads expired, changed
 * at its expiry, whether or not a write has applied that yet (9). */
static void public_record_of(const char *booking_id, const pg_record *r, int64_t now_ms,
                             booking_record *out)
{
    assert(r->exists && r->updated_at_ms >= r->created_at_ms);
    if (out == NULL)
        return;
    core_record cr = core_record_of(r, true);
    bk_store_copy_id(out->booking_id, booking_id, strlen(booking_id));
    bk_store_copy_id(out->resource_id, r->resource_id, strlen(r->resource_id));
    out->units = r->units;
    out->line_count = r->line_count;
    out->line = r->line;
    out->hold_ms = r->hold_ms;
    out->outcome = r->outcome;
    out->reason = cr.reason;
    core_record_view view = bk_core_record_at(&cr, r->updated_at_ms, now_ms);
    out->status = view.status;
    out->created_at_ms = r->created_at_ms;
    out->expires_at_ms = r->expires_at_ms;
    out->updated_at_ms = view.updated_at_ms;
}

/* The counters of a resource row (capacity, booked from column col), as the
 * schema's CHECKs keep them. */
static bool parse_resource(const PGresult *res, int row, int col, core_resource *state)
{
    if (!parse_u64(res, row, col, &state->capacity) ||
        !parse_u64(res, row, col + 1, &state->booked))
        return false;
    assert(bk_core_resource_consistent(state)); /* read: what we and the CHECKs wrote */
    return true;
}

static void public_resource_of(const char *resource_id, const core_resource *state,
                               int64_t now_ms, booking_resource *out)
{
    assert(bk_core_resource_consistent(state));
    if (out == NULL)
        return;
    bk_store_copy_id(out->resource_id, resource_id, strlen(resource_id));
    out->capacity = state->capacity;
    out->booked = state->booked;
    out->as_of_ms = now_ms;
}

/* ---- the store's time, (8) ---- */

/* $clock and $floor of a statement that reads the time. */
typedef struct pg_time {
    const char *clock; /* NULL: the server's clock */
    char clock_text[PG_NUMBER_SIZE];
    char floor[PG_NUMBER_SIZE];
    int64_t floor_ms;
} pg_time;

static void time_params(pg_store *st, pg_time *t)
{
    booking_store *s = &st->base;
    if (s->clock != NULL) {
        t->floor_ms = bk_store_now(s); /* the injected clock, never back within the handle */
        snprintf(t->clock_text, sizeof t->clock_text, "%lld", (long long)t->floor_ms);
        t->clock = t->clock_text;
    } else {
        t->floor_ms = __atomic_load_n(&s->latest_ms, __ATOMIC_RELAXED);
        t->clock = NULL;
    }
    snprintf(t->floor, sizeof t->floor, "%lld", (long long)t->floor_ms);
}

/* The time in the first row of a result that reads it. */
static bool time_load(const PGresult *res, int col, const pg_time *t, int64_t *now)
{
    if (!result_has_rows(res) || PQntuples(res) < 1 || !parse_i64(res, 0, col, now))
        return false;
    assert(*now >= t->floor_ms); /* greatest() of the statement */
    return true;
}

/* ---- one call on one pooled connection ---- */

/* What an operation passes to its work: the id it is about and its outputs. */
typedef struct pg_call_args {
    const char *id;
    uint64_t capacity;               /* set_capacity */
    booking_resource *resource;      /* set_capacity, get_resource */
    booking_record *record;          /* cancel, confirm, get_booking */
    booking_record_line *lines;      /* get_booking: lines_cap of them (NULL when 0) */
    size_t lines_cap;
    core_change_fn change;             /* cancel, confirm */
    const booking_request *requests; /* attempt_batch */
    size_t count;
    booking_result *results;
    const char *after;               /* listing: "" for the first page */
    size_t limit;
    booking_list_filter filter;
    booking_resource *resources_out; /* list_resources: limit of them */
    booking_record *records_out;     /* list_bookings: limit of them */
    store_page *page;                /* listing */
} pg_call_args;

/* The work of one call on its connection: returns OK, or the FAILED reason that
 * ends it (the transaction, if any, is then rolled back); the call's own answer
 * (a decision, or e.g. unknown_resource) goes to *answer. */
typedef booking_reason (*pg_work_fn)(pg_store *st, pg_conn *c, const pg_call_args *a,
                                     booking_reason *answer);

/* The shell every operation runs in: take a pooled connection, run the work,
 * end a failed transaction (bk_pg_abandon: ROLLBACK, or drop the connection) and
 * give the connection back. The operations below are thin callers. */
static booking_reason pg_call(pg_store *st, pg_work_fn work, const pg_call_args *a)
{
    pg_conn *c;
    booking_reason r = bk_pg_pool_acquire(&st->pool, &c);
    if (r != BOOKING_REASON_OK)
        return r;
    assert(c >= st->pool.conns && c < st->pool.conns + st->pool.size);
    booking_reason answer = BOOKING_REASON_INTERNAL;
    r = work(st, c, a, &answer);
    if (r != BOOKING_REASON_OK)
        bk_pg_abandon(&st->pool, c);
    bk_pg_pool_release(&st->pool, c);
    assert(r == BOOKING_REASON_OK || booking_reason_is_failure(r));
    return r == BOOKING_REASON_OK ? answer : r;
}

/* The connection's scratch, reset; NULL if it cannot be allocated. */
static pg_batch *scratch_of(pg_store *st, pg_conn *c)
{
    size_t slot = (size_t)(c - st->pool.conns);
    assert(slot < BOOKING_PG_POOL_SIZE_MAX && c->busy);
    if (st->scratch[slot] == NULL)
        st->scratch[slot] = bk_pg_batch_new();
    if (st->scratch[slot] != NULL)
        bk_pg_batch_reset(st->scratch[slot]);
    return st->scratch[slot];
}

/* ---- expiry, (9): shared by every write ---- */

/* What one write's expiry step releases: hold entries of line 0 (the bookings
 * rows held: one per hold, the holds counted in booking_store_stats) and of
 * lines 1.. of bundles (booking_lines rows held). */
typedef struct pg_expiry {
    size_t holds;
    size_t lines;
} pg_expiry;

/* Reads the time and the expired live hold entries (a result of EXPIRED_OF or
 * EXPIRED_OF_RECORD) and releases each from its resource's counter in the
 * overlay, listing it for EXPIRE_HOLDS or EXPIRE_LINES. Only the entries on
 * resources this transaction locked are released: an entry on another resource
 * (one created after the lock statement's snapshot, so not locked) is left to
 * a write that locks it. */
static booking_reason expiry_load(pg_batch *b, const PGresult *res, const pg_time *t,
                                  int64_t *now, pg_expiry *expired)
{
    *expired = (pg_expiry){0};
    if (!time_load(res, 0, t, now))
        return BOOKING_REASON_INTERNAL;
    for (int i = 0; i < PQntuples(res); i++) {
        if (PQgetisnull(res, i, 1))
            continue; /* the LEFT JOIN's row of NULLs: no hold has expired */
        size_t k = bk_id_table_find(&b->overlay.ids, PQgetvalue(res, i, 3),
                                 (size_t)PQgetlength(res, i, 3));
        if (k == ID_TABLE_NONE || !overlay_at(&b->overlay, k)->exists)
            continue; /* not locked by this transaction */
        uint64_t line, units;
        int64_t expires_at_ms;
        if (!parse_u64(res, i, 2, &line) || line >= BOOKING_LINES_MAX ||
            !parse_u64(res, i, 4, &units) || !parse_i64(res, i, 5, &expires_at_ms))
            return BOOKING_REASON_INTERNAL;
        overlay_entry *e = overlay_at(&b->overlay, k);
        assert(bk_core_hold_expired(expires_at_ms, *now)); /* the rows the statement chose */
        if (e->state.booked < units)
            return BOOKING_REASON_INTERNAL; /* a live entry's units are in booked, (9) */
        e->state.booked -= units;
        e->dirty = true;
        assert(bk_core_resource_consistent(&e->state)); /* the counter as it will be written */
        const char *id = PQgetvalue(res, i, 1);
        size_t id_len = (size_t)PQgetlength(res, i, 1);
        if (line == 0) {
            bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_EXPIRE_IDS], id, id_len);
            expired->holds++;
        } else {
            bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_EXPIRE_LINE_IDS], id, id_len);
            bk_pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_EXPIRE_LINE_NUMBERS], line);
            expired->lines++;
        }
    }
    return BOOKING_REASON_OK;
}

/* The time of a write on resources it locked (8): the time flight 1's
 * EXPIRED_OF read (the injected clock or the server's, never before the floor;
 * result `times`), or the latest clock_ms of the locked rows, which the lock
 * statement returned (locked_clock_ms; INT64_MIN: none), when that is later.
 * *again: it is, so EXPIRED_OF's entries are those due by an earlier time than
 * the write's (expiry_again). */
static booking_reason write_time(const PGresult *times, const pg_time *t, int64_t locked_clock_ms,
                                 int64_t *now, bool *again)
{
    int64_t read_ms;
    if (!time_load(times, 0, t, &read_ms))
        return BOOKING_REASON_INTERNAL;
    *again = locked_clock_ms > read_ms;
    *now = *again ? locked_clock_ms : read_ms;
    assert(*now >= t->floor_ms && *now >= locked_clock_ms);
    return BOOKING_REASON_OK;
}

/* A locked row's clock_ms is later than the time flight 1 read (the server's
 * clock went back after that row's write, or an injected clock is behind it):
 * EXPIRED_OF again, with the write's time as its clock and its floor, so that
 * its entries are those due by then, under the same locks, in one more round
 * trip; then SELECT_RECORDS of bids when not NULL, as this flight replaces flight
 * 1's results. Both at a later snapshot than flight 1's. The holds of the locked
 * resources change only under the locks this transaction holds, so EXPIRED_OF
 * reads them as flight 1 did; SELECT_RECORDS may also find a record of one of
 * bids that another transaction committed meanwhile (it locked other resources),
 * which the batch then answers as a replay or a conflict, as a later call would,
 * instead of meeting the unique index at its insert. */
static booking_reason expiry_again(pg_store *st, pg_conn *c, const char *rids, const char *bids,
                                   int64_t now)
{
    assert(rids != NULL);
    char at[PG_NUMBER_SIZE];
    snprintf(at, sizeof at, "%lld", (long long)now);
    const char *time_args[3] = {rids, at, at};
    bk_pg_flight_begin(c);
    bk_pg_send(c, BOOKING_PG_EXPIRED_OF, 3, time_args);
    if (bids != NULL)
        bk_pg_send(c, BOOKING_PG_SELECT_RECORDS, 1, &bids);
    return bk_pg_flight_run(&st->pool, c);
}

/* The expiry step of a write on the resources it locked, (8) and (9): its time
 * (write_time), EXPIRED_OF once more when a locked row's clock is later
 * (expiry_again), then the entries due by that time (expiry_load). rids: the
 * locked resources; bids: the batch's booking_ids, or NULL. *at: flight 1's
 * result of EXPIRED_OF; on return, where it is (SELECT_RECORDS's follows it). */
static booking_reason expiry_step(pg_store *st, pg_conn *c, pg_batch *b, const pg_time *t,
                                  const char *rids, const char *bids, int64_t locked_clock_ms,
                                  int *at, int64_t *now, pg_expiry *expired)
{
    bool again;
    booking_reason r = write_time(bk_pg_result(c, *at), t, locked_clock_ms, now, &again);
    if (r == BOOKING_REASON_OK && again) {
        r = expiry_again(st, c, rids, bids, *now);
        *at = 0;
    }
    int64_t read_ms;
    if (r == BOOKING_REASON_OK)
        r = expiry_load(b, bk_pg_result(c, *at), t, &read_ms, expired);
    if (r == BOOKING_REASON_OK && read_ms != *now)
        return BOOKING_REASON_INTERNAL; /* greatest($2, $3) of the time expiry_again gave */
    return r;
}

/* Flight 2's first statements: mark the expired entries. False: an allocation failed. */
static bool send_expiry(pg_conn *c, pg_batch *b, pg_expiry expired)
{
    const char *ids = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_EXPIRE_IDS]);
    const char *lines[2] = {bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_EXPIRE_LINE_IDS]),
                            bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_EXPIRE_LINE_NUMBERS])};
    if (ids == NULL || lines[0] == NULL || lines[1] == NULL)
        return false;
    assert((expired.holds == 0) == (b->arrays[BOOKING_PG_ARR_EXPIRE_IDS].len == 1));
    assert((expired.lines == 0) == (b->arrays[BOOKING_PG_ARR_EXPIRE_LINE_IDS].len == 1));
    if (expired.holds > 0)
        bk_pg_send(c, BOOKING_PG_EXPIRE_HOLDS, 1, &ids);
    if (expired.lines > 0)
        bk_pg_send(c, BOOKING_PG_EXPIRE_LINES, 2, lines);
    return true;
}

/* Flight 2's counters: booked and clock_ms of every overlay entry written. */
static void counters_add(pg_batch *b)
{
    for (size_t i = 0; i < overlay_count(&b->overlay); i++) {
        overlay_entry *e = overlay_at(&b->overlay, i);
        if (!e->dirty)
            continue;
        assert(e->exists && bk_core_resource_consistent(&e->state));
        bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_UPD_IDS], e->id, e->id_len);
        bk_pg_text_add_u64(&b->arrays[BOOKING_PG_ARR_UPD_BOOKED], e->state.booked);
    }
}

static uint64_t rows_changed(pg_conn *c, int index)
{
    return strtoull(PQcmdTuples(bk_pg_result(c, index)), NULL, 10);
}

/* Ends flight 2 with COMMIT and runs it; once committed, what it applied is
 * counted and its time kept. Every write ends this way. */
static booking_reason commit_flight(pg_store *st, pg_conn *c, pg_expiry expired, int64_t now)
{
    bk_pg_send(c, BOOKING_PG_COMMIT, 0, NULL);
    booking_reason r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    /* Held rows change only under their resource's lock (9): each entry found
     * expired in flight 1 was still held in flight 2. */
    assert(expired.holds == 0 || rows_changed(c, 0) == expired.holds);
    assert(expired.lines == 0 || rows_changed(c, expired.holds > 0 ? 1 : 0) == expired.lines);
    if (expired.holds > 0)
        bk_store_count_expired(&st->base, expired.holds);
    bk_store_observe_time(&st->base, now);
    return r;
}

/* ---- the batch write path, (2) to (4) ---- */

/* Registers the resources of every line and the booking_ids of the batch and
 * writes flight 1's arrays: one lock statement takes every line's resource, in
 * id order (11). */
static booking_reason batch_prepare(pg_batch *b, const booking_request *requests, size_t count)
{
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    size_t lines_in_all = 0;
    for (size_t i = 0; i < count; i++)
        lines_in_all += requests[i].lines != NULL ? requests[i].line_count : 1;
    assert(lines_in_all <= BOOKING_BATCH_LINES_MAX); /* the library's limit */
    if (!bk_pg_batch_fit(b, lines_in_all))
        return BOOKING_REASON_INTERNAL;
    for (size_t i = 0; i < count; i++) {
        const booking_request *q = &requests[i];
        booking_line one;
        core_lines lines = bk_core_request_lines(q, &one);
        bool fresh;
        for (size_t k = 0; k < lines.count; k++) {
            const char *rid = lines.at[k].resource_id;
            size_t rlen = strlen(rid);
            if (bk_overlay_get(&b->overlay, rid, rlen, &fresh) == NULL)
                return BOOKING_REASON_INTERNAL;
            if (fresh)
                bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_RESOURCE_IDS], rid, rlen);
        }
        size_t blen = strlen(q->booking_id);
        if (bk_pg_record_get(&b->records, q->booking_id, blen, &fresh) == NULL)
            return BOOKING_REASON_INTERNAL;
        if (fresh)
            bk_pg_text_add_id(&b->arrays[BOOKING_PG_ARR_BOOKING_IDS], q->booking_id, blen);
    }
    assert(overlay_count(&b->overlay) <= lines_in_all && b->records.ids.count <= count);
    return BOOKING_REASON_OK;
}

/* Reads flight 1's locked resources into the overlay, and the latest clock_ms
 * among them (INT64_MIN when none exists). */
static booking_reason batch_load_resources(pg_batch *b, const PGresult *resources,
                                           int64_t *locked_clock_ms)
{
    if (!result_has_rows(resources))
        return BOOKING_REASON_INTERNAL;
    *locked_clock_ms = INT64_MIN;
    for (int i = 0; i < PQntuples(resources); i++) {
        bool fresh;
        int64_t clock_ms;
        overlay_entry *e = bk_overlay_get(&b->overlay, PQgetvalue(resources, i, 0),
                                       (size_t)PQgetlength(resources, i, 0), &fresh);
        if (e == NULL || fresh || !parse_u64(resources, i, 1, &e->state.capacity) ||
            !parse_u64(resources, i, 2, &e->state.booked) ||
            !parse_i64(resources, i, 3, &clock_ms) || !bk_core_resource_consistent(&e->state))
            return BOOKING_REASON_INTERNAL; /* a row not as the schema's CHECKs promise */
        e->exists = true;
        *locked_clock_ms = clock_ms > *locked_clock_ms ? clock_ms : *locked_clock_ms;
    }
    assert((size_t)PQntuples(resources) <= overlay_count(&b->overlay));
    return BOOKING_REASON_OK;
}

/* Reads flight 1's records, each with its lines (one row per line 1..), into
 * the record map. */
static booking_reason batch_load_records(pg_batch *b, const PGresult *records)
{
    if (!result_has_rows(records))
        return BOOKING_REASON_INTERNAL;
    /* A bundle of n lines has n - 1 rows: 2 x rows bounds every record's lines. */
    if (!bk_pg_batch_fit_lines(b, 2 * (size_t)PQntuples(records)))
        return BOOKING_REASON_INTERNAL;
    const int line_col = 1 + BOOKING_PG_RECORD_COLUMN_COUNT;
    for (int i = 0; i < PQntuples(records); i++) {
        pg_record *r = bk_pg_record_find(&b->records, PQgetvalue(records, i, 0),
                                      (size_t)PQgetlength(records, i, 0));
        if (r == NULL || (!r->exists && !parse_record(records, i, 1, r)) ||
            !record_line_load(b, r, records, i, line_col))
            return BOOKING_REASON_INTERNAL;
    }
    for (size_t i = 0; i < b->records.ids.count; i++) {
        if (b->records.records[i].exists && !record_lines_complete(&b->records.records[i]))
            return BOOKING_REASON_INTERNAL;
    }
    return BOOKING_REASON_OK;
}

/* Adds a new record to flight 2's INSERT, and its lines 1.. to the INSERT of lines. */
static void batch_insert_add(pg_batch *b, const booking_request *q, const pg_record *rec)
{
    pg_text *arr = &b->arrays[BOOKING_PG_ARR_INS_IDS];
    size_t blen = strlen(q->booking_id);
    bk_pg_text_add_id(&arr[0], q->booking_id, blen);
    bk_pg_text_add_id(&arr[1], rec->resource_id, strlen(rec->resource_id));
    bk_pg_text_add_u64(&arr[2], rec->units);
    bk_pg_text_add_u64(&arr[3], (uint64_t)rec->outcome);
    bk_pg_text_add_u64(&arr[4], (uint64_t)rec->status);
    bk_pg_text_add_u64(&arr[5], rec->hold_ms);
    bk_pg_text_add_i64(&arr[6], rec->expires_at_ms);
    bk_pg_text_add_u64(&arr[7], rec->line_count);
    bk_pg_text_add_u64(&arr[8], rec->line);
    /* Each line of a new hold is a live hold entry on its own resource (9). */
    bool held = rec->status == BOOKING_STATUS_HELD;
    pg_text *ln = &b->arrays[BOOKING_PG_ARR_LINE_IDS];
    for (uint32_t i = 1; i < rec->line_count; i++) {
        booking_line l = record_line(rec, i);
        bk_pg_text_add_id(&ln[0], q->booking_id, blen);
        bk_pg_text_add_u64(&ln[1], i);
        bk_pg_text_add_id(&ln[2], l.resource_id, strlen(l.resource_id));
        bk_pg_text_add_u64(&ln[3], l.units);
        bk_pg_text_add_bool(&ln[4], held);
        bk_pg_text_add_i64(&ln[5], rec->expires_at_ms);
    }
}

/* The core decides each attempt in order at now_ms, every line on its own
 * resource as the batch has left it; new records go to flight 2's arrays, a
 * reservation adds each line's units to its own resource, and every existing
 * resource a record is written on is marked for its counter and clock_ms to be
 * written (8). */
static void batch_decide(pg_batch *b, const booking_request *requests, size_t count,
                         int64_t now_ms, booking_result *results)
{
    for (size_t i = 0; i < count; i++) {
        const booking_request *q = &requests[i];
        booking_line one;
        core_lines lines = bk_core_request_lines(q, &one);
        overlay_entry *entries[BOOKING_LINES_MAX];
        const core_resource *states[BOOKING_LINES_MAX];
        for (size_t k = 0; k < lines.count; k++) {
            bool fresh;
            entries[k] = bk_overlay_get(&b->overlay, lines.at[k].resource_id,
                                        strlen(lines.at[k].resource_id), &fresh);
            assert(entries[k] != NULL && !fresh); /* batch_prepare added it */
            states[k] = entries[k]->exists ? &entries[k]->state : NULL;
        }
        pg_record *rec = bk_pg_record_find(&b->records, q->booking_id, strlen(q->booking_id));
        assert(rec != NULL); /* batch_prepare added it */
        core_record cr;
        if (rec->exists)
            cr = core_record_of(rec, record_has_lines(rec, lines));
        core_attempt_decision d = bk_core_decide_attempt(
            (core_attempt){.lines = lines, .hold_ms = q->hold_ms, .now_ms = now_ms}, states,
            rec->exists ? &cr : NULL);
        results[i] = d.result;
        if (!d.write_record)
            continue;
        assert(entries[0]->exists); /* line 0 was judged first: a recorded decision's exists */
        *rec = (pg_record){.exists = true, .resource_id = lines.at[0].resource_id,
                           .units = lines.at[0].units, .line_count = (uint32_t)lines.count,
                           .line = d.result.line, .lines = lines.count > 1 ? q->lines : NULL,
                           .outcome = d.result.outcome, .status = d.result.status,
                           .hold_ms = q->hold_ms, .created_at_ms = now_ms,
                           .updated_at_ms = now_ms, .expires_at_ms = d.result.expires_at_ms};
        batch_insert_add(b, q, rec);
        for (size_t k = 0; k < lines.count; k++) {
            if (!entries[k]->exists) {
                assert(!d.reserve); /* past a REJECTED bundle's failing line */
                continue;
            }
            entries[k]->state.booked += d.reserve ? lines.at[k].units : 0;
            entries[k]->dirty = true;
            assert(bk_core_resource_consistent(&entries[k]->state)); /* as it will be written */
        }
    }
    counters_add(b);
}

/* Flight 2: the writes and COMMIT. OK only if the COMMIT succeeded. */
static booking_reason batch_write(pg_store *st, pg_conn *c, pg_batch *b, pg_expiry expired,
                                  int64_t now_ms)
{
    char now[PG_NUMBER_SIZE];
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    const char *ins[BOOKING_PG_INSERT_ARRAYS + 1], *lines[BOOKING_PG_INSERT_LINE_ARRAYS], *upd[3];
    bool ok = true;
    for (int i = 0; i < BOOKING_PG_INSERT_ARRAYS; i++)
        ok &= (ins[i] = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_INS_IDS + i])) != NULL;
    ins[BOOKING_PG_INSERT_ARRAYS] = now;
    for (int i = 0; i < BOOKING_PG_INSERT_LINE_ARRAYS; i++)
        ok &= (lines[i] = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_LINE_IDS + i])) != NULL;
    ok &= (upd[0] = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_IDS])) != NULL;
    ok &= (upd[1] = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_BOOKED])) != NULL;
    upd[2] = now;
    if (!ok)
        return BOOKING_REASON_INTERNAL;
    assert(b->arrays[BOOKING_PG_ARR_INS_IDS].len >= 1); /* at least the opening "{" */
    assert(b->arrays[BOOKING_PG_ARR_UPD_IDS].len >= 1);
    bk_pg_flight_begin(c);
    if (!send_expiry(c, b, expired))
        return BOOKING_REASON_INTERNAL;
    if (b->arrays[BOOKING_PG_ARR_INS_IDS].len > 1)
        bk_pg_send(c, BOOKING_PG_INSERT_RECORDS, BOOKING_PG_INSERT_ARRAYS + 1, ins);
    if (b->arrays[BOOKING_PG_ARR_LINE_IDS].len > 1) /* after their records: the foreign key */
        bk_pg_send(c, BOOKING_PG_INSERT_LINES, BOOKING_PG_INSERT_LINE_ARRAYS, lines);
    if (b->arrays[BOOKING_PG_ARR_UPD_IDS].len > 1)
        bk_pg_send(c, BOOKING_PG_UPDATE_BOOKED, 3, upd);
    return commit_flight(st, c, expired, now_ms);
}

static booking_reason work_batch(pg_store *st, pg_conn *c, const pg_call_args *a,
                                 booking_reason *answer)
{
    assert(c->busy && c->pg != NULL && a->count >= 1);
    pg_batch *b = scratch_of(st, c);
    if (b == NULL)
        return BOOKING_REASON_INTERNAL;
    *answer = BOOKING_REASON_OK; /* the decisions are in a->results */
    booking_reason r = batch_prepare(b, a->requests, a->count);
    const char *rids = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_RESOURCE_IDS]);
    const char *bids = bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_BOOKING_IDS]);
    if (r != BOOKING_REASON_OK || rids == NULL || bids == NULL)
        return BOOKING_REASON_INTERNAL;
    pg_time t;
    time_params(st, &t);
    const char *time_args[3] = {rids, t.clock, t.floor};
    bk_pg_flight_begin(c);
    bk_pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    bk_pg_send(c, BOOKING_PG_LOCK_RESOURCES, 1, &rids);
    bk_pg_send(c, BOOKING_PG_EXPIRED_OF, 3, time_args); /* after the locks: (8) */
    bk_pg_send(c, BOOKING_PG_SELECT_RECORDS, 1, &bids);
    r = bk_pg_flight_run(&st->pool, c);
    int64_t locked_clock_ms = INT64_MIN, now = 0;
    int at = 2; /* EXPIRED_OF's result; SELECT_RECORDS's follows it */
    pg_expiry expired = {0};
    if (r == BOOKING_REASON_OK)
        r = batch_load_resources(b, bk_pg_result(c, 1), &locked_clock_ms);
    if (r == BOOKING_REASON_OK)
        r = expiry_step(st, c, b, &t, rids, bids, locked_clock_ms, &at, &now, &expired);
    if (r == BOOKING_REASON_OK)
        r = batch_load_records(b, bk_pg_result(c, at + 1));
    if (r != BOOKING_REASON_OK)
        return r;
    batch_decide(b, a->requests, a->count, now, a->results);
    return batch_write(st, c, b, expired, now);
}

/* One batch, one transaction (a round of (14), or a whole call without it). */
static void batch_transaction(void *ctx, const booking_request *requests, size_t count,
                              booking_result *results)
{
    pg_call_args a = {.requests = requests, .count = count, .results = results};
    booking_reason r = pg_call(ctx, work_batch, &a);
    if (r != BOOKING_REASON_OK)
        bk_store_fail_all(results, count, r);
}

static void pg_attempt_batch(booking_store *store, const booking_request *requests, size_t count,
                             booking_result *results)
{
    pg_store *st = (pg_store *)store;
    if (st->routed)
        bk_pg_route_batch(&st->route, requests, count, results);
    else
        batch_transaction(st, requests, count, results);
}

/* ---- capacity: the same two flights, for one resource ---- */

/* Flight 2 of a capacity change: the expiry step, the resource row, COMMIT. */
static booking_reason capacity_write(pg_store *st, pg_conn *c, pg_batch *b, const pg_call_args *a,
                                     const core_capacity_decision *d, const overlay_entry *e,
                                     pg_expiry expired, int64_t now)
{
    assert(!(d->create && d->update) && (!d->update || e->exists) && (!e->dirty || e->exists));
    const core_resource *state = &e->state;
    char cap[PG_NUMBER_SIZE], booked[PG_NUMBER_SIZE], now_text[PG_NUMBER_SIZE];
    snprintf(cap, sizeof cap, "%llu",
             (unsigned long long)(d->update || d->create ? a->capacity : state->capacity));
    snprintf(booked, sizeof booked, "%llu", (unsigned long long)state->booked);
    snprintf(now_text, sizeof now_text, "%lld", (long long)now);
    const char *insert[3] = {a->id, cap, now_text}, *update[4] = {a->id, cap, booked, now_text};
    bk_pg_flight_begin(c);
    if (!send_expiry(c, b, expired))
        return BOOKING_REASON_INTERNAL;
    if (d->create)
        bk_pg_send(c, BOOKING_PG_INSERT_RESOURCE, 3, insert);
    else if (d->update || e->dirty)
        bk_pg_send(c, BOOKING_PG_UPDATE_RESOURCE, 4, update);
    return commit_flight(st, c, expired, now);
}

static booking_reason work_set_capacity(pg_store *st, pg_conn *c, const pg_call_args *a,
                                        booking_reason *answer)
{
    assert(a->id != NULL && a->capacity <= BOOKING_CAPACITY_MAX);
    pg_batch *b = scratch_of(st, c);
    bool fresh;
    overlay_entry *e = b != NULL ? bk_overlay_get(&b->overlay, a->id, strlen(a->id), &fresh) : NULL;
    if (e == NULL)
        return BOOKING_REASON_INTERNAL;
    char rids[PG_ONE_ID_ARRAY_SIZE];
    snprintf(rids, sizeof rids, "{\"%s\"}", a->id);
    pg_time t;
    time_params(st, &t);
    const char *time_args[3] = {rids, t.clock, t.floor};
    bk_pg_flight_begin(c);
    bk_pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    bk_pg_send(c, BOOKING_PG_LOCK_RESOURCE, 1, &a->id);
    bk_pg_send(c, BOOKING_PG_EXPIRED_OF, 3, time_args);
    booking_reason r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    const PGresult *res = bk_pg_result(c, 1);
    if (!result_has_rows(res))
        return BOOKING_REASON_INTERNAL;
    e->exists = PQntuples(res) == 1;
    int64_t locked_clock_ms = INT64_MIN, now;
    if (e->exists &&
        (!parse_resource(res, 0, 0, &e->state) || !parse_i64(res, 0, 2, &locked_clock_ms)))
        return BOOKING_REASON_INTERNAL;
    int at = 2; /* EXPIRED_OF's result */
    pg_expiry expired;
    r = expiry_step(st, c, b, &t, rids, NULL, locked_clock_ms, &at, &now, &expired);
    if (r != BOOKING_REASON_OK)
        return r;
    core_resource *state = &e->state; /* as of now: expired holds released */
    core_capacity_decision d = bk_core_decide_set_capacity(a->capacity, e->exists ? state : NULL);
    assert(!(d.create && d.update) && (!d.update || e->exists));
    r = capacity_write(st, c, b, a, &d, e, expired, now);
    if (r != BOOKING_REASON_OK)
        return r;
    if (d.create || d.update)
        state->capacity = a->capacity;
    if (e->exists || d.create)
        public_resource_of(a->id, state, now, a->resource); /* asserts the counter written */
    *answer = d.reason;
    return BOOKING_REASON_OK;
}

static booking_reason pg_set_capacity(booking_store *store, const char *resource_id,
                                      uint64_t capacity, booking_resource *out)
{
    pg_call_args a = {.id = resource_id, .capacity = capacity, .resource = out};
    return pg_call((pg_store *)store, work_set_capacity, &a);
}

/* ---- cancel, confirm: the same two flights, for one record ---- */

/* What flight 1 of a change found: the record with its lines, when the
 * resources this transaction locked are its lines' (every line's resource that
 * exists, locked in id order by one statement, (11)). A record committed after
 * the lock statement's snapshot has resources we do not hold (the lock found
 * none): the call is ordered before that record's decision, so it does not
 * exist for the call (unknown_booking). */
static booking_reason change_load(pg_batch *b, pg_conn *c, const pg_time *t, pg_record *rec,
                                  char rid[BOOKING_ID_LEN_MAX + 1], int64_t *now,
                                  pg_expiry *expired)
{
    const PGresult *lock = bk_pg_result(c, 1), *times = bk_pg_result(c, 2), *rows = bk_pg_result(c, 3);
    if (!result_has_rows(lock) || !result_has_rows(rows) || PQntuples(rows) > BOOKING_LINES_MAX ||
        !bk_pg_batch_fit_lines(b, BOOKING_LINES_MAX))
        return BOOKING_REASON_INTERNAL;
    for (int i = 0; i < PQntuples(rows); i++) {
        if ((i == 0 && !parse_record(rows, 0, 0, rec)) ||
            !record_line_load(b, rec, rows, i, BOOKING_PG_RECORD_COLUMN_COUNT))
            return BOOKING_REASON_INTERNAL;
    }
    if (rec->exists && !record_lines_complete(rec))
        return BOOKING_REASON_INTERNAL;
    bool line0_locked = false;
    for (int i = 0; i < PQntuples(lock); i++) {
        bool fresh;
        overlay_entry *e = bk_overlay_get(&b->overlay, PQgetvalue(lock, i, 0),
                                       (size_t)PQgetlength(lock, i, 0), &fresh);
        if (e == NULL || !fresh || !parse_resource(lock, i, 1, &e->state))
            return BOOKING_REASON_INTERNAL;
        e->exists = true;
        line0_locked |= rec->exists && strcmp(e->id, rec->resource_id) == 0;
    }
    *expired = (pg_expiry){0};
    if (!line0_locked) {
        rec->exists = false;
        bk_overlay_reset(&b->overlay); /* nothing of it is the record's */
        return time_load(times, 0, t, now) ? BOOKING_REASON_OK : BOOKING_REASON_INTERNAL;
    }
    bk_store_copy_id(rid, rec->resource_id, strlen(rec->resource_id));
    rec->resource_id = rid; /* outlives this flight's results */
    return expiry_load(b, times, t, now, expired);
}

/* A change that writes the record's status writes on every line's resource:
 * its clock_ms (8), and with release, its counter less the line's units. */
static booking_reason change_apply(pg_batch *b, const pg_record *rec, bool release)
{
    for (uint32_t i = 0; i < rec->line_count; i++) {
        booking_line l = record_line(rec, i);
        size_t k = bk_id_table_find(&b->overlay.ids, l.resource_id, strlen(l.resource_id));
        if (k == ID_TABLE_NONE)
            return BOOKING_REASON_INTERNAL; /* a BOOKED record's resources exist, locked */
        overlay_entry *e = overlay_at(&b->overlay, k);
        if (release && e->state.booked < l.units)
            return BOOKING_REASON_INTERNAL; /* an active or held line's units are in booked */
        e->state.booked -= release ? l.units : 0;
        e->dirty = true;
    }
    return BOOKING_REASON_OK;
}

/* Flight 2 of a change: the expiry step, the record's status (and its lines'
 * hold entries), its resources' counters and clock_ms, COMMIT. */
static booking_reason change_write(pg_store *st, pg_conn *c, pg_batch *b, const char *booking_id,
                                   const core_change_decision *d, const pg_record *rec,
                                   pg_expiry expired, int64_t now)
{
    counters_add(b);
    char now_text[PG_NUMBER_SIZE], status[PG_NUMBER_SIZE];
    snprintf(now_text, sizeof now_text, "%lld", (long long)now);
    snprintf(status, sizeof status, "%d", (int)d->status);
    const char *set[3] = {booking_id, status, now_text};
    const char *upd[3] = {bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_IDS]),
                          bk_pg_text_finish(&b->arrays[BOOKING_PG_ARR_UPD_BOOKED]), now_text};
    if (upd[0] == NULL || upd[1] == NULL)
        return BOOKING_REASON_INTERNAL;
    bk_pg_flight_begin(c);
    if (!send_expiry(c, b, expired))
        return BOOKING_REASON_INTERNAL;
    if (d->write_status)
        bk_pg_send(c, BOOKING_PG_SET_STATUS, 3, set);
    if (d->unindex_hold && rec->line_count > 1) /* line 0's entry went with its status */
        bk_pg_send(c, BOOKING_PG_UNHOLD_LINES, 1, &booking_id);
    if (b->arrays[BOOKING_PG_ARR_UPD_IDS].len > 1)
        bk_pg_send(c, BOOKING_PG_UPDATE_BOOKED, 3, upd);
    return commit_flight(st, c, expired, now);
}

/* A cancel or a confirm (Redis's setGenericCommand shape: one body, two callers). */
static booking_reason work_change(pg_store *st, pg_conn *c, const pg_call_args *a,
                                  booking_reason *answer)
{
    assert(a->id != NULL && a->change != NULL);
    pg_batch *b = scratch_of(st, c);
    if (b == NULL)
        return BOOKING_REASON_INTERNAL;
    pg_time t;
    time_params(st, &t);
    const char *time_args[3] = {a->id, t.clock, t.floor};
    bk_pg_flight_begin(c);
    bk_pg_send(c, BOOKING_PG_BEGIN, 0, NULL);
    bk_pg_send(c, BOOKING_PG_LOCK_RESOURCES_OF, 1, &a->id);
    bk_pg_send(c, BOOKING_PG_EXPIRED_OF_RECORD, 3, time_args); /* after the locks: (8) */
    bk_pg_send(c, BOOKING_PG_SELECT_RECORD, 1, &a->id);
    booking_reason r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    pg_record rec = {.exists = false};
    char rid[BOOKING_ID_LEN_MAX + 1];
    int64_t now;
    pg_expiry expired;
    r = change_load(b, c, &t, &rec, rid, &now, &expired);
    if (r != BOOKING_REASON_OK)
        return r;
    core_record cr = {0};
    if (rec.exists)
        cr = core_record_of(&rec, true);
    core_change_decision d = a->change(rec.exists ? &cr : NULL, now);
    assert(!d.release_lines || (rec.exists && d.write_status));
    /* An expired hold was released by this call's expiry step, or before it:
     * line 0's entry here, every other line's by the same step (every line's
     * resource is locked) or by its own resource's before. */
    assert(!d.release_expired || rec.status == BOOKING_STATUS_EXPIRED ||
           (rec.status == BOOKING_STATUS_HELD && expired.holds >= 1));
    if (d.write_status) {
        r = change_apply(b, &rec, d.release_lines);
        if (r != BOOKING_REASON_OK)
            return r;
        rec.status = d.status;
        rec.updated_at_ms = now;
    }
    r = change_write(st, c, b, a->id, &d, &rec, expired, now);
    if (r != BOOKING_REASON_OK)
        return r;
    if (rec.exists)
        public_record_of(a->id, &rec, now, a->record);
    *answer = d.reason;
    return BOOKING_REASON_OK;
}

/* Each change its own transaction on a pooled session: PostgreSQL groups the
 * syncs of concurrent sessions itself, and one transaction for many changes would
 * lock their resources in an order nobody chose (a deadlock between instances). */
static void pg_change_batch(booking_store *store, const booking_change *changes, size_t count,
                            booking_reason *reasons, booking_record *records)
{
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    for (size_t i = 0; i < count; i++) {
        pg_call_args a = {.id = changes[i].booking_id, .record = records ? &records[i] : NULL,
                          .change = bk_core_change_rule(changes[i].kind)};
        reasons[i] = pg_call((pg_store *)store, work_change, &a);
    }
}

/* ---- reads: one statement, one round trip, no transaction of ours, no writes ---- */

/* Runs one read; on OK, *res is its result (owned by the connection). */
static booking_reason read_one(pg_store *st, pg_conn *c, pg_stmt stmt, int nparams,
                               const char *const *params, const PGresult **res)
{
    bk_pg_flight_begin(c);
    bk_pg_send(c, stmt, nparams, params);
    booking_reason r = bk_pg_flight_run(&st->pool, c);
    if (r != BOOKING_REASON_OK)
        return r;
    *res = bk_pg_result(c, 0);
    return result_has_rows(*res) ? BOOKING_REASON_OK : BOOKING_REASON_INTERNAL;
}

static booking_reason work_get_resource(pg_store *st, pg_conn *c, const pg_call_args *a,
                                        booking_reason *answer)
{
    pg_time t;
    time_params(st, &t);
    const char *params[3] = {a->id, t.clock, t.floor};
    const PGresult *res;
    booking_reason r = read_one(st, c, BOOKING_PG_SELECT_RESOURCE, 3, params, &res);
    if (r != BOOKING_REASON_OK)
        return r;
    assert(PQntuples(res) <= 1 && a->resource != NULL); /* by primary key; out required */
    if (PQntuples(res) == 0) {
        *answer = BOOKING_REASON_UNKNOWN_RESOURCE;
        return BOOKING_REASON_OK;
    }
    core_resource state;
    int64_t now;
    uint64_t expired_units, expired_line_units;
    if (!parse_resource(res, 0, 0, &state) || !time_load(res, 2, &t, &now) ||
        !parse_u64(res, 0, 3, &expired_units) || !parse_u64(res, 0, 4, &expired_line_units) ||
        expired_units > state.booked || expired_line_units > state.booked - expired_units)
        return BOOKING_REASON_INTERNAL;
    /* As of now: due hold entries no longer count, a single hold's or any line
     * of a bundle's on this resource, (9). */
    state.booked -= expired_units + expired_line_units;
    bk_store_observe_time(&st->base, now);
    public_resource_of(a->id, &state, now, a->resource); /* asserts the counter as of now */
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

/* The record read with its lines: line 0 and the rows' lines 1.., the first
 * lines_cap of them copied out in order. */
static void public_lines_of(const pg_record *rec, booking_record_line *lines, size_t lines_cap)
{
    assert(lines != NULL || lines_cap == 0);
    for (size_t i = 0; i < lines_cap && i < rec->line_count; i++) {
        booking_line l = record_line(rec, i);
        bk_store_copy_id(lines[i].resource_id, l.resource_id, strlen(l.resource_id));
        lines[i].units = l.units;
    }
}

static booking_reason work_get_booking(pg_store *st, pg_conn *c, const pg_call_args *a,
                                       booking_reason *answer)
{
    pg_batch *b = scratch_of(st, c);
    if (b == NULL || !bk_pg_batch_fit_lines(b, BOOKING_LINES_MAX))
        return BOOKING_REASON_INTERNAL;
    pg_time t;
    time_params(st, &t);
    const char *params[3] = {a->id, t.clock, t.floor};
    const PGresult *res;
    booking_reason r = read_one(st, c, BOOKING_PG_SELECT_RECORD_AT, 3, params, &res);
    if (r != BOOKING_REASON_OK)
        return r;
    if (PQntuples(res) == 0) {
        *answer = BOOKING_REASON_UNKNOWN_BOOKING;
        return BOOKING_REASON_OK;
    }
    pg_record rec;
    int64_t now;
    const int line_col = BOOKING_PG_RECORD_COLUMN_COUNT + 1;
    if (PQntuples(res) > BOOKING_LINES_MAX || !parse_record(res, 0, 0, &rec) ||
        !time_load(res, BOOKING_PG_RECORD_COLUMN_COUNT, &t, &now))
        return BOOKING_REASON_INTERNAL;
    for (int i = 0; i < PQntuples(res); i++) {
        if (!record_line_load(b, &rec, res, i, line_col))
            return BOOKING_REASON_INTERNAL;
    }
    if (!record_lines_complete(&rec))
        return BOOKING_REASON_INTERNAL;
    assert(now >= rec.updated_at_ms); /* greatest() of the statement */
    bk_store_observe_time(&st->base, now);
    public_record_of(a->id, &rec, now, a->record);
    public_lines_of(&rec, a->lines, a->lines_cap);
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

static booking_reason work_ping(pg_store *st, pg_conn *c, const pg_call_args *a,
                                booking_reason *answer)
{
    (void)a;
    const PGresult *res;
    *answer = BOOKING_REASON_OK;
    return read_one(st, c, BOOKING_PG_PING, 0, NULL, &res);
}

/* Only takes a connection and gives it back: the check that a session can be set up. */
static booking_reason work_none(pg_store *st, pg_conn *c, const pg_call_args *a,
                                booking_reason *answer)
{
    (void)st;
    (void)c;
    (void)a;
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

static booking_reason pg_get_resource(booking_store *store, const char *resource_id,
                                      booking_resource *out)
{
    pg_call_args a = {.id = resource_id, .resource = out};
    return pg_call((pg_store *)store, work_get_resource, &a);
}

static booking_reason pg_get_booking(booking_store *store, const char *booking_id,
                                     booking_record *out, booking_record_line *lines,
                                     size_t lines_cap)
{
    pg_call_args a = {.id = booking_id, .record = out, .lines = lines, .lines_cap = lines_cap};
    return pg_call((pg_store *)store, work_get_booking, &a);
}

static booking_reason pg_ping(booking_store *store)
{
    pg_call_args a = {0};
    return pg_call((pg_store *)store, work_ping, &a);
}

static void pg_close(booking_store *store)
{
    pg_store *st = (pg_store *)store;
    if (st->routed)
        bk_pg_route_stop(&st->route);
    bk_pg_pool_close(&st->pool);
    for (size_t i = 0; i < BOOKING_PG_POOL_SIZE_MAX; i++)
        bk_pg_batch_free(st->scratch[i]);
    free(st);
}

/* ---- listing, (12): one statement per page ---- */

#define PG_LIST_CODES_SIZE 64 /* "{9,10,...}": at most 10 codes of 2 digits */

/* The codes (BOOKING_PG_LIST_CODE) of every (outcome, status) the filter keeps,
 * as an integer[] literal: the rule is bk_core_list_filter_keeps's alone. */
static void list_codes(booking_list_filter filter, char out[PG_LIST_CODES_SIZE])
{
    static const booking_outcome outcomes[] = {BOOKING_BOOKED, BOOKING_REJECTED};
    size_t n = (size_t)snprintf(out, PG_LIST_CODES_SIZE, "{");
    for (size_t o = 0; o < sizeof outcomes / sizeof outcomes[0]; o++) {
        for (int s = BOOKING_STATUS_NONE; s <= BOOKING_STATUS_EXPIRED; s++) {
            if (!bk_core_list_filter_keeps(filter, outcomes[o], (booking_status)s))
                continue;
            n += (size_t)snprintf(out + n, PG_LIST_CODES_SIZE - n, "%s%d", n > 1 ? "," : "",
                                  BOOKING_PG_LIST_CODE(outcomes[o], s));
            assert(n < PG_LIST_CODES_SIZE);
        }
    }
    snprintf(out + n, PG_LIST_CODES_SIZE - n, "}");
}

static booking_reason work_list_resources(pg_store *st, pg_conn *c, const pg_call_args *a,
                                          booking_reason *answer)
{
    assert(a->after != NULL && a->limit >= 1 && a->limit <= BOOKING_LIST_LIMIT_MAX);
    *a->page = (store_page){0};
    pg_time t;
    time_params(st, &t);
    char limit[PG_NUMBER_SIZE];
    snprintf(limit, sizeof limit, "%zu", a->limit + 1);
    const char *params[4] = {a->after, t.clock, t.floor, limit};
    const PGresult *res;
    booking_reason r = read_one(st, c, BOOKING_PG_LIST_RESOURCES, 4, params, &res);
    if (r != BOOKING_REASON_OK)
        return r;
    int64_t now;
    if (!time_load(res, 0, &t, &now) || (size_t)PQntuples(res) > a->limit + 1)
        return BOOKING_REASON_INTERNAL;
    size_t rows = PQgetisnull(res, 0, 1) ? 0 : (size_t)PQntuples(res);
    size_t count = rows > a->limit ? a->limit : rows; /* the limit + 1st: one follows */
    for (size_t i = 0; i < count; i++) {
        core_resource state;
        uint64_t expired_units, expired_line_units;
        if (!parse_resource(res, (int)i, 2, &state) || !parse_u64(res, (int)i, 4, &expired_units) ||
            !parse_u64(res, (int)i, 5, &expired_line_units) || expired_units > state.booked ||
            expired_line_units > state.booked - expired_units ||
            PQgetlength(res, (int)i, 1) > BOOKING_ID_LEN_MAX)
            return BOOKING_REASON_INTERNAL;
        state.booked -= expired_units + expired_line_units; /* as of now, (9) */
        public_resource_of(PQgetvalue(res, (int)i, 1), &state, now, &a->resources_out[i]);
    }
    bk_store_observe_time(&st->base, now);
    a->page->count = a->page->examined = count;
    if (rows > a->limit)
        memcpy(a->page->next, a->resources_out[count - 1].resource_id, sizeof a->page->next);
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

/* The statement's columns (postgres_conn.h): known, now, n, prev, then the record. */
enum { LIST_COL_N = 2, LIST_COL_PREV = 3, LIST_COL_ID = 4, LIST_COL_RECORD = 5 };

/* The page of list_bookings' rows, (12): the kept ones among the first
 * BOOKING_LIST_SCAN_MAX keys, and last the one past them (the budget ran out
 * with keys left) if any. */
static booking_reason list_page_load(const PGresult *res, const pg_call_args *a, int64_t now)
{
    store_page *page = a->page;
    size_t rows = PQgetisnull(res, 0, LIST_COL_ID) ? 0 : (size_t)PQntuples(res);
    uint64_t previous_n = 0;
    for (size_t i = 0; i < rows; i++) {
        uint64_t n;
        if (!parse_u64(res, (int)i, LIST_COL_N, &n) || n <= previous_n ||
            n > BOOKING_LIST_SCAN_MAX + 1 || PQgetlength(res, (int)i, LIST_COL_ID) > BOOKING_ID_LEN_MAX)
            return BOOKING_REASON_INTERNAL;
        previous_n = n;
        if (n == BOOKING_LIST_SCAN_MAX + 1) { /* past the budget: resume after its prev */
            const char *prev = PQgetvalue(res, (int)i, LIST_COL_PREV);
            size_t len = (size_t)PQgetlength(res, (int)i, LIST_COL_PREV);
            if (i + 1 != rows || PQgetisnull(res, (int)i, LIST_COL_PREV) || len < 1 ||
                len > BOOKING_ID_LEN_MAX)
                return BOOKING_REASON_INTERNAL;
            page->examined = BOOKING_LIST_SCAN_MAX;
            bk_store_copy_id(page->next, prev, len);
            return BOOKING_REASON_OK;
        }
        page->examined = (size_t)n;
        if (page->count == a->limit) { /* a kept record follows the page */
            memcpy(page->next, a->records_out[page->count - 1].booking_id, sizeof page->next);
            return BOOKING_REASON_OK; /* (the key past the budget may follow: not needed) */
        }
        pg_record rec;
        if (!parse_record(res, (int)i, LIST_COL_RECORD, &rec))
            return BOOKING_REASON_INTERNAL;
        /* The statement's filter is the core's rule (12): checked on every row. */
        core_record cr = core_record_of(&rec, true);
        if (!bk_core_list_filter_keeps(a->filter, rec.outcome, bk_core_status_at(&cr, now)))
            return BOOKING_REASON_INTERNAL;
        public_record_of(PQgetvalue(res, (int)i, LIST_COL_ID), &rec, now,
                         &a->records_out[page->count++]);
    }
    return BOOKING_REASON_OK;
}

static booking_reason work_list_bookings(pg_store *st, pg_conn *c, const pg_call_args *a,
                                         booking_reason *answer)
{
    assert(a->id != NULL && a->after != NULL && a->limit >= 1 &&
           a->limit <= BOOKING_LIST_LIMIT_MAX);
    *a->page = (store_page){0};
    pg_time t;
    time_params(st, &t);
    char limit[PG_NUMBER_SIZE], codes[PG_LIST_CODES_SIZE], budget[PG_NUMBER_SIZE];
    snprintf(limit, sizeof limit, "%zu", a->limit + 1);
    snprintf(budget, sizeof budget, "%d", BOOKING_LIST_SCAN_MAX);
    list_codes(a->filter, codes);
    const char *params[7] = {a->id, t.clock, t.floor, a->after, limit, codes, budget};
    const PGresult *res;
    booking_reason r = read_one(st, c, BOOKING_PG_LIST_BOOKINGS, 7, params, &res);
    if (r != BOOKING_REASON_OK)
        return r;
    int64_t now;
    if (PQntuples(res) < 1 || PQgetisnull(res, 0, 0) || !time_load(res, 1, &t, &now) ||
        (size_t)PQntuples(res) > a->limit + 2)
        return BOOKING_REASON_INTERNAL;
    if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
        assert(PQntuples(res) == 1 && PQgetisnull(res, 0, LIST_COL_ID)); /* no resource, no lines */
        *answer = BOOKING_REASON_UNKNOWN_RESOURCE;
        return BOOKING_REASON_OK;
    }
    r = list_page_load(res, a, now);
    if (r != BOOKING_REASON_OK) {
        *a->page = (store_page){0};
        return r;
    }
    bk_store_observe_time(&st->base, now);
    *answer = BOOKING_REASON_OK;
    return BOOKING_REASON_OK;
}

static booking_reason pg_list_resources(booking_store *store, const char *after, size_t limit,
                                        booking_resource *out, store_page *page)
{
    assert(out != NULL && page != NULL);
    pg_call_args a = {.after = after != NULL ? after : "", .limit = limit, .resources_out = out,
                      .page = page};
    return pg_call((pg_store *)store, work_list_resources, &a);
}

static booking_reason pg_list_bookings(booking_store *store, const char *resource_id,
                                       booking_list_filter filter, const char *after,
                                       size_t limit, booking_record *out, store_page *page)
{
    assert(resource_id != NULL && out != NULL && page != NULL);
    pg_call_args a = {.id = resource_id, .after = after != NULL ? after : "", .limit = limit,
                      .filter = filter, .records_out = out, .page = page};
    return pg_call((pg_store *)store, work_list_bookings, &a);
}

static const store_ops pg_ops = {
    .name = "postgres",
    .close = pg_close,
    .attempt_batch = pg_attempt_batch,
    .set_capacity = pg_set_capacity,
    .change_batch = pg_change_batch,
    .get_resource = pg_get_resource,
    .get_booking = pg_get_booking,
    .ping = pg_ping,
    .list_resources = pg_list_resources,
    .list_bookings = pg_list_bookings,
};

booking_error bk_postgres_store_open(const char *url, const char *location, booking_store **out,
                                  char *errbuf, size_t errbuf_len)
{
    (void)location; /* libpq parses the whole URI, scheme included */
    assert(url != NULL && out != NULL);
    pg_options opts;
    booking_error e = bk_pg_options_parse(url, &opts, errbuf, errbuf_len);
    if (e != BOOKING_OK)
        return e;
    /* The schema first, on a connection of its own, so the pool's connections
     * can prepare statements against existing tables. */
    PGconn *admin = bk_pg_open_admin(&opts, errbuf, errbuf_len);
    if (admin == NULL)
        return BOOKING_EOPEN;
    e = bk_pg_schema_migrate(admin, opts.statement_timeout_ms, errbuf, errbuf_len);
    PQfinish(admin);
    if (e != BOOKING_OK)
        return e;
    pg_store *st = calloc(1, sizeof *st);
    if (st == NULL)
        return BOOKING_ENOMEM;
    st->base.ops = &pg_ops;
    e = bk_pg_pool_init(&st->pool, &opts);
    if (e != BOOKING_OK) {
        pg_close(&st->base);
        return e;
    }
    /* One connection now, so a server that takes the migration but refuses our
     * sessions (prepared statements, settings) fails at open, not at first use. */
    pg_call_args none = {0};
    booking_reason r = pg_call(st, work_none, &none);
    if (r != BOOKING_REASON_OK) {
        bk_store_error(errbuf, errbuf_len, "postgres: could not set up a session (%s)",
                    booking_reason_name(r));
        pg_close(&st->base);
        return BOOKING_EOPEN;
    }
    size_t partitions = bk_pg_route_partitions((size_t)opts.partitions, (size_t)opts.pool_size);
    if (partitions > 0) {
        if (!bk_pg_route_start(&st->route, partitions, batch_transaction, st)) {
            pg_close(&st->base);
            return BOOKING_ENOMEM;
        }
        st->routed = true;
    }
    *out = &st->base;
    return BOOKING_OK;
}
