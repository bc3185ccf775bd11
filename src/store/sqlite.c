/* SPDX-License-Identifier: MIT */
/*
 * sqlite.c: the embedded, durable store ("sqlite:PATH[?busy_timeout_ms=N&vfs=NAME]").
 *
 * NOTES ON THE DESIGN
 *  (1) Durability: WAL with synchronous=FULL, so a COMMIT that returned SQLITE_OK
 *      is on disk. A decision is returned only after its COMMIT returned.
 *  (2) Every write (a batch, a cancel, a confirm, a capacity change) is one BEGIN
 *      IMMEDIATE transaction: the write lock is taken before anything is read, so
 *      what the core decides on is the latest committed state, in this process or
 *      another.
 *  (3) Within a process, writers queue on a mutex with a bounded wait; across
 *      processes, on SQLite's lock with busy_timeout. Either expiry is FAILED busy.
 *      Neither is a retry of ours: the one attempt waits, then decides or fails.
 *  (4) Reads use a second connection, so a reader never waits for a writer's fsync.
 *  (5) The batch write path: each resource is read once into an overlay, each
 *      attempt is decided against the overlay; the booking_id index (11) says
 *      whether the id was decided before (this transaction's new records
 *      included): if so its record is read by seq and the core decides the
 *      replay instead (the speculative counter change is never made), else the
 *      record is appended at the next seq: buffered (tx_rows) and inserted
 *      SQLITE_INSERT_ROWS (64) rows by one statement, the rest by one
 *      statement per set bit of their count (32, 16, ..., 1 rows; one by one, a
 *      batch of 32 cost ~13,150 instructions per attempt in the store, now
 *      ~10,060: callgrind, tmpfs, UUIDv4, 200k attempts; batch 64 ~9,150),
 *      before any statement that could read them (a resource's first read, a
 *      replay's read of a record by seq, a bundle's lines, the counters'
 *      writes). One statement per row cost ~8,150 instructions per attempt,
 *      ~1,430 of them the statement's halt and ~1,470 the seek of the explicit
 *      seq: a row now takes SQLite's next rowid, max(seq) + 1, appended without
 *      a seek, which is the seq the index assigned because seqs run without a
 *      gap (11); last_insert_rowid checks it, else the batch fails internal
 *      and nothing commits. A row binds an integer only when it differs from
 *      the one bound there before (bindings stay across a reset).
 *      Changed counters are written once each, at the end, before COMMIT. Holds
 *      keep this shape: a hold is an insert like any other (status held, its
 *      expires_at_ms), and the expiry of (7) runs once per resource, when the
 *      batch first reads it, into the same overlay.
 *  (6) Any error: ROLLBACK, every attempt of the call FAILED with the mapped
 *      reason. Nothing of a failed call is visible; after a failed COMMIT the
 *      decision may still surface after a crash (WAL frames were written): that is
 *      the ambiguous commit of SPEC section 1, and a replay reveals it.
 *  (7) Holds and their expiry (SPEC section 7). A hold is a record with status
 *      held (3) and expires_at_ms; the partial index bookings_live_holds holds
 *      exactly the held records, by (resource_id, expires_at_ms). Every write
 *      transaction that touches a resource (a batch's first touch of it, a
 *      cancel or confirm of an active or held record, a capacity change) first
 *      runs the expiry step for it at the transaction's time: each of its held
 *      records with expires_at_ms <= now becomes expired, with updated_at_ms =
 *      expires_at_ms, leaves the index, and its units leave booked, all in that
 *      transaction. Exactly once: only this step turns held into expired, and a
 *      record leaves held once (a confirm or cancel changes only active or held
 *      records, under the same write lock). Cost: the resource's read counts its
 *      due entries in the index (one probe, in the same statement); only when
 *      some are due does the step run its UPDATE (an UPDATE ... RETURNING costs
 *      an ephemeral table even when it matches nothing), one row update per hold
 *      that expires, which happens once per hold: O(expired), never a scan. The expiries are counted
 *      (bk_store_count_expired) only once their COMMIT returned.
 *  (8) The store's time. Read under the write lock: after BEGIN IMMEDIATE the
 *      transaction reads store_time.latest_ms, observes it (bk_store_observe_time)
 *      and takes now = bk_store_now() (bk_core_store_time of the clock against it);
 *      every decision of the transaction uses that one now. A transaction that
 *      changed anything writes now into store_time before COMMIT, so no later
 *      transaction, in this process, another, or after a restart, uses an earlier
 *      time: write times follow commit order, and an expiry applied at t is never
 *      contradicted by a decision at an earlier time. A transaction that changed
 *      nothing writes no time (a replay stays free of a sync): its answers stay
 *      true at any time not before the latest recorded one.
 *  (9) Reads (4) write nothing. A read's time is max(the handle's bk_store_now(), the
 *      file's store_time), taken in the same statement as the rows, so in one
 *      snapshot: nothing a read shows was written at a later time than the read's.
 *      GetResource answers booked minus the units of its held records due at that
 *      time (expired, not yet applied by a write; the index sums them) with
 *      as_of_ms = that time; GetBooking answers bk_core_status_at(that time). The
 *      handle observes the time; the file does not record it (no write lock), so
 *      across processes a read and a later write are ordered by the host's clock.
 *      Closing the store records the handle's latest time (remember_time), so a
 *      clean restart never goes back behind what its reads showed; after a crash
 *      the times of reads since the last write are lost, and if the host's clock
 *      also stepped back, a hold that such a read showed expired can read held
 *      again until the clock passes that time (no decision is ever affected: every
 *      decided or applied time was committed).
 * (10) Bundles (SPEC section 8; schema version 3, sqlite_schema.c). A record keeps
 *      line 0 in its own row and lines 1.. in booking_lines (keyed by the record's
 *      seq and line since version 4), inserted right after
 *      it in the batch's transaction, so a single attempt writes what it wrote
 *      before. An attempt touches every line's resource through the overlay (5),
 *      the core decides all lines at once, and a reserve adds each line's units to
 *      its own entry; a replay compares every stored line (bk_core_line_equal,
 *      each row while it is current). A held bundle is one live hold entry per
 *      line on its own resource: line 0 in bookings_live_holds (status held),
 *      lines 1.. in booking_lines_live_holds (live = 1). The expiry step of a
 *      resource (7) releases its own due entries of both indexes only, so every
 *      line is released once, by its own resource; the record's status becomes
 *      expired (and the hold is counted) when line 0's is. A cancel or confirm
 *      loads the record's lines and touches each line's resource as of now, the
 *      same path as a single record's (a record already marked expired: the
 *      resources of its lines still live, so release_expired finishes the
 *      expiry); cancel releases every line, and both drop every live entry.
 *      Reads subtract the due units of both indexes; get_booking reads lines 1..
 *      only for a bundle asked with room for them, in the record's snapshot.
 *      Locks: the one write transaction (2) serializes every bundle whatever its
 *      resources, so there is no lock order to keep.
 * (11) Records appended in arrival order (schema version 4). A B-tree keyed by a
 *      random booking_id (UUIDv4, what most clients send) dirties about one page
 *      per insert: a commit of 8192 wrote ~8k pages (~32 MB) of WAL, and the rate
 *      fell from 80k/s at 1M to 17-22k/s at 10M. So bookings is a rowid table
 *      keyed by seq (1, 2, 3, ... in decision order: every insert goes to the
 *      right edge, a batch dirties a few pages per MB of records), and id has no
 *      index in the file. The id -> seq index lives in memory, per store handle
 *      (sqlite_index.h): 8-byte slots (32-bit fingerprint of the id's hash, 32-bit
 *      seq), open addressing at most 3/4 full, grown by moving 4 old slots per add
 *      into a table twice the size, so no add moves the whole table.
 *       - Built on first need, not on open (ensure_index): the first call that
 *         decides or changes by booking_id loads the file's snapshot of it
 *         (below) and reads every (seq, id) after it, or all of them, on the writer
 *         connection in one read snapshot, outside SQLite's write lock (other
 *         processes go on writing) and inside the handle's writer lock (this
 *         handle's other writers need it too, and wait instead of building it
 *         each); a get_booking builds it by its first miss's catch-up. Reads of
 *         resources, listings, capacity changes and the close never build it, so
 *         `booking resource get` on a 10M file no longer reads 10M ids. Then
 *         caught up: after BEGIN IMMEDIATE, under the write lock, every writer
 *         that decides by id first adds the records with seq > the index's
 *         latest (another process's, or a commit of ours that failed yet
 *         surfaced), so booking_id stays unique across processes: every writer
 *         catches up before deciding. The reader catches up on a miss, inside
 *         its snapshot. All under the index's mutex. After an allocation failure
 *         the index is emptied and built again, outside the write lock, by the
 *         next writer; or by a reader's miss, under the index's mutex, which no
 *         writer then waits for inside the write lock: a writer that finds the
 *         index forgotten once it holds the write lock (it passed ensure_index
 *         before another writer's failure) rolls back, builds it outside, and
 *         begins again (write_begin, at most SQLITE_INDEX_BUILD_TRIES_MAX times).
 *       - A fingerprint match is a candidate only: confirmed by reading the row
 *         at that seq and comparing the id (one extra point read per false match,
 *         about 2^-(32 - log2 slots) per probed slot: ~1/256 per slot at 10M).
 *       - A transaction's new records go into the index only after its COMMIT
 *         returned, still under the write lock (its scratch is its own there), so
 *         a failed commit leaves nothing in it. Seqs run without a gap (records
 *         are never deleted: triggers refuse it; a catch-up that finds a gap
 *         answers internal): the next seq is the index's latest + 1.
 *       - Cost: ~14 bytes of slots per stored decision on average (8 / load,
 *         load between 3/8 and 3/4; 128 MB of slots from 6.3M to 12.6M records),
 *         24 while the table grows; measured at 10M: the open adds 131 MB of RSS
 *         (13 bytes per decision). The build reads every (seq, id) once, O(n):
 *         measured at 10M (a 1.2 GB file) 12-18 s wall on a 2-core machine at
 *         load 8-10, ~3.5 s of CPU; it was paid by every open, it is now paid
 *         by the first call that needs it (bench/sqlite-ids prints the open and
 *         the first call). At 100M, on paper: ~1 GB of slots and ten times that
 *         build (~35 s of CPU, a read of ~7 GB of rows), now paid only by a
 *         file without a sound snapshot (next). A limit: 3 x 2^30 records per
 *         file (SQLITE_INDEX_SEQ_MAX: seq's 32 bits, at most 3/4 of the largest
 *         table's 2^32 slots; then new records answer internal).
 *       - A snapshot of the slots inside the file (schema version 6,
 *         sqlite_index_snapshot.h): the seq L it covers, the seed, the
 *         geometry, the slots in chunks of 4 MiB with a checksum each. The
 *         first need (index_catch_up, on the writer or the reader) of an empty
 *         index loads it when every check passes, then catches up from L + 1 as
 *         before; anything else (none, another format or hash, a checksum, a
 *         seq missing or twice, a record not found by its id, L past the file)
 *         builds as before: it is a cache, and a fingerprint stays a candidate.
 *         In the file, not beside it, so a copy, a `booking backup` (VACUUM
 *         INTO), a restore or a fork of a file carries the snapshot of its own
 *         records; those never change behind it (delete, and an UPDATE of seq
 *         or id, are refused by triggers). Written by the close, in its own
 *         transaction after remember_time's, replacing the one there, when the
 *         index holds SQLITE_INDEX_SNAPSHOT_GROWTH_MIN (262,144) records more
 *         than it (or the one there failed a check): a failure (a full disk,
 *         the write lock not had in busy_timeout) rolls back only that, is
 *         counted and noted (booking_last_error), and the file keeps the
 *         previous one; so does a kill -9. Either is stale but sound: the next
 *         open catches up from its L. Not written while serving: a write of
 *         the whole table under the write lock would stall every writer for
 *         the close's time below.
 *         Measured at 10.3M records (1.3 GB file, page cache warm, 2026-12-04,
 *         four alternated pairs at load 3.9-6.1): `booking serve` to /readyz
 *         4.9-13.7 s (3.6-5.6 s of CPU, peak RSS 218 MB) before, 0.35-1.07 s
 *         (0.24-0.54 s of CPU, peak RSS 158 MB: one table allocated at its
 *         size, no growth) from a snapshot 0 to 16k records behind; the build
 *         path (no snapshot) unchanged, 5.4 s at load 4.
 *         The snapshot is 2^24 slots, 128 MiB (13 bytes per decision): the
 *         file grew by 134 MB, once (a new one reuses the old one's pages);
 *         the close that writes it took 1.06-1.38 s and 136 MB of WAL (the
 *         shutdown of `booking serve` that wrote it: 1.18 s, its checkpoint
 *         included; 0.01 s without a write). At 100M, on paper: a
 *         1 GiB snapshot (2^27 slots), an open of ~2-4 s instead of ~35-50 s
 *         of CPU, and a close that writes it ~9 s and ~1.1 GB of WAL, at most
 *         once per 262,144 records of growth. The WAL then holds the whole
 *         snapshot; the last connection to close checkpoints and deletes it,
 *         but while another process keeps the file open the WAL file stays
 *         at that size (no journal_size_limit is set), reused by later commits.
 *         The close holds SQLite's write lock while it writes: other processes'
 *         writers on the file wait that long (1.1-1.4 s at 10M), and past their
 *         busy_timeout (5,000 ms by default; ~9 s at 100M) their attempts answer
 *         FAILED busy. Any handle that built or loaded the index writes it at
 *         its close, a CLI read (`booking get`) included, so a CLI command on a
 *         file a server is writing can cost the server's writers that wait once
 *         per 262,144 records of growth. Not yet done: the chunks written in
 *         small transactions beside the head and the head swapped last, which
 *         would bound the wait by a chunk's write.
 *       - Write cost, callgrind, batch 8192, UUIDv4: ~10,200 instructions per
 *         attempt in decide_one (the overlay, the index, the row append); the
 *         rate no longer falls with the store's size (measured to 10M: no trend,
 *         80-168k/s at load ~11, CPU ~3.5 us per attempt with the bench's own
 *         id making included); batch 64 runs at the same rate with UUIDv4 and
 *         sequential ids (one fsync per batch either way). With the rows of
 *         (5) inserted 64 per statement: decide_one ~5,710 (flush_rows ~4,690 of
 *         it), the store ~8,310 per attempt over the first 1M (was ~13,080),
 *         the seal's ~2,260 included.
 * (12) Listings (SPEC section 5; sqlite_list.c). Resources: a range of the
 *      resources table's primary key. Bookings by resource in ascending
 *      booking_id, without a random-page index on the write path (an index on
 *      (resource_id, booking_id) has the same one-page-per-insert cost as (11)):
 *      sorted runs. Once SQLITE_RUN_ROWS (65,536) records follow the last sealed
 *      seq, the batch that crossed the mark seals the next 65,536 as run r+1, in
 *      a transaction of its own right after its commit (best effort: a failure
 *      leaves nothing; it is counted in booking_store_stats.listing_seal_failures
 *      and tried again once the store grew by a backoff of
 *      SQLITE_SEAL_BACKOFF_MIN records, doubling per failure up to
 *      SQLITE_SEAL_BACKOFF_MAX, so a failing disk or a busy file does not cost
 *      every batch a run's sort). Two handles (processes) at one mark: each
 *      reads the seal state under BEGIN IMMEDIATE, the second finds the run
 *      sealed and writes nothing. A run is stored as pages (schema version 5,
 *      sqlite_run.h): one booking_runs row per up to 96 keys (3,840 bytes) of
 *      one resource, one row per 4 KB leaf (~42 bytes per key with UUIDv4), (run, resource_id, last_id) -> a blob of sorted
 *      (booking_id, seq) entries, every line of a bundle included. The seal
 *      reads the range's lines by seq (a rowid range scan), sorts them in C (a
 *      stable radix sort on (resource rank, 8-byte id prefix), ties checked in
 *      one pass and sorted by the full key only when out of order) and writes
 *      ~1,000 rows instead of 65,536. A page merges one cursor per run (a seek
 *      on last_id > after, then its pages in order) and the unsealed tail
 *      (records after the last sealed seq with a line on the resource, read by
 *      seq range and sorted: at most about 65,536 rows scanned, more while a
 *      seal backs off), in one read snapshot, reads each record by seq and
 *      keeps it when the filter keeps its status as of the read's time. Cost per page: O(runs x seek + tail scan +
 *      page x (one point read + the merge's min over runs)), plus the records of
 *      this resource the filter skips, at most BOOKING_LIST_SCAN_MAX examined in
 *      all (then the page ends early, store.h): measured at 1M records on one
 *      resource (16 runs), none kept, 50 to 440 ms a page at load 6 to 10 (one
 *      snapshot over all 1M, before the budget: 11 to 39 s). Not yet built: compaction (merging runs,
 *      four into one, as an LSM does) would keep runs at O(log n); without it a
 *      page at 10M seeks ~153 runs, at 100M ~1,526. Measured at 10M (164 runs,
 *      52k tail rows, 16 resources): 23 ms per page of 100 at load ~8, most of it
 *      the tail's scan and sort (a smaller tail wants runs merged, as above).
 *      Sealing cost, callgrind, `booking bench` batch 8192 UUIDv4, 262,144
 *      attempts (4 runs): ~2,300 instructions per key (SQLite's range read
 *      ~1,140, the page inserts ~410, the keys' copy, ranks and radix sort ~600,
 *      the duplicate check and growing the buffers ~150), down from ~11,000
 *      with one B-tree row per key (INSERT ... SELECT ... ORDER BY: SQLite's
 *      sorter, then a seek and an insert per key; sorting in C and inserting
 *      key by key was tried: 13,000). The store's cost per attempt went from
 *      ~23,300 to ~13,100 instructions (decide_one ~10,450 of it, unchanged);
 *      with sequential ids from ~20,250 to ~13,200. The seal is now ~18% of a
 *      batch's CPU, not ~45%. The pages take ~43 bytes per key in the file
 *      with UUIDv4 ids (one B-tree row per key took ~40). Moving the seal to
 *      a thread of its own was judged and not done: the remaining ~2,300 per key
 *      would move to the other core of a 2-core machine shared with the HTTP
 *      path and the client, the fault and listing suites rely on a seal being
 *      done when the batch that crossed the mark returns, and two processes at
 *      one mark would need the same state check anyway.
 *      The key cache (sqlite_keys.h): each handle keeps, in memory, the key of
 *      every line of the records it committed since its last seal, staged as
 *      they are decided and held once their COMMIT returned (a failed or
 *      rolled-back transaction's are dropped), caught up under the write lock
 *      in write_begin right after the index (11): when the index's latest + 1
 *      is not the cache's next (another process or handle wrote, or a commit
 *      of ours that failed surfaced), it empties and holds from there on. A
 *      seal whose whole range it holds sorts those keys instead of reading the
 *      range back (SQL_SEAL_KEYS); else it reads the file as before. Bounded
 *      (SQLITE_KEY_CACHE_BYTES_MAX, 32 MB; ~5 MB for a run of UUIDv4 records):
 *      past it, as while seals fail and back off, it empties and the next seal
 *      reads. Callgrind, `booking bench` tmpfs UUIDv4, 200k attempts: the
 *      seal's ~2,200 instructions per attempt became ~930 (the sort and page
 *      inserts, no read) plus ~120 to stage the keys; the store's ~9,150 per
 *      attempt ~8,020 at batch 64, and ~10,060 ~8,930 at batch 32.
 *
 * Transaction states of the writer connection, and the function of each step:
 *
 *            (1) lock, BEGIN IMMEDIATE          (2) read store_time, now
 *     IDLE ----------------------------> LOCKED -----------------------> WRITING --+
 *       ^        [bk_sqlite_tx_begin]                  [write_begin]          |  ^    | (3)
 *       |                                                                  |  +----+
 *       +--- (4) store_time = now if changed, COMMIT ok: results stand, ---+
 *       |        the expiries are counted                  [write_end]     |
 *       +--- (5) any error: ROLLBACK, every answer FAILED, none counted ---+
 *                (from LOCKED too)             [write_begin, write_end]
 *
 *  (3) per resource touched: expire its due holds at now, then decide and write
 *      [touch_resource, load_resource_at_now]; the invariant is asserted at every
 *      read and write of a counter (load_resource, write_booked).
 */
#include "store/sqlite_store.h"
#include "store/sqlite_index_snapshot.h"
#include "store/sqlite_list.h"
#include "store/sqlite_row.h"
#include "store/sqlite_run.h"
#include "util/hash.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The columns hold the enum values themselves (sqlite_schema.c). */
_Static_assert(BOOKING_CAPACITY_MAX <= INT64_MAX, "counters bind as sqlite3_int64");


/* ---- the booking_id index, (11) ---- */

/* The records this transaction appended, into the index once their COMMIT
 * returned (a failed commit leaves nothing in it; if its frames surface, a
 * catch-up finds them). */
static void index_committed(sqlite_store *st)
{
    bk_sqlite_index_lock(&st->index);
    bool ok = true;
    for (size_t i = 0; i < st->pending.count && ok; i++)
        ok = bk_sqlite_index_add(&st->index, st->pending_hash[i], st->pending_seq[i]);
    if (ok && st->index.latest < st->tx_next_seq - 1)
        st->index.latest = st->tx_next_seq - 1;
    if (!ok) {
        bk_sqlite_index_forget(&st->index); /* no memory: rebuilt by the next catch-up */
        st->snapshot_tried = false;
        __atomic_store_n(&st->index_built, false, __ATOMIC_RELEASE); /* outside the write lock */
    }
    bk_sqlite_index_unlock(&st->index);
}

/* Snapshots the closes of this process failed to write (sqlite_store.h). */
static uint64_t snapshot_failures;

/* The index's catch-up on connection c, in c's transaction, with the index
 * locked: an index that is empty first takes the file's snapshot, if it has a
 * sound one (sqlite_index_snapshot.h), so only the records after it are read;
 * once per emptiness (an empty store's writers do not look again each). */
static booking_reason index_catch_up(sqlite_store *st, sqlite_conn *c)
{
    if (st->index.latest == 0 && !st->snapshot_tried) {
        st->snapshot_tried = true;
        int64_t there = 0;
        if (bk_sqlite_index_snapshot_latest(c->db, &there) == SQLITE_OK && there > 0) {
            sqlite_snapshot_load l = bk_sqlite_index_snapshot_load(&st->index, c->db);
            if (l == SQLITE_SNAPSHOT_LOADED)
                st->snapshot_loaded = st->index.latest;
            else if (l == SQLITE_SNAPSHOT_REFUSED)
                st->snapshot_rejected = there; /* an unread one may be sound: kept */
        }
    }
    return bk_sqlite_index_catch_up(&st->index, c);
}

/* The seq of booking_id's record as the connection c sees it, or 0: each
 * candidate of the index confirmed by its row. Called with the index locked. */
static booking_reason find_seq(sqlite_store *st, sqlite_conn *c, const char *booking_id,
                               size_t len, uint64_t hash, int64_t *seq)
{
    sqlite_index_probe p;
    bk_sqlite_index_probe_start(&st->index, hash, &p);
    sqlite3_stmt *s = c->stmt[SQL_SELECT_ID];
    *seq = 0;
    for (int64_t cand; (cand = bk_sqlite_index_probe_next(&st->index, &p)) != 0;) {
        sqlite3_bind_int64(s, 1, cand);
        int rc = sqlite3_step(s);
        bool same = rc == SQLITE_ROW && (size_t)sqlite3_column_bytes(s, 0) == len &&
                    memcmp(sqlite3_column_text(s, 0), booking_id, len) == 0;
        sqlite3_reset(s);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return bk_sqlite_reason(rc);
        if (same) {
            *seq = cand;
            return BOOKING_REASON_OK;
        }
    }
    return BOOKING_REASON_OK;
}

/* The writer's lookup: this transaction's own new records first, then the index. */
static booking_reason writer_find_seq(sqlite_store *st, const char *booking_id, size_t len,
                                      uint64_t hash, int64_t *seq)
{
    size_t k = bk_id_table_find(&st->pending, booking_id, len);
    if (k != ID_TABLE_NONE) {
        *seq = st->pending_seq[k];
        return BOOKING_REASON_OK;
    }
    bk_sqlite_index_lock(&st->index);
    booking_reason r = find_seq(st, &st->writer, booking_id, len, hash, seq);
    bk_sqlite_index_unlock(&st->index);
    return r;
}

/* ---- the write transaction, (8) ---- */

static booking_reason step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? BOOKING_REASON_OK : bk_sqlite_reason(rc);
}

/* The index of (11) on first need: every record's (seq, id), read by the
 * handle's writer connection in a read snapshot, outside SQLite's write lock
 * (other processes go on writing; write_begin catches up with them under it)
 * but inside the handle's writer lock, so this handle's writers, which need the
 * index, wait for it instead of building it each. Reads that need it (a
 * get_booking) catch up on their first miss, the same build. A handle that
 * never decides, replays, reads or changes a record by booking_id (a CLI
 * `resource get`, `resource list`) never builds it. */
static booking_reason ensure_index(sqlite_store *st)
{
    if (__atomic_load_n(&st->index_built, __ATOMIC_ACQUIRE))
        return BOOKING_REASON_OK;
    booking_reason r = bk_sqlite_read_begin(&st->writer);
    if (r != BOOKING_REASON_OK)
        return r;
    bk_sqlite_index_lock(&st->index);
    r = index_catch_up(st, &st->writer);
    bk_sqlite_index_unlock(&st->index);
    bk_sqlite_read_end(&st->writer);
    if (r == BOOKING_REASON_OK)
        __atomic_store_n(&st->index_built, true, __ATOMIC_RELEASE);
    return r;
}

/* (1) and (2): BEGIN IMMEDIATE, then the store's time under the write lock.
 * with_ids: the transaction decides by booking_id or appends records, so the
 * index catches up first (else tx_next_seq is 0: nothing may be appended). */
static booking_reason write_begin(sqlite_store *st, bool with_ids)
{
    sqlite_conn *c = &st->writer;
    booking_reason r = BOOKING_REASON_OK;
    for (unsigned tries = 0;; tries++) {
        r = with_ids ? ensure_index(st) : BOOKING_REASON_OK;
        if (r == BOOKING_REASON_OK)
            r = bk_sqlite_tx_begin(c);
        if (r != BOOKING_REASON_OK)
            return r;
        /* Only a writer holding c's lock forgets the index (index_committed), so
         * what is seen here holds until write_end. A writer that passed
         * ensure_index before another's allocation failure forgot it would
         * otherwise rebuild the whole index, or wait for a reader's rebuild on
         * its mutex, under SQLite's write lock, which every process waits for:
         * it lets go and builds it outside, as (11) says, then begins again. */
        if (!with_ids || __atomic_load_n(&st->index_built, __ATOMIC_ACQUIRE))
            break;
        (void)bk_sqlite_tx_end(c, BOOKING_REASON_INTERNAL); /* rolls back: nothing written */
        if (tries + 1 == SQLITE_INDEX_BUILD_TRIES_MAX)
            return BOOKING_REASON_INTERNAL; /* forgotten each time: out of memory */
    }
    sqlite3_stmt *s = c->stmt[SQL_SELECT_TIME];
    int rc = sqlite3_step(s);
    int64_t latest = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    st->tx_sealed = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return bk_sqlite_tx_end(c, rc == SQLITE_DONE ? BOOKING_REASON_INTERNAL : bk_sqlite_reason(rc));
    /* Every record any process committed is in the index before anything is
     * decided: booking_id stays unique across processes, (11). */
    st->tx_next_seq = 0;
    if (with_ids) {
        bk_sqlite_index_lock(&st->index);
        r = index_catch_up(st, c);
        st->tx_next_seq = st->index.latest + 1;
        bk_sqlite_index_unlock(&st->index);
        /* The key cache holds what this handle committed since its last seal,
         * only while nobody else wrote (sqlite_keys.h), caught up here like
         * the index; the keys of records another handle sealed are dropped. */
        if (r == BOOKING_REASON_OK) {
            bk_sqlite_key_cache_begin(&st->keys, st->tx_next_seq);
            if (st->tx_sealed >= st->keys.first)
                bk_sqlite_key_cache_drop_through(&st->keys, st->tx_sealed);
        }
    }
    if (r != BOOKING_REASON_OK)
        return bk_sqlite_tx_end(c, r);
    bk_id_table_reset(&st->pending);
    st->tx_row_count = 0;
    bk_store_observe_time(&st->base, latest);
    st->tx_now = bk_store_now(&st->base);
    st->tx_latest = latest;
    st->tx_changed = false;
    st->tx_expired = 0;
    assert(st->tx_now >= latest); /* the time never goes back, even across processes */
    return BOOKING_REASON_OK;
}

/* (4) or (5). Returns OK only if the transaction committed. */
static booking_reason write_end(sqlite_store *st, booking_reason r)
{
    sqlite_conn *c = &st->writer;
    assert(c->held && (st->tx_expired == 0 || st->tx_changed));
    /* Every record decided was inserted before COMMIT (or the call failed). */
    assert(st->tx_row_count == 0 || r != BOOKING_REASON_OK);
    st->tx_row_count = 0;
    if (r == BOOKING_REASON_OK && st->tx_changed && st->tx_now > st->tx_latest) {
        sqlite3_stmt *s = c->stmt[SQL_UPDATE_TIME];
        sqlite3_bind_int64(s, 1, st->tx_now);
        r = step_done(s);
    }
    r = bk_sqlite_tx_finish(c, r);
    /* The new records' keys are held only once their COMMIT returned. */
    if (r == BOOKING_REASON_OK && st->tx_next_seq > 0)
        bk_sqlite_key_cache_commit(&st->keys, st->tx_next_seq);
    else
        bk_sqlite_key_cache_abort(&st->keys);
    if (r == BOOKING_REASON_OK && st->tx_expired > 0)
        bk_store_count_expired(&st->base, st->tx_expired);
    /* Still under the write lock: the transaction's state is its own. */
    if (r == BOOKING_REASON_OK && st->pending.count > 0)
        index_committed(st);
    bk_sqlite_conn_unlock(c);
    return r;
}

/* ---- reading rows ---- */

/* A resource's counters and how many of its hold entries are due at the
 * transaction's time (due[0]: lines 0, in bookings_live_holds; due[1]: lines 1..,
 * in booking_lines_live_holds), all in one statement: the expiry step (7) then
 * writes only when something is due, so a touch where nothing is costs one read. */
static booking_reason load_resource(sqlite_store *st, const char *id, size_t len, bool *exists,
                                    core_resource *state, uint64_t due[2])
{
    sqlite_conn *c = &st->writer;
    assert(id != NULL && c->db != NULL && c->held);
    sqlite3_stmt *s = c->stmt[SQL_SELECT_RESOURCE];
    sqlite3_bind_text(s, 1, id, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, st->tx_now);
    int rc = sqlite3_step(s);
    *exists = rc == SQLITE_ROW;
    if (*exists) {
        state->capacity = (uint64_t)sqlite3_column_int64(s, 0);
        state->booked = (uint64_t)sqlite3_column_int64(s, 1);
        due[0] = (uint64_t)sqlite3_column_int64(s, 2);
        due[1] = (uint64_t)sqlite3_column_int64(s, 3);
        /* Every read of the counters: the schema's CHECKs and our writes keep
         * the invariant, so a row without it is a bug (or a file tampered with
         * past its CHECKs), never an input to decide on. */
        assert(bk_core_resource_consistent(state));
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? BOOKING_REASON_OK : bk_sqlite_reason(rc);
}

/* Whether the stored lines 1.. of booking_id are want's, in order (the replay
 * rule, SPEC section 8): each row compared before the next step, (10). */
static booking_reason same_later_lines(sqlite_conn *c, int64_t seq, core_lines want, bool *same)
{
    assert(want.count >= 2 && want.count <= BOOKING_LINES_MAX);
    sqlite3_stmt *s = c->stmt[SQL_SELECT_LINES];
    sqlite3_bind_int64(s, 1, seq);
    size_t next = 1;
    int rc;
    *same = true;
    while (*same && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        size_t line = (size_t)sqlite3_column_int(s, 0);
        *same = line == next && line < want.count &&
                bk_core_line_equal(&want.at[line], (const char *)sqlite3_column_text(s, 1),
                                   (size_t)sqlite3_column_bytes(s, 1),
                                   (uint64_t)sqlite3_column_int64(s, 2));
        next++;
    }
    if (*same)
        *same = next == want.count; /* every line, none missing */
    else
        rc = SQLITE_DONE; /* a difference decides: the rest is not read */
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? BOOKING_REASON_OK : bk_sqlite_reason(rc);
}

/* Reads the record of booking_id at seq (found by the index, (11)); *exists
 * tells whether there is one. With want (a replay), record->same_lines compares
 * every stored line with it. */
static booking_reason load_record(sqlite_conn *c, int64_t seq, const char *booking_id,
                                  const core_lines *want, bool *exists, core_record *record,
                                  booking_record *out)
{
    assert(booking_id != NULL && (out == NULL || want == NULL) && seq >= 1);
    sqlite3_stmt *s = c->stmt[SQL_SELECT_BOOKING];
    sqlite3_bind_int64(s, 1, seq);
    int rc = sqlite3_step(s);
    *exists = rc == SQLITE_ROW;
    if (*exists) {
        bk_sqlite_record_of_row(s, booking_id, want, record, out);
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return bk_sqlite_reason(rc);
    /* A bundle whose line count and line 0 agree: its other lines decide. */
    if (*exists && want != NULL && record->same_lines && want->count > 1)
        return same_later_lines(c, seq, *want, &record->same_lines);
    return BOOKING_REASON_OK;
}

/* ---- the expiry step, (7) ---- */

/* One index's due entries of the resource, released by statement `which`
 * (RETURNING units); exactly `due` of them, as the read under this lock counted. */
static booking_reason expire_entries(sqlite_store *st, sqlite_sql which, const char *resource_id,
                                     size_t len, uint64_t due, uint64_t *units)
{
    sqlite3_stmt *s = st->writer.stmt[which];
    sqlite3_bind_text(s, 1, resource_id, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, st->tx_now);
    uint64_t count = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        *units += (uint64_t)sqlite3_column_int64(s, 0); /* each is within booked: no wrap */
        count++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE)
        return bk_sqlite_reason(rc);
    st->tx_changed = true;
    return count == due ? BOOKING_REASON_OK : BOOKING_REASON_INTERNAL;
}

/* Releases the hold entries of resource_id that are due at the transaction's
 * time (due[] as load_resource() counted them): *released gets their units,
 * which the caller takes off the counter it read. */
static booking_reason expire_holds(sqlite_store *st, const char *resource_id, size_t len,
                                   const uint64_t due[2], uint64_t *released)
{
    assert(st->writer.held && len >= 1 && len <= BOOKING_ID_LEN_MAX);
    uint64_t units = 0;
    booking_reason r = BOOKING_REASON_OK;
    if (due[0] > 0)
        r = expire_entries(st, SQL_EXPIRE_HOLDS, resource_id, len, due[0], &units);
    /* Its due lines 1.. of bundles, (10): released here, counted with their record. */
    if (r == BOOKING_REASON_OK && due[1] > 0)
        r = expire_entries(st, SQL_EXPIRE_LINES, resource_id, len, due[1], &units);
    if (r != BOOKING_REASON_OK)
        return r;
    *released = units;
    st->tx_expired += due[0];
    return BOOKING_REASON_OK;
}

/* ---- the batch write path, (5) ---- */

/* One row's own parameters of the record INSERT (sqlite_conn.h), row r. With
 * last (the integers bound to row r before, still bound), an integer equal to
 * the last one is not bound again: most rows of a batch share their outcome,
 * status, hold, units and lines, and a bind costs ~100-200 instructions. */
static void bind_row(sqlite3_stmt *s, size_t r, const struct sqlite_row_out *row,
                     const struct sqlite_row_out *last)
{
    int p = SQLITE_INSERT_SHARED_PARAMS + 1 + (int)(r * SQLITE_INSERT_ROW_PARAMS);
    sqlite3_bind_text(s, p, row->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, p + 1, row->resource_id, -1, SQLITE_STATIC);
#define BIND_IF_NEW(field, offset, bind)                                                           \
    do {                                                                                           \
        if (last == NULL || last->field != row->field)                                           \
            bind(s, p + (offset), row->field);                                                     \
    } while (0)
    BIND_IF_NEW(units, 2, sqlite3_bind_int64);
    BIND_IF_NEW(outcome, 3, sqlite3_bind_int);
    BIND_IF_NEW(status, 4, sqlite3_bind_int);
    BIND_IF_NEW(hold_ms, 5, sqlite3_bind_int64);
    BIND_IF_NEW(expires_at_ms, 6, sqlite3_bind_int64);
    BIND_IF_NEW(line_count, 7, sqlite3_bind_int);
    BIND_IF_NEW(line, 8, sqlite3_bind_int);
#undef BIND_IF_NEW
}

/* The transaction's records decided and not yet inserted, (5): a full buffer
 * by one statement of SQLITE_INSERT_ROWS rows (its start, cursors, seek and
 * halt paid once for all), fewer by one statement per set bit of their count,
 * the largest first (a statement's halt and seek cost as much as a few rows:
 * one by one, a round of 32 cost ~7,900 instructions per row, not ~4,700).
 * Run before any statement that could read them (a resource's read, a
 * record's read by seq, a bundle's lines, the counters' writes before COMMIT);
 * the index's confirming read (find_seq) reads only committed seqs, which are
 * below them. */
static booking_reason flush_rows(sqlite_store *st)
{
    _Static_assert(SQLITE_INSERT_SIZES <= sizeof st->rows_bound_valid * CHAR_BIT,
                   "a bit of rows_bound_valid per statement");
    size_t n = st->tx_row_count;
    st->tx_row_count = 0;
    assert(n <= SQLITE_INSERT_ROWS);
    booking_reason r = BOOKING_REASON_OK;
    size_t done = 0;
    for (unsigned j = SQLITE_INSERT_SIZES; j-- > 0 && r == BOOKING_REASON_OK;) {
        size_t rows = (size_t)1 << j;
        if (n - done < rows)
            continue;
        sqlite3_stmt *s = st->writer.stmt[SQL_INSERT_BOOKINGS + j];
        struct sqlite_row_out *bound = &st->rows_bound[rows - 1];
        bool valid = (st->rows_bound_valid >> j & 1u) != 0;
        sqlite3_bind_int64(s, 1, st->tx_now);
        for (size_t k = 0; k < rows; k++) {
            const struct sqlite_row_out *row = &st->tx_rows[done + k];
            bind_row(s, k, row, valid ? &bound[k] : NULL);
            bound[k] = *row;
        }
        st->rows_bound_valid |= 1u << j;
        r = step_done(s);
        done += rows;
        /* Each row took max(seq) + 1, so the last is at the seq the index gave
         * it only if the first was: records are never deleted and the index
         * caught up under this lock, so anything else is a bug, never a commit. */
        int64_t last = st->tx_rows_seq + (int64_t)done - 1;
        if (r == BOOKING_REASON_OK && ((size_t)sqlite3_changes(st->writer.db) != rows ||
                                       sqlite3_last_insert_rowid(st->writer.db) != last)) {
            bk_store_note_error("sqlite: a record went to another seq than %lld", (long long)last);
            r = BOOKING_REASON_INTERNAL;
        }
    }
    assert(done == n || r != BOOKING_REASON_OK);
    st->tx_rows_seq += (int64_t)n;
    return r;
}

/* The overlay entry of the request's resource; on the batch's first touch of it,
 * read once and with its due holds released, (5) and (7). */
static booking_reason touch_resource(sqlite_store *st, const char *resource_id,
                                     overlay_entry **out)
{
    bool fresh;
    size_t len = strlen(resource_id);
    overlay_entry *res = bk_overlay_get(&st->overlay, resource_id, len, &fresh);
    if (res == NULL)
        return BOOKING_REASON_INTERNAL;
    *out = res;
    if (!fresh)
        return BOOKING_REASON_OK;
    uint64_t due[2] = {0, 0}, released = 0;
    booking_reason r = flush_rows(st);
    if (r == BOOKING_REASON_OK)
        r = load_resource(st, resource_id, len, &res->exists, &res->state, due);
    if (r == BOOKING_REASON_OK && res->exists)
        r = expire_holds(st, resource_id, len, due, &released);
    if (r != BOOKING_REASON_OK)
        return r;
    /* The due holds' units are part of booked, (7): this cannot wrap. */
    assert(released <= res->state.booked);
    res->state.booked -= released;
    res->dirty = released != 0;
    assert(bk_core_resource_consistent(&res->state));
    return BOOKING_REASON_OK;
}

/* The new record, with line 0 in its own columns, appended at the next seq
 * (buffered, flush_rows) and remembered as this transaction's (the index gets
 * it after COMMIT), (5), (11). */
static booking_reason insert_record(sqlite_store *st, const booking_request *req, size_t id_len,
                                    uint64_t hash, core_lines lines,
                                    const core_attempt_decision *d, int64_t *seq)
{
    assert(st->tx_next_seq >= 1); /* the transaction began with ids: the index caught up */
    if ((uint64_t)st->tx_next_seq > SQLITE_INDEX_SEQ_MAX) {
        bk_store_note_error("sqlite: the store holds %lld records, its most",
                            (long long)SQLITE_INDEX_SEQ_MAX);
        return BOOKING_REASON_INTERNAL;
    }
    if (st->tx_row_count == 0)
        st->tx_rows_seq = st->tx_next_seq;
    /* A statement's rows are consecutive records: row r is at tx_rows_seq + r. */
    assert(st->tx_rows_seq + (int64_t)st->tx_row_count == st->tx_next_seq);
    struct sqlite_row_out *row = &st->tx_rows[st->tx_row_count++];
    *row = (struct sqlite_row_out){
        .id = req->booking_id,
        .resource_id = lines.at[0].resource_id,
        .units = (int64_t)lines.at[0].units,
        .hold_ms = (int64_t)req->hold_ms,
        .expires_at_ms = d->result.expires_at_ms,
        .outcome = (int)d->result.outcome,
        .status = (int)d->result.status,
        .line_count = (int)lines.count,
        .line = (int)d->result.line,
    };
    booking_reason r = st->tx_row_count == SQLITE_INSERT_ROWS ? flush_rows(st) : BOOKING_REASON_OK;
    if (r != BOOKING_REASON_OK)
        return r;
    bool fresh = false;
    size_t k = bk_id_table_add(&st->pending, req->booking_id, id_len, &fresh);
    /* At most BOOKING_BATCH_MAX new records per transaction, each looked up first. */
    assert(k != ID_TABLE_NONE && fresh && k < BOOKING_BATCH_MAX);
    st->pending_seq[k] = st->tx_next_seq;
    st->pending_hash[k] = hash;
    *seq = st->tx_next_seq++;
    st->tx_changed = true;
    return BOOKING_REASON_OK;
}

/* A new bundle's lines 1.., each a live hold entry of its own resource when the
 * record is a BOOKED hold, (10). Any failure fails the whole batch, (6). */
static booking_reason insert_lines(sqlite_store *st, const char *booking_id, int64_t seq,
                                   core_lines lines, const core_attempt_decision *d)
{
    sqlite_conn *c = &st->writer;
    assert(c->held && lines.count >= 2 && d->write_record);
    bool live = d->result.outcome == BOOKING_BOOKED && d->result.status == BOOKING_STATUS_HELD;
    assert(!live || d->result.expires_at_ms > 0);
    sqlite3_stmt *s = c->stmt[SQL_INSERT_LINE];
    booking_reason r = flush_rows(st); /* its record first, in seq order */
    for (size_t i = 1; i < lines.count && r == BOOKING_REASON_OK; i++) {
        sqlite3_bind_text(s, 1, booking_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, (int)i);
        sqlite3_bind_text(s, 3, lines.at[i].resource_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, (sqlite3_int64)lines.at[i].units);
        sqlite3_bind_int64(s, 5, d->result.expires_at_ms);
        sqlite3_bind_int(s, 6, live);
        sqlite3_bind_int64(s, 7, seq);
        r = step_done(s);
        if (r == BOOKING_REASON_OK && sqlite3_changes(c->db) != 1)
            r = BOOKING_REASON_INTERNAL;
    }
    return r;
}

/* One attempt of the batch, either form: every line's resource through the
 * overlay (read once per batch, due holds released), one decision for all, and
 * on reserve every line's units added to its own entry, (5) and (10). */
static booking_reason decide_one(sqlite_store *st, const booking_request *req,
                                 booking_result *result)
{
    sqlite_conn *c = &st->writer;
    booking_line one;
    core_lines lines = bk_core_request_lines(req, &one);
    assert(c->held && lines.count >= 1 && lines.count <= BOOKING_LINES_MAX);
    overlay_entry *res[BOOKING_LINES_MAX];
    const core_resource *states[BOOKING_LINES_MAX];
    booking_reason r = BOOKING_REASON_OK;
    for (size_t i = 0; i < lines.count && r == BOOKING_REASON_OK; i++) {
        r = touch_resource(st, lines.at[i].resource_id, &res[i]);
        states[i] = r == BOOKING_REASON_OK && res[i]->exists ? &res[i]->state : NULL;
    }
    if (r != BOOKING_REASON_OK)
        return r;
    core_attempt attempt = {.lines = lines, .hold_ms = req->hold_ms, .now_ms = st->tx_now};
    core_attempt_decision d = bk_core_decide_attempt(attempt, states, NULL);
    /* An existing record decides first, rule (1) of core/decide.c: the index
     * (this transaction's new records included) says whether there is one. */
    size_t id_len = strlen(req->booking_id);
    uint64_t hash = bk_sqlite_index_hash(&st->index, req->booking_id, id_len);
    int64_t seq = 0;
    r = writer_find_seq(st, req->booking_id, id_len, hash, &seq);
    if (r != BOOKING_REASON_OK)
        return r;
    if (seq == 0) {
        if (d.write_record) {
            r = insert_record(st, req, id_len, hash, lines, &d, &seq);
            if (r == BOOKING_REASON_OK && lines.count > 1)
                r = insert_lines(st, req->booking_id, seq, lines, &d);
            if (r != BOOKING_REASON_OK)
                return r;
            for (size_t i = 0; i < lines.count; i++) /* its listing keys, (12) */
                bk_sqlite_key_cache_stage(&st->keys, lines.at[i].resource_id,
                                          strlen(lines.at[i].resource_id), req->booking_id,
                                          id_len, seq);
            for (size_t i = 0; i < lines.count && d.reserve; i++) {
                /* The core checked every line fits: no sum wraps or passes capacity. */
                res[i]->state.booked += lines.at[i].units;
                res[i]->dirty = true;
                assert(bk_core_resource_consistent(&res[i]->state));
            }
        }
        *result = d.result; /* new, or an unknown resource (no record written) */
        return BOOKING_REASON_OK;
    }
    /* Decided before: the core decides the replay against the stored record
     * (perhaps one of this transaction's, still buffered). */
    bool exists;
    core_record rec;
    r = flush_rows(st);
    if (r == BOOKING_REASON_OK)
        r = load_record(c, seq, req->booking_id, &lines, &exists, &rec, NULL);
    if (r != BOOKING_REASON_OK)
        return r;
    if (!exists)
        return BOOKING_REASON_INTERNAL; /* the index found it under this lock */
    *result = bk_core_decide_attempt(attempt, NULL, &rec).result;
    return BOOKING_REASON_OK;
}

static booking_reason write_booked(sqlite_store *st, const char *resource_id, size_t len,
                                   const core_resource *state)
{
    /* Every write of a counter, paired with the read in load_resource(). */
    assert(st->writer.held && bk_core_resource_consistent(state));
    sqlite3_stmt *s = st->writer.stmt[SQL_UPDATE_BOOKED];
    sqlite3_bind_int64(s, 1, (sqlite3_int64)state->booked);
    sqlite3_bind_text(s, 2, resource_id, (int)len, SQLITE_STATIC);
    st->tx_changed = true;
    return step_done(s);
}

static booking_reason write_counters(sqlite_store *st)
{
    booking_reason r = BOOKING_REASON_OK;
    for (size_t i = 0; i < overlay_count(&st->overlay) && r == BOOKING_REASON_OK; i++) {
        overlay_entry *e = overlay_at(&st->overlay, i);
        assert(!e->dirty || e->exists);
        if (e->dirty)
            r = write_booked(st, e->id, e->id_len, &e->state);
    }
    return r;
}

/* ---- sealing a run of the listing index, (12) ---- */

static int step_rc(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc;
}

/* A failed seal waits for the store to grow by the backoff before it is tried
 * again (doubling per failure, SQLITE_SEAL_BACKOFF_MIN..MAX records), so a
 * failing disk or a busy file does not cost every batch a run's sort; counted
 * in booking_store_stats.listing_seal_failures. Under the write lock. */
static void seal_failed(sqlite_store *st, int64_t last)
{
    assert(st->writer.held);
    int64_t b = st->seal_backoff == 0 ? SQLITE_SEAL_BACKOFF_MIN : 2 * st->seal_backoff;
    st->seal_backoff = b < SQLITE_SEAL_BACKOFF_MAX ? b : SQLITE_SEAL_BACKOFF_MAX;
    st->seal_retry_seq = last + st->seal_backoff;
    __atomic_add_fetch(&st->base.seal_failures, 1, __ATOMIC_RELAXED);
}

/* The next SQLITE_RUN_ROWS records after the last sealed, into booking_runs as
 * one run of pages in key order (sqlite_run.c), in a transaction of its own right
 * after the batch that crossed the mark (the batch's answers stand whatever
 * happens here). Best effort: on any failure nothing of it is left, and a later
 * batch seals it after the backoff; until then a listing scans a longer tail.
 * Two processes at the mark: each reads the state under BEGIN IMMEDIATE, so the
 * second finds the run sealed and writes nothing. One run per call. */
static void seal_run(sqlite_store *st, int64_t last_seen)
{
    sqlite_conn *c = &st->writer;
    if (bk_sqlite_conn_lock(c) != BOOKING_REASON_OK) {
        __atomic_add_fetch(&st->base.seal_failures, 1, __ATOMIC_RELAXED);
        return; /* the lock is another thread's: it seals when its batch crosses */
    }
    int rc = step_rc(c->stmt[SQL_BEGIN]);
    bool due = false, from_memory = false;
    int64_t sealed = 0;
    if (rc == SQLITE_DONE) {
        sqlite3_stmt *s = c->stmt[SQL_SEAL_STATE];
        rc = sqlite3_step(s);
        bool row = rc == SQLITE_ROW; /* the columns only of a row */
        sealed = row ? sqlite3_column_int64(s, 0) : 0;
        int64_t run = row ? sqlite3_column_int64(s, 1) : 0;
        int64_t last = row ? sqlite3_column_int64(s, 2) : 0;
        sqlite3_reset(s);
        due = row && last - sealed >= SQLITE_RUN_ROWS;
        if (row && !due)
            rc = SQLITE_DONE; /* another handle sealed it: nothing to do */
        if (row)
            bk_sqlite_key_cache_drop_through(&st->keys, sealed); /* sealed by another */
        size_t from = 0, to = 0;
        from_memory = due && bk_sqlite_key_cache_range(&st->keys, sealed,
                                                       sealed + SQLITE_RUN_ROWS, &from, &to);
        if (from_memory) {
            rc = bk_sqlite_run_seal_keys(c->stmt[SQL_SEAL_PAGE], run + 1, &st->keys.keys, from,
                                         to);
            rc = rc == SQLITE_OK ? SQLITE_DONE : rc;
        } else if (due) {
            rc = bk_sqlite_run_seal(c->stmt[SQL_SEAL_KEYS], c->stmt[SQL_SEAL_PAGE], run + 1,
                                    sealed, sealed + SQLITE_RUN_ROWS);
            rc = rc == SQLITE_OK ? SQLITE_DONE : rc;
        }
        if (due) {
            if (rc == SQLITE_DONE) {
                s = c->stmt[SQL_SEAL_MARK];
                sqlite3_bind_int64(s, 1, run + 1);
                sqlite3_bind_int64(s, 2, sealed + SQLITE_RUN_ROWS);
                rc = step_rc(s);
            }
            if (rc == SQLITE_DONE && bk_sqlite_file_moved(c->db) != BOOKING_REASON_OK)
                rc = SQLITE_CANTOPEN; /* never commit into a file nobody opens again */
            if (rc == SQLITE_DONE)
                rc = step_rc(c->stmt[SQL_COMMIT]);
        }
        if (!sqlite3_get_autocommit(c->db))
            step_rc(c->stmt[SQL_ROLLBACK]); /* nothing to seal, or it failed */
    }
    if (rc != SQLITE_DONE) {
        seal_failed(st, last_seen);
    } else if (due) {
        st->seal_backoff = 0;
        st->seals_from_memory += from_memory; /* counted once committed */
        bk_sqlite_key_cache_drop_through(&st->keys, sealed + SQLITE_RUN_ROWS);
    }
    bk_sqlite_conn_unlock(c);
}

static void sqlite_attempt_batch(booking_store *store, const booking_request *requests,
                                 size_t count, booking_result *results)
{
    sqlite_store *st = (sqlite_store *)store;
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    booking_reason r = write_begin(st, true);
    if (r != BOOKING_REASON_OK) {
        bk_store_fail_all(results, count, r);
        return;
    }
    bk_overlay_reset(&st->overlay);
    for (size_t i = 0; i < count && r == BOOKING_REASON_OK; i++)
        r = decide_one(st, &requests[i], &results[i]);
    assert(overlay_count(&st->overlay) <= BOOKING_BATCH_LINES_MAX);
    if (r == BOOKING_REASON_OK)
        r = flush_rows(st);
    if (r == BOOKING_REASON_OK)
        r = write_counters(st);
    /* Read under the write lock, acted on after it: a run is due, (12), and
     * a failed seal's backoff has passed. */
    int64_t last = st->tx_next_seq - 1;
    bool seal = last - st->tx_sealed >= SQLITE_RUN_ROWS && last >= st->seal_retry_seq;
    r = write_end(st, r);
    if (r != BOOKING_REASON_OK)
        bk_store_fail_all(results, count, r);
    else if (seal)
        seal_run(st, last);
}

/* ---- capacity, cancel, confirm ---- */

/* One resource read for a capacity change, a cancel or a confirm: its counters,
 * with its due holds released (7); *released tells whether booked changed. */
static booking_reason load_resource_at_now(sqlite_store *st, const char *resource_id,
                                           bool *exists, core_resource *state, bool *released)
{
    size_t len = strlen(resource_id);
    uint64_t due[2] = {0, 0}, units = 0;
    booking_reason r = load_resource(st, resource_id, len, exists, state, due);
    if (r == BOOKING_REASON_OK && *exists)
        r = expire_holds(st, resource_id, len, due, &units);
    if (r != BOOKING_REASON_OK)
        return r;
    assert(units <= state->booked); /* the due holds' units are part of booked */
    state->booked -= units;
    *released = units != 0;
    return BOOKING_REASON_OK;
}

static booking_reason sqlite_set_capacity(booking_store *store, const char *resource_id,
                                          uint64_t capacity, booking_resource *out)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->writer;
    assert(capacity <= BOOKING_CAPACITY_MAX); /* the library validated it */
    booking_reason r = write_begin(st, false);
    if (r != BOOKING_REASON_OK)
        return r;
    int64_t now = st->tx_now;
    bool exists = false, released = false;
    core_resource state = {0};
    core_capacity_decision d = {.reason = BOOKING_REASON_OK};
    r = load_resource_at_now(st, resource_id, &exists, &state, &released);
    if (r == BOOKING_REASON_OK && released)
        r = write_booked(st, resource_id, strlen(resource_id), &state);
    if (r == BOOKING_REASON_OK) {
        d = bk_core_decide_set_capacity(capacity, exists ? &state : NULL);
        assert(!(d.create && d.update) && (!d.update || exists));
        if (d.create || d.update) {
            sqlite3_stmt *s = c->stmt[SQL_UPSERT_RESOURCE];
            sqlite3_bind_text(s, 1, resource_id, -1, SQLITE_STATIC);
            sqlite3_bind_int64(s, 2, (sqlite3_int64)capacity);
            r = step_done(s);
            st->tx_changed = true;
            state.capacity = capacity;
            /* The counters as written: the core refused a capacity below booked. */
            assert(bk_core_resource_consistent(&state));
        }
    }
    r = write_end(st, r);
    if (r != BOOKING_REASON_OK)
        return r;
    if (out != NULL && (exists || d.create)) {
        bk_store_copy_id(out->resource_id, resource_id, strlen(resource_id));
        out->capacity = state.capacity;
        out->booked = state.booked;
        out->as_of_ms = now;
    }
    return d.reason;
}

/* A record's lines for a cancel or a confirm: line 0 is the record's own
 * (full); lines 1.. of a bundle are read into st->tx_lines, with whether each is
 * still a live hold entry, (10). */
static booking_reason load_later_lines(sqlite_store *st, int64_t seq, const booking_record *full)
{
    assert(full->line_count >= 2 && full->line_count <= BOOKING_LINES_MAX);
    sqlite3_stmt *s = st->writer.stmt[SQL_SELECT_LINES];
    sqlite3_bind_int64(s, 1, seq);
    uint32_t next = 1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && next < full->line_count) {
        if ((uint32_t)sqlite3_column_int(s, 0) != next)
            break;
        const char *rid = (const char *)sqlite3_column_text(s, 1);
        bk_store_copy_id(st->tx_lines[next].resource_id, rid ? rid : "",
                         rid ? (size_t)sqlite3_column_bytes(s, 1) : 0);
        st->tx_lines[next].units = (uint64_t)sqlite3_column_int64(s, 2);
        st->tx_line_live[next] = sqlite3_column_int(s, 3) != 0;
        next++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return bk_sqlite_reason(rc);
    /* Every line was written with its record, in order: anything else is a bug. */
    return rc == SQLITE_DONE && next == full->line_count ? BOOKING_REASON_OK
                                                        : BOOKING_REASON_INTERNAL;
}

/* Line i of the record being changed: its resource and units. */
static const char *change_line_rid(const sqlite_store *st, const booking_record *full, size_t i)
{
    return i == 0 ? full->resource_id : st->tx_lines[i].resource_id;
}

static uint64_t change_line_units(const sqlite_store *st, const booking_record *full, size_t i)
{
    return i == 0 ? full->units : st->tx_lines[i].units;
}

/* The resources of one change, line by line: touched[i] tells whether line i's
 * resource was read (with its due holds released, *released[i] whether booked
 * moved by that), into state[i]. */
typedef struct change_lines {
    size_t count;
    bool touched[BOOKING_LINES_MAX];
    bool released[BOOKING_LINES_MAX];
    core_resource state[BOOKING_LINES_MAX];
} change_lines;

/* Applies a cancel's or a confirm's decision d to the record (and the counters
 * read into cl) inside the open transaction. */
static booking_reason apply_change(sqlite_store *st, int64_t seq,
                                   const core_change_decision *d, const booking_record *full,
                                   change_lines *cl)
{
    sqlite_conn *c = &st->writer;
    booking_reason r = BOOKING_REASON_OK;
    if (d->write_status) {
        sqlite3_stmt *s = c->stmt[SQL_CHANGE_STATUS];
        sqlite3_bind_int64(s, 1, seq);
        sqlite3_bind_int(s, 2, (int)d->status);
        sqlite3_bind_int64(s, 3, st->tx_now);
        r = step_done(s);
        /* The record was active or held as read, under this lock: it changes. */
        if (r == BOOKING_REASON_OK && sqlite3_changes(c->db) != 1)
            r = BOOKING_REASON_INTERNAL;
        st->tx_changed = true;
    }
    if (r == BOOKING_REASON_OK && d->unindex_hold && cl->count > 1) {
        /* Line 0 left the index with the status; lines 1.. leave theirs. A live
         * hold has every line live: they all end at one time, not yet come. */
        sqlite3_stmt *s = c->stmt[SQL_UNINDEX_LINES];
        sqlite3_bind_int64(s, 1, seq);
        r = step_done(s);
        if (r == BOOKING_REASON_OK && (size_t)sqlite3_changes(c->db) != cl->count - 1)
            r = BOOKING_REASON_INTERNAL;
    }
    for (size_t i = 0; i < cl->count && r == BOOKING_REASON_OK; i++) {
        assert(cl->touched[i] || !d->release_lines);
        if (!cl->touched[i])
            continue;
        /* Each line's units are part of its own resource's booked, (7): no wrap. */
        uint64_t release = d->release_lines ? change_line_units(st, full, i) : 0;
        assert(release <= cl->state[i].booked);
        cl->state[i].booked -= release;
        if (cl->released[i] || d->release_lines) {
            const char *rid = change_line_rid(st, full, i);
            r = write_booked(st, rid, strlen(rid), &cl->state[i]);
        }
    }
    return r;
}

/* A cancel or a confirm: one body, two callers (memory.c's shape). A record that
 * is active or held touches every line's resource, each as of now (its due holds
 * released first (7), the record's own line among them if its time has come); a
 * record already marked expired touches the resources of its lines still live,
 * so release_expired applies each line's expiry exactly once, (10). */
/* One change inside the batch's write transaction. On OK, *answer and *out are
 * what the change decided; any other return fails the whole batch. */
static booking_reason change_one(sqlite_store *st, const char *booking_id, core_change_fn decide,
                                 booking_reason *answer, booking_record *out)
{
    int64_t now = st->tx_now;
    booking_reason r = BOOKING_REASON_OK;
    bool exists = false;
    core_record rec;
    booking_record full;
    change_lines cl;
    cl.count = 0;
    core_change_decision d = {0};
    size_t id_len = strlen(booking_id);
    int64_t seq = 0;
    r = writer_find_seq(st, booking_id, id_len, bk_sqlite_index_hash(&st->index, booking_id, id_len),
                        &seq);
    if (r == BOOKING_REASON_OK && seq != 0)
        r = load_record(&st->writer, seq, booking_id, NULL, &exists, &rec, &full);
    bool counted = exists && (rec.status == BOOKING_STATUS_ACTIVE ||
                              rec.status == BOOKING_STATUS_HELD);
    if (r == BOOKING_REASON_OK && exists) {
        cl.count = full.line_count;
        if (full.line_count > 1 && (counted || rec.status == BOOKING_STATUS_EXPIRED))
            r = load_later_lines(st, seq, &full);
    }
    for (size_t i = 0; i < cl.count && r == BOOKING_REASON_OK; i++) {
        /* Line 0 counts while the record is active or held; a line 1.. while the
         * record is active or the line is live (sqlite_schema.c, version 3). */
        cl.touched[i] = counted || (i > 0 && rec.status == BOOKING_STATUS_EXPIRED &&
                                    st->tx_line_live[i]);
        cl.released[i] = false;
        if (!cl.touched[i])
            continue;
        bool res_exists = false;
        r = load_resource_at_now(st, change_line_rid(st, &full, i), &res_exists, &cl.state[i],
                                 &cl.released[i]);
        if (r == BOOKING_REASON_OK && !res_exists)
            r = BOOKING_REASON_INTERNAL; /* a record is made only for known resources */
    }
    if (r == BOOKING_REASON_OK) {
        d = decide(exists ? &rec : NULL, now);
        assert(!d.release_lines || d.write_status);
        assert(!d.write_status || counted);
        /* A hold found expired was released by the steps above, not here. */
        assert(!d.release_expired || rec.status != BOOKING_STATUS_HELD || cl.released[0]);
        r = apply_change(st, seq, &d, &full, &cl);
    }
    if (r != BOOKING_REASON_OK)
        return r;
    if (out != NULL && exists) {
        *out = full;
        if (d.write_status) {
            out->status = d.status;
            out->updated_at_ms = now;
        } else {
            bk_sqlite_record_as_of(&rec, now, out);
        }
    }
    *answer = d.reason;
    return BOOKING_REASON_OK;
}

/* Every change of the batch in one write transaction, one sync, (2) and (6). */
static void sqlite_change_batch(booking_store *store, const booking_change *changes, size_t count,
                                booking_reason *reasons, booking_record *records)
{
    sqlite_store *st = (sqlite_store *)store;
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    booking_reason r = write_begin(st, true); /* on failure it has ended the transaction */
    if (r == BOOKING_REASON_OK) {
        for (size_t i = 0; i < count && r == BOOKING_REASON_OK; i++)
            r = change_one(st, changes[i].booking_id, bk_core_change_rule(changes[i].kind),
                           &reasons[i], records ? &records[i] : NULL);
        r = write_end(st, r);
    }
    if (r != BOOKING_REASON_OK) {
        for (size_t i = 0; i < count; i++)
            reasons[i] = r;
    }
}

/* ---- reads, (4) and (9) ---- */

static booking_reason sqlite_get_resource(booking_store *store, const char *resource_id,
                                          booking_resource *out)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    assert(out != NULL); /* the library always passes one to get_resource */
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    sqlite3_stmt *s = c->stmt[SQL_READ_RESOURCE_AT];
    sqlite3_bind_text(s, 1, resource_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, bk_store_now(store));
    int rc = sqlite3_step(s);
    bool exists = rc == SQLITE_ROW;
    core_resource state = {0};
    int64_t now = 0;
    if (exists) {
        state.capacity = (uint64_t)sqlite3_column_int64(s, 0);
        state.booked = (uint64_t)sqlite3_column_int64(s, 1);
        now = sqlite3_column_int64(s, 2);
        /* Its due lines 0 and its due lines 1.. of bundles, (10). */
        uint64_t due = (uint64_t)sqlite3_column_int64(s, 3) + (uint64_t)sqlite3_column_int64(s, 4);
        /* Every read of the counters; the due holds' units are part of booked. */
        assert(bk_core_resource_consistent(&state) && due <= state.booked);
        state.booked -= due;
        rc = sqlite3_step(s);
    }
    sqlite3_reset(s);
    bk_sqlite_conn_unlock(c);
    if (rc != SQLITE_DONE)
        return bk_sqlite_reason(rc);
    if (!exists)
        return BOOKING_REASON_UNKNOWN_RESOURCE;
    bk_store_observe_time(store, now);
    bk_store_copy_id(out->resource_id, resource_id, strlen(resource_id));
    out->capacity = state.capacity;
    out->booked = state.booked;
    out->as_of_ms = now;
    return BOOKING_REASON_OK;
}

/* Lines 1..n-1 of a record into lines[1..n), one indexed range read on the
 * reader, inside the snapshot of the record's read (its statement is still at
 * its row), (10). */
static int read_later_lines(sqlite_conn *c, int64_t seq, booking_record_line *lines, size_t n)
{
    assert(n >= 2 && n <= BOOKING_LINES_MAX);
    sqlite3_stmt *s = c->stmt[SQL_READ_LINES];
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int(s, 2, (int)n);
    size_t next = 1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *rid = (const char *)sqlite3_column_text(s, 1);
        if ((size_t)sqlite3_column_int(s, 0) != next || rid == NULL)
            break;
        bk_store_copy_id(lines[next].resource_id, rid, (size_t)sqlite3_column_bytes(s, 1));
        lines[next].units = (uint64_t)sqlite3_column_int64(s, 2);
        next++;
    }
    sqlite3_reset(s);
    if (rc == SQLITE_DONE && next != n)
        rc = SQLITE_CORRUPT; /* a line written with its record is missing */
    return rc == SQLITE_ROW ? SQLITE_CORRUPT : rc;
}

/* The reader's lookup, inside its read transaction: the index, and on a miss the
 * records of this snapshot it lacks (a catch-up), then the index again, (11).
 * The hash is taken under the index's lock, and again after the catch-up: a
 * catch-up of an empty index may load the file's snapshot, whose seed becomes
 * the index's (a read is a new handle's first need in a CLI `booking get`). */
static booking_reason reader_find_seq(sqlite_store *st, const char *booking_id, int64_t *seq)
{
    size_t len = strlen(booking_id);
    bk_sqlite_index_lock(&st->index);
    uint64_t hash = bk_sqlite_index_hash(&st->index, booking_id, len);
    booking_reason r = find_seq(st, &st->reader, booking_id, len, hash, seq);
    if (r == BOOKING_REASON_OK && *seq == 0) {
        int64_t before = st->index.latest;
        r = index_catch_up(st, &st->reader);
        hash = bk_sqlite_index_hash(&st->index, booking_id, len);
        if (r == BOOKING_REASON_OK && st->index.latest != before)
            r = find_seq(st, &st->reader, booking_id, len, hash, seq);
    }
    bk_sqlite_index_unlock(&st->index);
    return r;
}

static booking_reason sqlite_get_booking(booking_store *store, const char *booking_id,
                                         booking_record *out, booking_record_line *lines,
                                         size_t lines_cap)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    assert(out != NULL); /* the library always passes one to get_booking */
    assert(lines_cap <= BOOKING_LINES_MAX && (lines != NULL || lines_cap == 0));
    booking_reason r = bk_sqlite_read_begin(c);
    if (r != BOOKING_REASON_OK)
        return r;
    int64_t seq = 0;
    r = reader_find_seq(st, booking_id, &seq);
    if (r != BOOKING_REASON_OK || seq == 0) {
        bk_sqlite_read_end(c);
        return r != BOOKING_REASON_OK ? r : BOOKING_REASON_UNKNOWN_BOOKING;
    }
    sqlite3_stmt *s = c->stmt[SQL_READ_BOOKING_AT];
    sqlite3_bind_int64(s, 1, seq);
    sqlite3_bind_int64(s, 2, bk_store_now(store));
    int rc = sqlite3_step(s);
    bool exists = rc == SQLITE_ROW;
    core_record rec;
    int64_t now = 0;
    if (exists) {
        bk_sqlite_record_of_row(s, booking_id, NULL, &rec, out);
        now = sqlite3_column_int64(s, 10);
        size_t n = out->line_count < lines_cap ? out->line_count : lines_cap;
        if (n >= 1) {
            memcpy(lines[0].resource_id, out->resource_id, sizeof lines[0].resource_id);
            lines[0].units = out->units;
        }
        /* Only a bundle read with room for more lines costs a second read. */
        int lrc = n >= 2 ? read_later_lines(c, seq, lines, n) : SQLITE_DONE;
        rc = lrc == SQLITE_DONE ? sqlite3_step(s) : lrc;
    }
    sqlite3_reset(s);
    bk_sqlite_read_end(c);
    if (rc != SQLITE_DONE)
        return bk_sqlite_reason(rc);
    if (!exists)
        return BOOKING_REASON_INTERNAL; /* confirmed by the index in this snapshot */
    bk_store_observe_time(store, now);
    bk_sqlite_record_as_of(&rec, now, out);
    return BOOKING_REASON_OK;
}

static booking_reason sqlite_ping(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    booking_reason r = bk_sqlite_conn_lock(c);
    if (r != BOOKING_REASON_OK)
        return r;
    sqlite3_stmt *s = c->stmt[SQL_PING];
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    booking_reason moved = bk_sqlite_file_moved(c->db);
    bk_sqlite_conn_unlock(c);
    if (rc != SQLITE_ROW)
        return bk_sqlite_reason(rc);
    if (moved != BOOKING_REASON_OK)
        return moved;
    /* "Can commit" includes the booking_id index of (11): built here on its
     * first need, so a service that pings before it listens (booking serve)
     * does not make its first attempt wait for the build. */
    return ensure_index(st); /* takes the writer connection for the build */
}

/* Makes a backup durable: SQLite does not sync what VACUUM INTO wrote, so the
 * file, then its directory entry, are synced here before the backup is reported. */
static bool sync_new_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    bool ok = fd >= 0 && fsync(fd) == 0;
    if (fd >= 0)
        close(fd);
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ok = ok && dfd >= 0 && fsync(dfd) == 0;
    if (dfd >= 0)
        close(dfd);
    return ok;
}

/* booking_store_backup: VACUUM INTO on the reader connection, one read
 * transaction, so the copy is exactly the committed state when it began and no
 * writer waits for it. The file is created here first, exclusively (VACUUM INTO
 * accepts an empty file), so an existing file is never touched and a copy that
 * fails part way can be removed: a file at path is always a whole backup. */
static booking_error sqlite_backup(booking_store *store, const char *path, char *errbuf,
                                   size_t errbuf_len)
{
    sqlite_store *st = (sqlite_store *)store;
    sqlite_conn *c = &st->reader;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        bk_store_error(errbuf, errbuf_len, "cannot create %s: %s%s", path, strerror(errno),
                       errno == EEXIST ? " (a backup is written to a new file)" : "");
        return BOOKING_EBACKUP;
    }
    close(fd);
    booking_error e = BOOKING_OK;
    if (bk_sqlite_conn_lock(c) != BOOKING_REASON_OK) {
        bk_store_error(errbuf, errbuf_len, "the store's read connection is not available");
        e = BOOKING_EBACKUP;
    } else {
        sqlite3_stmt *s = NULL;
        int rc = sqlite3_prepare_v2(c->db, "VACUUM INTO ?1", -1, &s, NULL);
        if (rc == SQLITE_OK)
            rc = sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC);
        if (rc == SQLITE_OK)
            rc = sqlite3_step(s);
        if (rc != SQLITE_DONE) {
            bk_store_error(errbuf, errbuf_len, "backup to %s failed: %s", path,
                           sqlite3_errmsg(c->db));
            e = BOOKING_EBACKUP;
        }
        sqlite3_finalize(s);
        bk_sqlite_conn_unlock(c);
    }
    if (e == BOOKING_OK && !sync_new_file(path)) {
        bk_store_error(errbuf, errbuf_len, "backup to %s could not be synced: %s", path,
                       strerror(errno));
        e = BOOKING_EBACKUP;
    }
    if (e != BOOKING_OK)
        unlink(path); /* ours (made above): never leave a part of a copy behind */
    return e;
}

/* (9): the latest time this handle used, reads included, into the file, so a
 * reopen goes on from it. Best effort: a close cannot fail, and a file that is
 * locked or read-only keeps the time of its last write. */
static void remember_time(sqlite_store *st)
{
    int64_t latest = __atomic_load_n(&st->base.latest_ms, __ATOMIC_RELAXED);
    if (latest <= 0 || write_begin(st, false) != BOOKING_REASON_OK)
        return;
    st->tx_changed = st->tx_latest < latest;
    st->tx_now = latest > st->tx_now ? latest : st->tx_now;
    write_end(st, BOOKING_REASON_OK);
}

/* (11): the index's snapshot into the file, replacing the one there, when the
 * index holds at least snapshot_growth_min records more (or the one there failed
 * a check). Its own transaction, after remember_time's, so a failure (a full
 * disk, a busy file) rolls back only this: counted, noted, and the file keeps
 * its previous snapshot, stale but sound (the next open catches up from it). */
static void snapshot_at_close(sqlite_store *st)
{
    /* A handle that never needed the index (a CLI read) holds none (latest 0). */
    bk_sqlite_index_lock(&st->index);
    int64_t latest = st->index.latest, loaded = st->snapshot_loaded;
    int64_t rejected = st->snapshot_rejected;
    bk_sqlite_index_unlock(&st->index);
    if (latest < st->snapshot_growth_min || (rejected == 0 && latest - loaded < st->snapshot_growth_min))
        return;
    booking_reason r = write_begin(st, false);
    if (r != BOOKING_REASON_OK) {
        __atomic_add_fetch(&snapshot_failures, 1, __ATOMIC_RELAXED);
        bk_store_note_error("sqlite: the booking_id index snapshot was not written: %s",
                            booking_reason_name(r));
        return;
    }
    int64_t there = 0;
    int rc = bk_sqlite_index_snapshot_latest(st->writer.db, &there);
    /* The one this handle rejected, still there (its seq says nothing), or an
     * older one than the index by the threshold. */
    bool wanted = rc == SQLITE_OK && ((rejected != 0 && there == rejected) ||
                                      latest - there >= st->snapshot_growth_min);
    if (rc == SQLITE_OK && wanted) {
        bk_sqlite_index_lock(&st->index);
        rc = bk_sqlite_index_snapshot_write(&st->index, st->writer.db);
        bk_sqlite_index_unlock(&st->index);
    }
    r = write_end(st, rc == SQLITE_OK ? BOOKING_REASON_OK : bk_sqlite_reason(rc));
    if (r != BOOKING_REASON_OK) {
        __atomic_add_fetch(&snapshot_failures, 1, __ATOMIC_RELAXED);
        bk_store_note_error("sqlite: the booking_id index snapshot was not written: %s",
                            rc != SQLITE_OK ? sqlite3_errstr(rc) : booking_reason_name(r));
    }
}

static void sqlite_close(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    if (st->writer.db != NULL)
        remember_time(st);
    if (st->writer.db != NULL)
        snapshot_at_close(st);
    bk_sqlite_list_cursors_free(&st->cursors);
    bk_sqlite_conn_close(&st->reader);
    bk_sqlite_conn_close(&st->writer);
    bk_overlay_free(&st->overlay);
    bk_id_table_free(&st->pending);
    bk_sqlite_index_free(&st->index);
    bk_sqlite_key_cache_free(&st->keys);
    free(st);
}

static const store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sqlite_close,
    .attempt_batch = sqlite_attempt_batch,
    .set_capacity = sqlite_set_capacity,
    .change_batch = sqlite_change_batch,
    .get_resource = sqlite_get_resource,
    .get_booking = sqlite_get_booking,
    .list_resources = bk_sqlite_list_resources,
    .list_bookings = bk_sqlite_list_bookings,
    .ping = sqlite_ping,
    .backup = sqlite_backup,
};

int64_t bk_sqlite_store_seals_from_memory(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    if (bk_sqlite_conn_lock(&st->writer) != BOOKING_REASON_OK)
        return -1;
    int64_t n = st->seals_from_memory;
    bk_sqlite_conn_unlock(&st->writer);
    return n;
}

uint64_t bk_sqlite_store_index_rows_read(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    bk_sqlite_index_lock(&st->index);
    uint64_t n = st->index.rows_read;
    bk_sqlite_index_unlock(&st->index);
    return n;
}

int64_t bk_sqlite_store_index_snapshot_loaded(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    bk_sqlite_index_lock(&st->index);
    int64_t n = st->snapshot_loaded;
    bk_sqlite_index_unlock(&st->index);
    return n;
}

void bk_sqlite_store_set_index_snapshot_growth(booking_store *store, int64_t records)
{
    assert(records >= 1);
    ((sqlite_store *)store)->snapshot_growth_min = records;
}

uint64_t bk_sqlite_index_snapshot_failures(void)
{
    return __atomic_load_n(&snapshot_failures, __ATOMIC_RELAXED);
}

int64_t bk_sqlite_store_indexed(booking_store *store)
{
    sqlite_store *st = (sqlite_store *)store;
    bk_sqlite_index_lock(&st->index);
    int64_t latest = st->index.latest;
    bk_sqlite_index_unlock(&st->index);
    return latest;
}

booking_error bk_sqlite_store_open(const char *url, const char *location, booking_store **out,
                                char *errbuf, size_t errbuf_len)
{
    assert(url != NULL && location != NULL && out != NULL);
    sqlite_options opts;
    booking_error e = bk_sqlite_options_parse(url, location, &opts, errbuf, errbuf_len);
    if (e != BOOKING_OK)
        return e;
    sqlite_store *st = calloc(1, sizeof *st);
    /* A batch may touch up to one resource per line. */
    if (st == NULL || !bk_overlay_init(&st->overlay, BOOKING_BATCH_LINES_MAX)) {
        free(st);
        return BOOKING_ENOMEM;
    }
    if (!bk_sqlite_index_init(&st->index) || !bk_id_table_init(&st->pending, BOOKING_BATCH_MAX)) {
        bk_sqlite_index_free(&st->index);
        bk_overlay_free(&st->overlay);
        free(st);
        return BOOKING_ENOMEM;
    }
    bk_sqlite_key_cache_init(&st->keys); /* holds nothing: the first write begins it */
    st->snapshot_growth_min = SQLITE_INDEX_SNAPSHOT_GROWTH_MIN;
    st->base.ops = &sqlite_ops;
    /* The writer opens first: it creates and migrates the schema. */
    e = bk_sqlite_conn_open(&st->writer, &opts, true, errbuf, errbuf_len);
    if (e == BOOKING_OK)
        e = bk_sqlite_conn_open(&st->reader, &opts, false, errbuf, errbuf_len);
    if (e != BOOKING_OK) {
        sqlite_close(&st->base);
        return e;
    }
    *out = &st->base;
    return BOOKING_OK;
}
