/* SPDX-License-Identifier: MIT */
/*
 * memory.c: the in-process store ("memory:"). Not durable; for tests, embedding
 * and measuring the core. Thread-safe without a global lock.
 *
 * NOTES ON THE DESIGN
 *  (1) Two sharded hash tables: decision records by booking_id, resources by
 *      resource_id. Each shard has its own mutex, arena and open-addressed
 *      table of (hash, node) slots (memory_table.h); the top hash bits pick the
 *      shard.
 *  (2) Lock order: the booking shard first, then the resource shards of every
 *      line of the attempt or record (a bundle names up to 64 resources, SPEC
 *      section 8), in ascending shard index, each distinct shard once (a 64-bit
 *      set of shards, taken lowest bit first). An attempt or a cancel holds them
 *      all while it changes the record and the counters, so anyone who takes the
 *      locks sees booked == sum of active BOOKED units on each resource.
 *      Why it cannot deadlock: every thread holds at most one booking shard,
 *      takes it before any resource shard, and takes resource shards only in
 *      ascending index (set_capacity and get_resource take one resource shard,
 *      get_booking one booking shard, list_bookings one resource shard,
 *      list_resources every resource shard). The resource index's lock (9) is
 *      taken last of all, by set_capacity under one resource shard, and nothing
 *      is taken while it is held. So all locks are taken in one total order
 *      (booking shards, then resource shards 0..63), and a wait-for cycle would
 *      need some thread to take a lock below one it holds. The SPEC asks for an
 *      order by resource id; the shard index is the same idea at the grain of
 *      the lock (two resources of one shard share a lock, taken once).
 *  (3) Nothing is ever freed before close: records stay decided forever and a
 *      record points at its resources, so both live in arenas (no free lists).
 *      An arena grows by chunks: malloc'd ones, and the shard's own table's old
 *      halves, which a move that ends hands over (memory_table.h (8)) with
 *      their pages already resident; blocks are aligned to 8
 *      (MEMORY_ARENA_ALIGN), what the widest field needs. Every chunk (of
 *      2 MiB at most) has an index in the shard's mem_node_dir, by which the
 *      shard's table names a node in 32 bits (memory_table.h (1)); a shard
 *      has at most MEMORY_NODE_CHUNKS_MAX - 1 chunks, 32 GiB, past which its
 *      arena refuses as if out of memory (4).
 *      A record is one block: the record (line 0 in its resource and units),
 *      lines 1.. (a bundle's, in order), a held record's hold entries (one per
 *      line), the ids of lines whose resource was unknown (only after the
 *      failing line of a REJECTED record), then the booking_id. Nothing in it
 *      points into it: a node finds its id by an offset (memory_table.h), a
 *      record its hold entries by where they are (record_holds: a record
 *      decided BOOKED with a hold_ms has them). A single attempt that is not a
 *      hold costs the record (48 bytes) and its id.
 *  (4) The only failure is running out of memory. The block of a new record,
 *      its table slot and a heap slot on each held line's resource are reserved
 *      before any counter changes, so an attempt is all or nothing.
 *      A batch is decided in order; it is not isolated from concurrent callers,
 *      which the SPEC does not require of a store that cannot fail a commit.
 *  (5) Tables are open-addressed, at most half full, doubling as they fill a few
 *      buckets per insert, never all at once (memory_table.h). Room for a new
 *      record (its node and its slot) is made before the decision is applied; if
 *      there is none the attempt is FAILED internal and nothing changed.
 *  (6) Cost: a new booking_id is one cache miss on its slot (a batch prefetches
 *      the next ones' slots, in both tables during a move) plus fresh memory for
 *      its record; on the development VMs the kernel's page faults on that fresh
 *      memory were the largest single cost (2 to 8 us per 4 KiB page). Measured
 *      at 4M UUIDv4 decisions on one resource (peak RSS / decisions), 167 bytes
 *      of resident memory per decision: 88 the record and its id in the arena
 *      (112 while a record pointed at its id and its hold entries and the arena
 *      aligned to 16), ~32 the table's slots (2 to 4 slots of 8 bytes; 4M is
 *      just after most tables doubled; 64 with 16-byte slots), ~32 the listing
 *      index (9), and what a move holds for a while: the next table written
 *      ahead (memory_table.h (7)), old halves not yet used up as arena chunks
 *      (3). At 3M, 143 (was 189); at 5M, 156 (was 195). Faults: 161k at 4M;
 *      they were 365k, when a lookup that read an untouched page of a new
 *      table faulted twice (memory_table.h (7)), old tables went back to the
 *      kernel while the arena faulted in new pages, and slots were 16 bytes.
 *      Huge pages would fault 512 times less
 *      often, but asked for with MADV_HUGEPAGE they made the kernel compact
 *      memory inside the fault (defrag=madvise): calls of 8192 attempts stalled
 *      for 80 to 150 ms, the stop-the-world this store must not have; so the
 *      store asks for none. Asked for on the tables alone (2026-12-03, with
 *      21 GB free), they took a quarter of the user time off (the page walks
 *      of the slot prefetches, below) and a fifth off the p50 per call, but
 *      added 60% system time and 1.5-2x to the p99 per call (3 alternated
 *      runs, loaded machine): not kept either. Pre-faulting instead (MAP_POPULATE on the arena's
 *      chunks and the tables' growth) was measured and not kept: 18% fewer
 *      faults and less system time, but the calls that grow a table then
 *      fault in megabytes at once (p999 9-13x p50 against 4x without, on a
 *      loaded machine) and the tables' unused halves become resident (+80 MB
 *      at 4M). Nor was faulting the arena in 64 KiB ahead of use, one
 *      MADV_POPULATE_WRITE for 16 pages instead of 16 faults: over 10M
 *      decisions no less system time (1.05 s against 1.00 s) and a lower rate
 *      in 3 alternated runs of 3.
 *      Nor was prefetching, at each allocation, the lines of the arena's next
 *      block (a new record's first write, node_new's memset, waits on its
 *      line: a third of memory_attempt_one's samples): CPU per call the same
 *      within the noise (p50 3.10-4.00 ms against 3.53-4.01 ms, 3 alternated
 *      runs of bench/memory_latency at 10M), while the most faults in one call
 *      doubled (1250-1390 against 660-680), for a reason not found.
 *      Nor was a thread per store, started lazily, that took the faults off
 *      the caller's path (2026-12-04): it kept a pool of 8 arena chunks of
 *      2 MiB ready (2 MiB-aligned, MADV_HUGEPAGE, faulted in by the thread,
 *      handed over under a mutex; an empty pool meant a malloc'd chunk as
 *      here) and faulted in each table's next slots (mapped 2 MiB-aligned)
 *      as soon as they were allocated, where the caller writes them a page at
 *      a time (memory_table.h (7)). bench/memory_latency, 10M, batches of
 *      8192, alternated with this build, 3 pairs each, idle machine (load
 *      0.0-0.6): this build 3.17-3.42 M/s, p50 per call 2.29-2.43 ms, p999/p50
 *      1.7-2.0 (once 5.1), the caller's CPU in calls 2.93-3.16 s, the
 *      process's user+sys 3.19-3.43 s, 371k faults, peak RSS 1.49 GB. With
 *      the thread (arena and tables): 3.88-4.03 M/s, p50 2.00-2.05 ms,
 *      p999/p50 1.9-2.2, the caller's CPU 2.48-2.58 s (-15%), but the
 *      process's 3.93-4.21 s (+22-31%: sys 1.57-1.92 s against 0.51-0.87)
 *      and RSS 1.60 GB (+7%). Tables alone: 3.89-3.97 M/s, process 3.74-3.98
 *      s (+9-18%), RSS 1.58-1.60 GB. On the loaded machine (load 7-9, 3 pairs)
 *      no gain in rate (1.02-1.82 M/s against 1.05-1.70) for the same extra
 *      CPU: the thread takes it from the caller's share of two shared cores.
 *      The extra system time is the kernel clearing huge pages (31% of a
 *      run's cpu-clock samples in clear_page_erms): on these VMs free
 *      blocks of 2 MiB and more go back to the host (page_reporting_order 9),
 *      so a huge page is memory the host backs anew, where a 4 KiB page
 *      comes back still backed (a test program: 1 GB faulted in 0.16-1.73 s
 *      in huge pages, 0.37-2.55 s in 4 KiB ones, run to run). And those
 *      figures had the thread fault the tables in by writing to them, a race
 *      with the caller's writes; the race-free way, MADV_POPULATE_WRITE,
 *      holds the address space's lock while it clears a huge page, and the
 *      caller's own mmap and munmap (index buffers, chunks) waited on it:
 *      151-208 waits (voluntary context switches) per run against none,
 *      p999/p50 9.8-17.5, 2.79-3.04 M/s. Not kept: the caller's 15% came at
 *      more CPU in all, and the tail target with it only by racing.
 *      What an attempt costs without the memory (callgrind, 1M UUIDv4
 *      decisions, instructions per attempt, the bench's own 400 apart): about
 *      1,500 in all; the listing index 283 (its radix sort 119), the attempt's
 *      own code 326, the decision 66, the id's validation 145, the
 *      table's lookup 77, two mutex pairs 106, the hash 59, the move 50, the
 *      reserve 45, the insert 42, the arena 42: no single cost large enough to
 *      bring an attempt near 100 ns (10M/s on one thread).
 *      Where a batch's time goes (perf record -e cpu-clock, self time, 10M
 *      UUIDv4 decisions on one resource in batches of 8192, 2026-12-03, the
 *      machine loaded, 6 on 2 cores): 34% memory_attempt_batch, nearly all on
 *      the prefetch of the batch's slots (page walks, most likely: the tables
 *      of 10M records span 256 MB of 4 KiB pages); 17% page faults (their
 *      callees); 12% the listing index (9) (merges 5.4%, add 4.0%, radix sort
 *      2.8%); 7.8% memory_attempt_one (the record's first write most of it);
 *      4.5% the bench's own id generator; 4.2% table_move (7.7% before its
 *      prefetch, memory_table.h (3)); 2.4% locks; 1.4% id checks; 1.3% probes.
 *      The clock reading per attempt (4.2-4.5% before, (8)) is gone.
 *  (7) Holds (SPEC sections 7 and 8). A held record keeps status held; from its
 *      expires_at_ms on it reads expired (bk_core_status_at). Each line of a hold
 *      is one entry in its own resource's min-heap of hold entries by expiry;
 *      every operation that takes a resource's lock first pops that resource's
 *      entries whose time has come and releases the live ones (sweep), so each
 *      resource's counter is right as of now and each line is released once.
 *      An entry lives in its record's block (3) but belongs to its resource's
 *      shard: only that lock reads or writes it (its expiry and units are only
 *      read once written). A confirm or cancel of a live hold, holding every
 *      line's lock, marks the entries dead (a heap drops an entry when it reaches
 *      the top); one that finds the hold expired (release_expired) has nothing
 *      left to do: its own sweep of every line's resource, under those locks and
 *      at a time past the end, released each live entry. The one exception is the
 *      first entry's expiry_counted byte, an atomic: whichever line's sweep comes
 *      first counts the hold once in holds_expired (holds, not lines, as the
 *      sqlite and postgres stores count the records their expiry steps mark).
 *  (8) The store's time never goes back (bk_store_now) and is taken while every
 *      lock of the operation is held, so sweeps of one resource run in time
 *      order: a decision taken at t under the locks never sees a hold that a
 *      sweep at a later time has already released, and a cancel that finds a
 *      bundle live finds every line of it live (all its lines end at one time).
 *      Every operation but a batch of attempts reads the clock under its locks.
 *      A batch reads it once, before its first lock, and each attempt takes,
 *      under its own locks, the store's latest time (bk_store_latest_time):
 *      every reading is recorded there before it is used, and a resource's
 *      lock passes on what its last holder recorded, so the time an attempt
 *      takes is at least every time used on its resources before it, and lies
 *      within the call (no earlier than its reading, no later than the latest
 *      reading of any thread). A batch alone on the store decides at one time,
 *      as the sqlite store decides a transaction (sqlite.c). A reading per
 *      attempt was 4.5% of a batch of 8192 (perf, __vdso_clock_gettime).
 *  (9) Listings (SPEC section 5) are served from indexes (memory_index.h:
 *      sorted runs of (8-byte id prefix, node) keys, an add appended to a tail,
 *      merged a bounded step at a time, LSM-like):
 *      each resource keeps one of every record with a line on it (line 0 or any
 *      line of a bundle whose resource was known at the decision, REJECTED
 *      records included), and the store one of every resource.
 *      Isolation, one snapshot per call: list_bookings holds the resource's
 *      shard lock for the whole page. Every write that a page can see is made
 *      under that lock too: a new record enters the index under every line's
 *      shard lock (4), together with the counters; a status changes (cancel,
 *      confirm) under every line's lock (2); an expiry is computed from the
 *      time, read under the lock (8). So a page is the resource as of one
 *      instant: its records' statuses as of the read's time (bk_core_status_at,
 *      filtered by bk_core_list_filter_keeps), consistent with its booked.
 *      list_resources holds every resource shard's lock, in order (2): no
 *      resource is created (set_capacity writes the index under its shard's
 *      lock and the index lock) and no counter changes during the page, each
 *      resource read as get_resource reads it (due holds swept) at one time.
 *      It pauses every writer for the page (~1000 resources read); the
 *      road not taken, a lock per index, could not give one snapshot of
 *      counters that live under 64 locks.
 *      Cost of a page: one binary search per run (at most two runs per
 *      level, log2(n / MEMORY_INDEX_RUN_KEYS) levels), then a merge of the runs'
 *      cursors, plus the page; a filtered page also walks past the records its
 *      filter drops (there is no index by status: statuses change with time),
 *      at most BOOKING_LIST_SCAN_MAX records examined in all (then it ends
 *      early, store.h), so the shard's lock is held for that many at most
 *      (measured at 1M records on one resource, none kept: 0.5 to 4 ms a page,
 *      where the walk of all 1M under the lock took 130 to 190 ms);
 *      and a read first sorts the index's tail if anything was added since the
 *      last read (at most MEMORY_INDEX_TAIL_MAX keys). Not the records of
 *      other resources.
 *      Cost of an add, on the attempt: an append; a seal every
 *      MEMORY_INDEX_RUN_KEYS adds sorts them and advances every level's merge
 *      by a bounded step (memory_index.h (3)): amortized, ~250 instructions an
 *      add at 1M records on one resource, where the B+tree it replaced cost ~970.
 *      Memory: a record costs 16 bytes per known line in its resources' runs,
 *      plus the merge outputs being written and the pool's spare buffers
 *      (memory_index.h (6)); a resource the same in the resource index plus its
 *      tail (8 to MEMORY_INDEX_TAIL_MAX entries of 16 bytes).
 *      A REJECTED bundle's line whose resource did not exist at the decision
 *      (after the failing line) waits as an orphan in that id's resource shard
 *      (an index of its own, keyed "<resource_id> <booking_id>", under that
 *      shard's lock, which the attempt holds); set_capacity, creating the
 *      resource, moves that run into its index before anyone can see it, so
 *      the resource lists every record that names it, as a store that keeps
 *      lines by resource id does. Cost: one node a line, in the arena.
 *  (10) A batch remembers the resource of its last new attempt's line 0 (a
 *      memo, on the caller's stack for one call): the next attempt whose line 0
 *      names the same id (one strcmp) takes its length, hash and node from it
 *      instead of a strlen, a hash and a lookup under the shard's lock. Sound
 *      because a resource is never removed or moved (3) and its id and hash
 *      never change once it is in its table, where this thread found it under
 *      that lock; its counters are still read under the lock, as (8) wants.
 *      A batch on one hot resource (the flash sale) hashes and finds it once;
 *      a batch over many resources pays the strcmp, which stops at the first
 *      byte that differs.
 */
#include "store/store.h"
#include "store/memory_index.h"
#include "store/memory_table.h"
#include "core/decide.h"
#include "core/names.h"
#include "util/hash.h"

#include <assert.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define MEMORY_SHARD_COUNT 64 /* power of two; more shards, less contention */
#define MEMORY_ARENA_FIRST_CHUNK_BYTES ((size_t)16 << 10)
#define MEMORY_ARENA_CHUNK_BYTES_MAX ((size_t)2 << 20)
#define MEMORY_ARENA_ALIGN 8 /* what every block of the arena needs, no more: (6) */
#define MEMORY_PREFETCH_DISTANCE 8 /* attempts ahead whose slot a batch prefetches */
#define MEMORY_SHARD_HASH_SHIFT 58  /* the top 64 - 58 = 6 bits of a hash pick the shard */
/* Inlined into each caller, so that a caller that passes a constant line count
 * (1: the single form) gets loops and sizes that fold away. */
#define MEMORY_INLINE static inline __attribute__((always_inline))

_Static_assert((MEMORY_SHARD_COUNT & (MEMORY_SHARD_COUNT - 1)) == 0, "a power of two");
_Static_assert(MEMORY_SHARD_COUNT <= (1u << (64 - MEMORY_SHARD_HASH_SHIFT)),
               "the shard bits of a hash reach every shard");
_Static_assert(MEMORY_ARENA_FIRST_CHUNK_BYTES <= MEMORY_ARENA_CHUNK_BYTES_MAX, "chunks only grow");
_Static_assert(BOOKING_REASON_INTERNAL <= UINT8_MAX && BOOKING_FAILED <= UINT8_MAX &&
                   BOOKING_STATUS_CANCELLED <= UINT8_MAX,
               "a record keeps its outcome, reason and status in a byte each");
_Static_assert(2 * BOOKING_ID_LEN_MAX + 1 <= MEMORY_NODE_ID_LEN_MAX,
               "mem_node.id_len holds any id and any orphan's key");
_Static_assert(MEMORY_SHARD_COUNT <= 64, "a uint64_t names a set of shards, (2)");
_Static_assert(BOOKING_LINES_MAX <= UINT8_MAX, "mem_record.line_count, .line and mem_hold.line");
_Static_assert(BOOKING_LINES_MAX - 1 <= MEMORY_INDEX_ROOM_MAX,
               "a bundle's unknown lines fit one orphan index's room (index_reserve)");

/* A live or dead hold entry of one line on its resource, (7). In its record's
 * block, (3), one per line; read and written under its resource's shard lock. */
typedef struct mem_hold {
    int64_t expires_at_ms;
    uint64_t units;
    bool live;      /* its units are in booked; false once confirmed, cancelled or expired */
    uint8_t line;   /* its line in the record: the record's first entry is this - line */
    uint8_t expiry_counted; /* first entry only, atomic: a line's sweep counted the hold */
} mem_hold;

typedef struct mem_resource {
    mem_node node;
    uint64_t hash; /* finds the shard of a record's resource (cancel) */
    uint64_t capacity;
    uint64_t booked;
    mem_hold **holds; /* min-heap by expires_at_ms, malloc'd; NULL until the first hold */
    uint32_t hold_count;
    uint32_t hold_cap;
    mem_index bookings; /* every record with a line on it, by booking_id, (9) */
} mem_resource;

/* Line 1.. of a record, in its block just after the record, (3). */
typedef struct mem_line {
    mem_resource *resource; /* NULL: unknown at the decision (only after the failing
                               line of a REJECTED record, which never changes) */
    const char *unknown_id; /* resource NULL: the line's resource_id, in the block */
    uint64_t units;
} mem_line;

typedef struct mem_record {
    mem_node node;
    mem_resource *resource; /* line 0's: always known (an unknown line 0 is not recorded) */
    uint64_t units;         /* line 0's */
    int64_t created_at_ms;
    int64_t updated_at_ms;
    uint32_t hold_ms;   /* 0: not a hold (BOOKING_HOLD_MS_MAX fits) */
    uint8_t line_count; /* 1..BOOKING_LINES_MAX; lines 1.. follow the record */
    uint8_t line;       /* a REJECTED record's failing line; else 0 */
    /* A hold's entries, one per line, follow lines 1.. in the block (3): found
     * where they are (record_holds), not pointed at. */
} mem_record;

_Static_assert(BOOKING_HOLD_MS_MAX <= UINT32_MAX, "mem_record.hold_ms holds any hold_ms");
_Static_assert(_Alignof(mem_record) <= MEMORY_ARENA_ALIGN &&
                   _Alignof(mem_line) <= MEMORY_ARENA_ALIGN &&
                   _Alignof(mem_hold) <= MEMORY_ARENA_ALIGN &&
                   _Alignof(mem_resource) <= MEMORY_ARENA_ALIGN,
               "the arena's alignment is enough for every block in it");
_Static_assert(sizeof(mem_record) % _Alignof(mem_line) == 0 &&
                   sizeof(mem_line) % _Alignof(mem_hold) == 0,
               "lines follow the record and hold entries the lines, aligned, (3)");
_Static_assert(sizeof(void *) != 8 || sizeof(mem_record) == 48,
               "every byte of a record is a byte per booking, (6)");

/* The largest block of a record, (3): it must fit one arena chunk. */
#define MEMORY_RECORD_BLOCK_BYTES_MAX                                                   \
    (sizeof(mem_record) + (BOOKING_LINES_MAX - 1) * sizeof(mem_line) +                  \
     BOOKING_LINES_MAX * sizeof(mem_hold) + (BOOKING_LINES_MAX - 1) * (BOOKING_ID_LEN_MAX + 1) + \
     BOOKING_ID_LEN_MAX + 1)
_Static_assert(MEMORY_RECORD_BLOCK_BYTES_MAX <= MEMORY_ARENA_CHUNK_BYTES_MAX,
               "a record's block fits one arena chunk");
_Static_assert(MEMORY_ARENA_CHUNK_BYTES_MAX <= MEMORY_NODE_CHUNK_BYTES_MAX &&
                   MEMORY_ARENA_ALIGN % MEMORY_NODE_REF_UNIT == 0,
               "every block of a chunk has a table reference (memory_table.h (1))");

#define MEMORY_HOLD_HEAP_INITIAL 16

typedef struct mem_arena_chunk {
    struct mem_arena_chunk *prev;
    size_t used;
    size_t size;
    size_t mapped_bytes; /* a piece of a retired table's mapping, (3): munmap'd; 0: free() */
    uint32_t index;      /* in the shard's mem_node_dir: what table slots name it by */
    alignas(MEMORY_ARENA_ALIGN) unsigned char data[];
} mem_arena_chunk;

typedef struct mem_shard {
    alignas(64) pthread_mutex_t lock;
    mem_table table; /* memory_table.h */
    mem_arena_chunk *arena;
    mem_arena_chunk *arena_spares; /* retired tables, the next chunks, (3) */
    mem_node_dir dir; /* every chunk of the arena, for the table's refs (memory_table.h) */
    mem_index_pool index_pool; /* resource shards: for their resources' bookings, (9) */
    mem_index orphans; /* resource shards: lines on resources unknown at the decision, (9) */
} mem_shard;

/* A record's line whose resource did not exist at the decision (after a REJECTED
 * record's failing line), waiting in that id's resource shard for the resource
 * to be created, (9). Its key is "<resource_id> <booking_id>": the space sorts
 * below every id byte, so one resource's lines are one run of the index. */
typedef struct mem_orphan {
    mem_node node; /* id: the key, just past the struct, in the shard's arena */
    mem_record *rec;
} mem_orphan;

/* node_new and orphan_add place an id just past its node's block, by a 16-bit
 * offset that mem_node_set_id only asserts (not in a Release build). */
_Static_assert(MEMORY_RECORD_BLOCK_BYTES_MAX - (BOOKING_ID_LEN_MAX + 1) <=
                       MEMORY_NODE_ID_OFFSET_MAX &&
                   sizeof(mem_resource) <= MEMORY_NODE_ID_OFFSET_MAX &&
                   sizeof(mem_orphan) <= MEMORY_NODE_ID_OFFSET_MAX,
               "every node's id is within mem_node.id_offset's reach (memory_table.h)");

#define MEMORY_ORPHAN_KEY_SEPARATOR ' ' /* below every byte of an id (SPEC section 3) */

typedef struct memory_store {
    booking_store base;
    uint64_t seed;
    mem_shard records[MEMORY_SHARD_COUNT];
    mem_shard resources[MEMORY_SHARD_COUNT];
    /* Every resource by resource_id, (9): written under the resource's shard lock
     * and this lock (the last of all locks); read under every resource shard's. */
    pthread_mutex_t resource_index_lock;
    mem_index resource_index;
    mem_index_pool resource_index_pool;
} memory_store;

/* ---- arena and tables (callers hold the shard lock) ---- */

/* A new chunk for at least `bytes`: a retired table of the shard's if one is
 * large enough (3), else malloc'd, doubling up to 2 MiB (an idle shard stays
 * small), and given its index in the shard's directory. NULL: out of memory
 * (or the directory is full: MEMORY_NODE_CHUNKS_MAX chunks of 2 MiB at most). */
static mem_arena_chunk *arena_chunk_new(mem_shard *shard, size_t bytes)
{
    mem_arena_chunk *c = shard->arena;
    mem_arena_chunk *spare = shard->arena_spares;
    if (spare != NULL && spare->size >= bytes) {
        shard->arena_spares = spare->prev;
        return spare;
    }
    size_t total = c == NULL ? MEMORY_ARENA_FIRST_CHUNK_BYTES : (sizeof *c + c->size) * 2;
    if (total > MEMORY_ARENA_CHUNK_BYTES_MAX)
        total = MEMORY_ARENA_CHUNK_BYTES_MAX;
    if (total < sizeof *c + bytes)
        total = sizeof *c + bytes;
    mem_arena_chunk *n = malloc(total);
    if (n == NULL)
        return NULL;
    *n = (mem_arena_chunk){.size = total - sizeof *n};
    if (!mem_node_dir_add(&shard->dir, n, &n->index)) {
        free(n);
        return NULL;
    }
    return n;
}

/* `bytes` of the shard's arena; *ref (unless ref is NULL) names them for the
 * shard's table (memory_table.h (1)). NULL: out of memory. */
static void *arena_alloc(mem_shard *shard, size_t bytes, uint32_t *ref)
{
    assert(bytes > 0 && bytes <= MEMORY_ARENA_CHUNK_BYTES_MAX);
    bytes = (bytes + MEMORY_ARENA_ALIGN - 1) & ~(size_t)(MEMORY_ARENA_ALIGN - 1);
    mem_arena_chunk *c = shard->arena;
    if (c == NULL || c->size - c->used < bytes) {
        mem_arena_chunk *n = arena_chunk_new(shard, bytes);
        if (n == NULL)
            return NULL;
        assert(n->used == 0 && n->size >= bytes);
        n->prev = c;
        shard->arena = n;
        c = n;
    }
    unsigned char *p = c->data + c->used;
    c->used += bytes;
    assert(c->used <= c->size);
    if (ref != NULL)
        *ref = mem_node_ref(c->index, (size_t)(p - (unsigned char *)c));
    return p;
}

static void arena_piece_free(void *mem, size_t mapped_bytes)
{
    if (mapped_bytes != 0)
        munmap(mem, mapped_bytes);
    else
        free(mem);
}

/* After an insert into the shard's table: the old table of a move that ended
 * becomes spare chunks of the arena, its pages already resident, (3); a mapped
 * one in pieces of MEMORY_ARENA_CHUNK_BYTES_MAX, which a reference reaches
 * into. Cannot fail: a chunk's header is written into the table's own memory,
 * and a piece the directory has no room for is freed instead. */
static void arena_adopt_retired(mem_shard *shard)
{
    if (__builtin_expect(shard->table.retired == NULL, 1))
        return; /* the common case, without a call */
    size_t bytes;
    bool mapped;
    unsigned char *mem = mem_table_take_retired(&shard->table, &bytes, &mapped);
    if (mem == NULL)
        return;
    _Static_assert(MEMORY_TABLE_INITIAL_SLOTS * sizeof(mem_slot) > sizeof(mem_arena_chunk),
                   "a retired table holds a chunk's header and more");
    _Static_assert(MEMORY_TABLE_MAP_BYTES % MEMORY_ARENA_CHUNK_BYTES_MAX == 0,
                   "a mapped table is whole pieces");
    assert(bytes > sizeof(mem_arena_chunk) && ((uintptr_t)mem & (MEMORY_ARENA_ALIGN - 1)) == 0);
    assert(!mapped || bytes % MEMORY_ARENA_CHUNK_BYTES_MAX == 0);
    size_t piece = mapped ? MEMORY_ARENA_CHUNK_BYTES_MAX : bytes;
    assert(piece <= MEMORY_NODE_CHUNK_BYTES_MAX);
    for (size_t at = 0; at < bytes; at += piece) {
        mem_arena_chunk *n = (mem_arena_chunk *)(mem + at);
        *n = (mem_arena_chunk){.prev = shard->arena_spares, .size = piece - sizeof *n,
                               .mapped_bytes = mapped ? piece : 0};
        if (!mem_node_dir_add(&shard->dir, n, &n->index)) {
            arena_piece_free(n, n->mapped_bytes);
            continue;
        }
        shard->arena_spares = n;
    }
}

/* Inserts the node named ref (absent, room reserved) and takes a retired
 * table, if any. */
static void shard_table_insert(mem_shard *shard, uint64_t hash, uint32_t ref)
{
    mem_table_insert(&shard->table, hash, ref);
    arena_adopt_retired(shard);
}

/* Allocates a node of `size` bytes followed by its id, in the shard's arena. */
MEMORY_INLINE mem_node *node_new(mem_shard *shard, size_t size, const char *id, size_t len,
                                 uint32_t *ref)
{
    assert(size >= sizeof(mem_node) && len >= 1 && len <= BOOKING_ID_LEN_MAX);
    mem_node *n = arena_alloc(shard, size + len + 1, ref);
    if (n == NULL)
        return NULL;
    memset(n, 0, size);
    char *id_at = (char *)n + size;
    memcpy(id_at, id, len);
    id_at[len] = '\0';
    mem_node_set_id(n, id_at, len);
    return n;
}

static size_t shard_index(uint64_t hash)
{
    /* The top bits pick the shard, the low bits the bucket: independent. */
    return hash >> MEMORY_SHARD_HASH_SHIFT & (MEMORY_SHARD_COUNT - 1);
}

static mem_shard *shard_of(mem_shard *shards, uint64_t hash)
{
    return &shards[shard_index(hash)];
}

/* A set of resource shards, bit i for shard i: what a bundle locks, (2). */
typedef uint64_t mem_shard_set;

static mem_shard_set shard_set_of(uint64_t hash)
{
    return (mem_shard_set)1 << shard_index(hash);
}

/* Locks every shard of the set in ascending index, (2): the lowest bit first. */
static void shards_lock(mem_shard *shards, mem_shard_set set)
{
    assert(set != 0);
    for (mem_shard_set s = set; s != 0; s &= s - 1)
        pthread_mutex_lock(&shards[__builtin_ctzll(s)].lock);
}

static void shards_unlock(mem_shard *shards, mem_shard_set set)
{
    assert(set != 0);
    for (mem_shard_set s = set; s != 0; s &= s - 1)
        pthread_mutex_unlock(&shards[__builtin_ctzll(s)].lock);
}

/* ---- holds of a resource, (7) (callers hold the resource's shard lock) ---- */

static void heap_swap(mem_hold **h, size_t a, size_t b)
{
    mem_hold *t = h[a];
    h[a] = h[b];
    h[b] = t;
}

static void heap_sift_up(mem_hold **h, size_t i)
{
    while (i > 0 && h[(i - 1) / 2]->expires_at_ms > h[i]->expires_at_ms) {
        heap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_sift_down(mem_hold **h, size_t count, size_t i)
{
    for (;;) {
        size_t least = i, l = 2 * i + 1, r = l + 1;
        if (l < count && h[l]->expires_at_ms < h[least]->expires_at_ms)
            least = l;
        if (r < count && h[r]->expires_at_ms < h[least]->expires_at_ms)
            least = r;
        if (least == i)
            return;
        heap_swap(h, i, least);
        i = least;
    }
}

/* Makes room for one more hold entry. False: no memory, nothing changed. */
static bool holds_reserve(mem_resource *res)
{
    if (res->hold_count < res->hold_cap)
        return true;
    if (res->hold_cap >= UINT32_MAX / 2)
        return false;
    uint32_t cap = res->hold_cap == 0 ? MEMORY_HOLD_HEAP_INITIAL : res->hold_cap * 2;
    mem_hold **grown = realloc(res->holds, cap * sizeof *grown);
    if (grown == NULL)
        return false;
    res->holds = grown;
    res->hold_cap = cap;
    return true;
}

/* After holds_reserve() returned true: cannot fail. */
static void holds_push(mem_resource *res, mem_hold *hold)
{
    assert(res->hold_count < res->hold_cap);
    res->holds[res->hold_count] = hold;
    heap_sift_up(res->holds, res->hold_count);
    res->hold_count++;
}

/* The expiry step: releases, once, every live hold entry whose time has come by
 * now_ms, and drops dead entries on the way. Returns how many holds it counted
 * expired: a bundle's hold counts once, at the first of its lines released, (7).
 * Cost: O(log n) per entry ever pushed. */
static uint64_t holds_sweep(mem_resource *res, int64_t now_ms)
{
    uint64_t expired = 0;
    while (res->hold_count > 0 && bk_core_hold_expired(res->holds[0]->expires_at_ms, now_ms)) {
        mem_hold *top = res->holds[0];
        if (top->live) {
            assert(top->units <= res->booked);
            res->booked -= top->units;
            top->live = false;
            mem_hold *first = top - top->line;
            assert(first->expires_at_ms == top->expires_at_ms); /* one hold, one end */
            if (__atomic_exchange_n(&first->expiry_counted, 1, __ATOMIC_RELAXED) == 0)
                expired++;
        }
        res->holds[0] = res->holds[--res->hold_count];
        heap_sift_down(res->holds, res->hold_count, 0);
    }
    return expired;
}

/* ---- conversions to the core's and the public structs ---- */

/* Every read of a resource's counters goes through here (the caller holds its
 * shard lock): the invariant of SPEC section 1, paired with resource_written(). */
static core_resource resource_read(const mem_resource *r)
{
    core_resource state = {.capacity = r->capacity, .booked = r->booked};
    assert(bk_core_resource_consistent(&state));
    return state;
}

/* After every write of a resource's counters, under its shard lock. */
static void resource_written(const mem_resource *r)
{
    core_resource state = {.capacity = r->capacity, .booked = r->booked};
    assert(bk_core_resource_consistent(&state));
    (void)state;
}

/* A BOOKED hold's end; a REJECTED attempt that asked for a hold holds nothing. */
static int64_t expires_at_of(const mem_record *r)
{
    bool hold = r->hold_ms != 0 && r->node.outcome == BOOKING_BOOKED;
    return hold ? r->created_at_ms + (int64_t)r->hold_ms : 0;
}

/* One line of a record, however it is kept, (3). */
typedef struct mem_line_view {
    mem_resource *resource; /* NULL: unknown at the decision (a REJECTED record's) */
    const char *id;
    size_t len;
    uint64_t units;
} mem_line_view;

static const mem_line *record_more_lines(const mem_record *r)
{
    return (const mem_line *)(r + 1); /* (3): lines 1.. follow the record */
}

/* A held record's hold entries, (3): lines 1.. and then one entry per line;
 * NULL for a record that held nothing (not a hold, or REJECTED). Whether a
 * record has them is what it was decided as: a hold_ms and BOOKED. */
static mem_hold *record_holds(const mem_record *r)
{
    if (r->hold_ms == 0 || r->node.outcome != BOOKING_BOOKED)
        return NULL;
    return (mem_hold *)(record_more_lines(r) + (r->line_count - 1));
}

static mem_line_view record_line(const mem_record *r, size_t i)
{
    assert(i < r->line_count && r->resource != NULL);
    if (i == 0)
        return (mem_line_view){r->resource, mem_node_id(&r->resource->node),
                               r->resource->node.id_len, r->units};
    const mem_line *l = &record_more_lines(r)[i - 1];
    assert(l->units >= 1 && (l->resource != NULL) != (l->unknown_id != NULL));
    if (l->resource != NULL)
        return (mem_line_view){l->resource, mem_node_id(&l->resource->node),
                               l->resource->node.id_len, l->units};
    return (mem_line_view){NULL, l->unknown_id, strlen(l->unknown_id), l->units};
}

/* The replay rule of SPEC section 8: the same lines in the same order. */
static bool record_lines_equal(const mem_record *r, core_lines want)
{
    if (want.count != r->line_count)
        return false;
    for (size_t i = 0; i < want.count; i++) {
        mem_line_view v = record_line(r, i);
        if (!bk_core_line_equal(&want.at[i], v.id, v.len, v.units))
            return false;
    }
    return true;
}

/* The record for the core; same_lines is the caller's to set (a replay's). */
static core_record core_record_of(const mem_record *r)
{
    assert(r->resource != NULL); /* a record is only made for a known line 0 */
    assert(r->units >= 1 && r->node.outcome != BOOKING_FAILED);
    assert(r->line_count >= 1 && r->line < r->line_count);
    return (core_record){
        .hold_ms = r->hold_ms,
        .outcome = (booking_outcome)r->node.outcome,
        .reason = (booking_reason)r->node.reason,
        .status = (booking_status)r->node.status,
        .expires_at_ms = expires_at_of(r),
        .line = r->line,
    };
}

/* The resource shards of a record's lines, (2): all known (a BOOKED record's). */
static mem_shard_set record_shards(const mem_record *r)
{
    mem_shard_set set = 0;
    for (size_t i = 0; i < r->line_count; i++) {
        mem_line_view v = record_line(r, i);
        assert(v.resource != NULL);
        set |= shard_set_of(v.resource->hash);
    }
    return set;
}

/* The record as of now_ms: a held one whose time has come reads expired, changed
 * at its expiry. */
static void public_record_of(const mem_record *r, int64_t now_ms, booking_record *out)
{
    assert(r->resource != NULL);
    assert(r->node.outcome == BOOKING_BOOKED || r->node.status == BOOKING_STATUS_NONE);
    if (out == NULL)
        return;
    core_record cr = core_record_of(r);
    bk_store_copy_id(out->booking_id, mem_node_id(&r->node), r->node.id_len);
    bk_store_copy_id(out->resource_id, mem_node_id(&r->resource->node), r->resource->node.id_len);
    out->units = r->units;
    out->line_count = r->line_count;
    out->line = r->line;
    out->hold_ms = r->hold_ms;
    out->outcome = cr.outcome;
    out->reason = cr.reason;
    core_record_view view = bk_core_record_at(&cr, r->updated_at_ms, now_ms);
    out->status = view.status;
    out->created_at_ms = r->created_at_ms;
    out->expires_at_ms = cr.expires_at_ms;
    out->updated_at_ms = view.updated_at_ms;
}

static void public_resource_of(const mem_resource *r, int64_t now_ms, booking_resource *out)
{
    core_resource state = resource_read(r);
    if (out == NULL)
        return;
    bk_store_copy_id(out->resource_id, mem_node_id(&r->node), r->node.id_len);
    out->capacity = state.capacity;
    out->booked = state.booked;
    out->as_of_ms = now_ms;
}

/* Under the resource's shard lock: the store's time, with the resource's holds
 * that expired by then released. What every operation on a resource starts with, (8). */
static int64_t resource_time(booking_store *store, mem_resource *res)
{
    int64_t now = bk_store_now(store);
    uint64_t expired = res != NULL ? holds_sweep(res, now) : 0;
    if (expired > 0)
        bk_store_count_expired(store, expired);
    return now;
}

/* ---- operations ---- */

typedef struct mem_key {
    uint64_t hash;
    size_t len;
} mem_key;

static mem_key key_of(const memory_store *m, const char *id)
{
    size_t len = strlen(id);
    assert(len >= 1 && len <= BOOKING_ID_LEN_MAX); /* the library validated it */
    return (mem_key){.hash = hash_bytes(id, len, m->seed), .len = len};
}

/* Locks the shard of id in `shards` and finds its node (NULL: absent). The
 * caller unlocks found.shard. */
typedef struct mem_found {
    mem_shard *shard;
    mem_node *node;
    mem_key key;
} mem_found;

static mem_found lock_and_find(const memory_store *m, mem_shard *shards, const char *id)
{
    mem_found f = {.key = key_of(m, id)};
    f.shard = shard_of(shards, f.key.hash);
    pthread_mutex_lock(&f.shard->lock);
    f.node = mem_table_find(&f.shard->table, f.key.hash, id, f.key.len);
    assert(f.node == NULL || f.node->id_len == f.key.len);
    return f;
}

static void prefetch_slot(mem_shard *shards, mem_key key)
{
    mem_table_prefetch(&shard_of(shards, key.hash)->table, key.hash);
}

/* The resource of line 0 of the batch's last new attempt, (10): a batch on one
 * hot resource hashes and finds it once. */
typedef struct mem_resource_memo {
    mem_resource *res; /* NULL: none yet */
} mem_resource_memo;

/* An attempt's lines as found under their shard locks, (2). Only [0, n) is
 * written: a single attempt touches one entry of each array. */
typedef struct mem_attempt_lines {
    mem_shard_set shards;                          /* the resource shards to lock */
    bool memo_hit;                                 /* line 0 is the memo's resource, (10) */
    uint64_t hash[BOOKING_LINES_MAX];
    size_t len[BOOKING_LINES_MAX];
    mem_resource *res[BOOKING_LINES_MAX];          /* NULL: unknown */
    core_resource state[BOOKING_LINES_MAX];        /* as of now, (8) */
    const core_resource *known[BOOKING_LINES_MAX]; /* &state[i], or NULL: unknown */
} mem_attempt_lines;

/* Hashes every line and names the shards to lock. No lock held. */
MEMORY_INLINE void attempt_lines_hash(const memory_store *m, const booking_line *lines, size_t n,
                                      const mem_resource_memo *memo, mem_attempt_lines *al)
{
    assert(n >= 1 && n <= BOOKING_LINES_MAX);
    al->shards = 0;
    /* (10): the memo's resource keeps its id and hash for the store's life. */
    al->memo_hit = memo->res != NULL &&
                   strcmp(lines[0].resource_id, mem_node_id(&memo->res->node)) == 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 && al->memo_hit) {
            al->len[0] = memo->res->node.id_len;
            al->hash[0] = memo->res->hash;
        } else {
            al->len[i] = strlen(lines[i].resource_id);
            al->hash[i] = hash_bytes(lines[i].resource_id, al->len[i], m->seed);
        }
        assert(al->len[i] >= 1 && al->len[i] <= BOOKING_ID_LEN_MAX);
        assert(lines[i].units >= 1 && lines[i].units <= BOOKING_UNITS_MAX);
        al->shards |= shard_set_of(al->hash[i]);
    }
}

/* Under every line's shard lock: finds each line's resource and reads it as of
 * now_ms, its due holds swept, (7) and (8). */
MEMORY_INLINE void attempt_lines_read(memory_store *m, const booking_line *lines, size_t n,
                                      mem_resource_memo *memo, mem_attempt_lines *al,
                                      int64_t now_ms)
{
    uint64_t expired = 0;
    for (size_t i = 0; i < n; i++) {
        mem_shard *rs = shard_of(m->resources, al->hash[i]);
        if (i == 0 && al->memo_hit)
            al->res[0] = memo->res; /* (10): found by an earlier attempt, never removed */
        else
            al->res[i] = (mem_resource *)mem_table_find(&rs->table, al->hash[i],
                                                        lines[i].resource_id, al->len[i]);
        assert(al->res[i] == NULL || al->res[i]->hash == al->hash[i]);
        al->known[i] = NULL;
        if (al->res[i] != NULL) {
            expired += holds_sweep(al->res[i], now_ms);
            al->state[i] = resource_read(al->res[i]);
            al->known[i] = &al->state[i];
        }
    }
    if (expired > 0)
        bk_store_count_expired(&m->base, expired);
    if (al->res[0] != NULL)
        memo->res = al->res[0];
}

/* The bytes of a new record's block before its booking_id, (3). */
MEMORY_INLINE size_t record_block_bytes(const mem_attempt_lines *al, size_t n, bool held)
{
    size_t bytes = sizeof(mem_record) + (n - 1) * sizeof(mem_line);
    if (held)
        bytes += n * sizeof(mem_hold);
    for (size_t i = 1; i < n; i++)
        bytes += al->res[i] == NULL ? al->len[i] + 1 : 0;
    assert(bytes + BOOKING_ID_LEN_MAX + 1 <= MEMORY_RECORD_BLOCK_BYTES_MAX);
    return bytes;
}

/* Makes room in each known line's resource index for the new record, and an
 * orphan (with its room) for each unknown line in that id's shard, (9). */
MEMORY_INLINE bool index_reserve(memory_store *m, const mem_attempt_lines *al, size_t n,
                                 size_t booking_id_len, mem_orphan **orphans)
{
    for (size_t i = 0; i < n; i++) {
        mem_shard *rs = shard_of(m->resources, al->hash[i]);
        if (al->res[i] != NULL) {
            if (!mem_index_make_room(&al->res[i]->bookings, &rs->index_pool))
                return false;
            continue;
        }
        assert(i > 0); /* an unknown line 0 is not recorded */
        /* Unknown lines share their shard's orphan index: room for this one and
         * every earlier one of the shard, since none is added before all are. */
        uint32_t in_shard = 1;
        for (size_t j = 1; j < i; j++)
            in_shard += al->res[j] == NULL && shard_of(m->resources, al->hash[j]) == rs;
        size_t bytes = sizeof(mem_orphan) + al->len[i] + 1 + booking_id_len + 1;
        orphans[i] = arena_alloc(rs, bytes, NULL); /* indexed, not in a table */
        if (orphans[i] == NULL || !mem_index_make_room_for(&rs->orphans, &rs->index_pool, in_shard))
            return false; /* the block stays unused in the arena, (3) */
    }
    return true;
}

/* After index_reserve(): the orphan of unknown line i, keyed and indexed. */
static void orphan_add(memory_store *m, mem_orphan *o, const mem_attempt_lines *al, size_t i,
                       const char *resource_id, mem_record *rec)
{
    char *key = (char *)(o + 1);
    memcpy(key, resource_id, al->len[i]);
    key[al->len[i]] = MEMORY_ORPHAN_KEY_SEPARATOR;
    memcpy(key + al->len[i] + 1, mem_node_id(&rec->node), rec->node.id_len + 1u);
    o->node = (mem_node){0};
    mem_node_set_id(&o->node, key, al->len[i] + 1 + rec->node.id_len);
    o->rec = rec;
    mem_index_add(&shard_of(m->resources, al->hash[i])->orphans, &o->node);
}

/* set_capacity's new resource takes the records whose lines named it before it
 * existed, (9), under its shard's lock. False: out of memory, nothing changed
 * that anyone sees (the new resource is not in any table yet). */
static bool orphans_adopt(mem_shard *rs, mem_resource *res)
{
    if (!mem_index_flush(&rs->orphans, &rs->index_pool))
        return false;
    char after[BOOKING_ID_LEN_MAX + 2];
    const char *res_id = mem_node_id(&res->node);
    memcpy(after, res_id, res->node.id_len);
    after[res->node.id_len] = MEMORY_ORPHAN_KEY_SEPARATOR - 1; /* just below the run */
    after[res->node.id_len + 1] = '\0';
    mem_index_cursor c;
    mem_index_seek(&rs->orphans, after, &c);
    mem_node *node;
    while ((node = mem_index_next(&c)) != NULL && node->id_len > res->node.id_len &&
           memcmp(mem_node_id(node), res_id, res->node.id_len) == 0 &&
           mem_node_id(node)[res->node.id_len] == MEMORY_ORPHAN_KEY_SEPARATOR) {
        if (!mem_index_make_room(&res->bookings, &rs->index_pool)) {
            mem_index_free(&res->bookings);
            return false;
        }
        mem_index_add(&res->bookings, &((mem_orphan *)node)->rec->node);
    }
    return true;
}

/* Writes the decided record, its lines and hold entries, then the counters, (4):
 * every allocation first. False: out of memory, nothing changed. The caller holds
 * the booking shard and every line's resource shard. */
MEMORY_INLINE bool record_write(memory_store *m, mem_shard *bs, mem_key key, const char *booking_id,
                                const mem_attempt_lines *al, core_attempt attempt, size_t n,
                                const core_attempt_decision *d)
{
    const booking_line *lines = attempt.lines.at;
    bool held = d->result.status == BOOKING_STATUS_HELD;
    /* record_holds() finds the entries by what the record was decided as. */
    assert(held == (attempt.hold_ms != 0 && d->result.outcome == BOOKING_BOOKED));
    assert(d->write_record && al->res[0] != NULL); /* an unknown line 0 is not recorded */
    assert(!d->reserve || d->result.outcome == BOOKING_BOOKED);
    size_t bytes = record_block_bytes(al, n, held);
    uint32_t ref;
    mem_record *rec = (mem_record *)node_new(bs, bytes, booking_id, key.len, &ref);
    if (rec == NULL || !mem_table_reserve(&bs->table))
        return false;
    for (size_t i = 0; held && i < n; i++) {
        if (!holds_reserve(al->res[i]))
            return false; /* the block stays unused in the arena, (3) */
    }
    mem_orphan *orphans[BOOKING_LINES_MAX] = {0}; /* [i] for each unknown line i */
    if (!index_reserve(m, al, n, key.len, orphans))
        return false;
    /* Nothing below can fail. */
    mem_line *more = (mem_line *)(rec + 1);
    char *ids = (char *)(more + (n - 1)) + (held ? n * sizeof(mem_hold) : 0);
    rec->resource = al->res[0];
    rec->units = lines[0].units;
    for (size_t i = 1; i < n; i++) {
        more[i - 1] = (mem_line){.resource = al->res[i], .units = lines[i].units};
        if (al->res[i] == NULL) {
            memcpy(ids, lines[i].resource_id, al->len[i] + 1);
            more[i - 1].unknown_id = ids;
            ids += al->len[i] + 1;
        }
    }
    assert(ids == (char *)rec + bytes);
    rec->line_count = (uint8_t)n;
    rec->line = (uint8_t)d->result.line;
    rec->hold_ms = (uint32_t)attempt.hold_ms;
    rec->created_at_ms = rec->updated_at_ms = attempt.now_ms;
    rec->node.outcome = (uint8_t)d->result.outcome;
    rec->node.reason = (uint8_t)d->result.reason;
    rec->node.status = (uint8_t)d->result.status;
    if (held) {
        mem_hold *holds = record_holds(rec);
        assert(holds == (mem_hold *)(more + (n - 1)));
        for (size_t i = 0; i < n; i++) {
            holds[i] = (mem_hold){.expires_at_ms = d->result.expires_at_ms,
                                  .units = lines[i].units, .live = true, .line = (uint8_t)i};
            holds_push(al->res[i], &holds[i]);
        }
    }
    shard_table_insert(bs, key.hash, ref);
    for (size_t i = 0; i < n; i++) {
        /* (9): every known line's resource lists the record; a line whose resource
         * was unknown (after a REJECTED record's failing line) has none. */
        if (al->res[i] != NULL)
            mem_index_add(&al->res[i]->bookings, &rec->node);
        else
            orphan_add(m, orphans[i], al, i, lines[i].resource_id, rec);
    }
    for (size_t i = 0; d->reserve && i < n; i++) {
        /* (4') of decide.c: the core found units <= capacity - booked on every line. */
        al->res[i]->booked += lines[i].units;
        resource_written(al->res[i]);
    }
    return true;
}

/* A new booking_id's attempt of n lines, under the booking shard's lock: locks
 * every line's resource shard in order (2), reads the time (8), decides and writes. */
MEMORY_INLINE booking_result attempt_new(memory_store *m, mem_shard *bs, mem_key key,
                                         const char *booking_id, core_attempt attempt, size_t n,
                                         mem_resource_memo *memo)
{
    assert(n == attempt.lines.count);
    mem_attempt_lines al;
    attempt_lines_hash(m, attempt.lines.at, n, memo, &al);
    shards_lock(m->resources, al.shards);
    attempt.now_ms = bk_store_latest_time(&m->base); /* (8): the batch read the clock */
    attempt_lines_read(m, attempt.lines.at, n, memo, &al, attempt.now_ms);
    core_attempt_decision d = bk_core_decide_attempt(attempt, al.known, NULL);
    if (d.write_record && !record_write(m, bs, key, booking_id, &al, attempt, n, &d))
        d.result = (booking_result){.outcome = BOOKING_FAILED, .reason = BOOKING_REASON_INTERNAL};
    shards_unlock(m->resources, al.shards);
    return d.result;
}

static booking_result memory_attempt_one(memory_store *m, const booking_request *req,
                                         mem_key booking_key, mem_resource_memo *memo)
{
    assert(booking_key.len >= 1 && booking_key.len <= BOOKING_ID_LEN_MAX);
    uint64_t bh = booking_key.hash;
    mem_shard *bs = shard_of(m->records, bh);
    booking_line one;
    core_attempt attempt = {.lines = bk_core_request_lines(req, &one), .hold_ms = req->hold_ms};

    pthread_mutex_lock(&bs->lock);
    mem_record *rec = (mem_record *)mem_table_find(&bs->table, bh, req->booking_id, booking_key.len);
    booking_result result;
    if (rec != NULL) {
        /* A replay reads only the record: its lines never change. */
        core_record cr = core_record_of(rec);
        cr.same_lines = record_lines_equal(rec, attempt.lines);
        attempt.now_ms = bk_store_latest_time(&m->base); /* (8) */
        result = bk_core_decide_attempt(attempt, NULL, &cr).result;
    } else if (attempt.lines.count == 1) {
        result = attempt_new(m, bs, booking_key, req->booking_id, attempt, 1, memo); /* fast path */
    } else {
        result = attempt_new(m, bs, booking_key, req->booking_id, attempt, attempt.lines.count,
                             memo);
    }
    pthread_mutex_unlock(&bs->lock);
    assert(result.outcome != BOOKING_FAILED || result.reason == BOOKING_REASON_INTERNAL); /* (4) */
    return result;
}

static void memory_attempt_batch(booking_store *store, const booking_request *requests,
                                 size_t count, booking_result *results)
{
    memory_store *m = (memory_store *)store;
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    /* Each new booking_id costs one cache miss on its slot; in a batch, the
     * slots of the next attempts load while this one is decided. */
    mem_key ahead[MEMORY_PREFETCH_DISTANCE];
    mem_resource_memo memo = {0}; /* (10) */
    /* (8): one reading of the clock for the call, before any lock; each attempt
     * decides at the store's latest time, this reading or a later one. */
    (void)bk_store_now(store);
    size_t warm = count < MEMORY_PREFETCH_DISTANCE ? count : MEMORY_PREFETCH_DISTANCE;
    for (size_t i = 0; i < warm; i++) {
        ahead[i] = key_of(m, requests[i].booking_id);
        if (count > 1)
            prefetch_slot(m->records, ahead[i]);
    }
    for (size_t i = 0; i < count; i++) {
        mem_key key = ahead[i % MEMORY_PREFETCH_DISTANCE];
        size_t next = i + MEMORY_PREFETCH_DISTANCE;
        if (next < count) {
            ahead[i % MEMORY_PREFETCH_DISTANCE] = key_of(m, requests[next].booking_id);
            prefetch_slot(m->records, ahead[i % MEMORY_PREFETCH_DISTANCE]);
        }
        results[i] = memory_attempt_one(m, &requests[i], key, &memo);
        assert(results[i].outcome != BOOKING_FAILED ||
               booking_reason_is_failure(results[i].reason));
    }
}

static booking_reason memory_set_capacity(booking_store *store, const char *resource_id,
                                          uint64_t capacity, booking_resource *out)
{
    memory_store *m = (memory_store *)store;
    assert(capacity <= BOOKING_CAPACITY_MAX); /* the library validated it */
    mem_found f = lock_and_find(m, m->resources, resource_id);
    mem_shard *rs = f.shard;
    mem_resource *res = (mem_resource *)f.node;
    booking_reason reason;
    int64_t now = resource_time(store, res);
    core_resource cres = {0};
    if (res != NULL)
        cres = resource_read(res);
    core_capacity_decision d = bk_core_decide_set_capacity(capacity, res ? &cres : NULL);
    reason = d.reason;
    assert(!(d.create && d.update) && (!d.update || res != NULL));
    if (d.create) {
        uint32_t ref = 0;
        res = (mem_resource *)node_new(rs, sizeof *res, resource_id, f.key.len, &ref);
        /* (9): the resource index's lock is the last of all locks. */
        pthread_mutex_lock(&m->resource_index_lock);
        if (res == NULL || !mem_table_reserve(&rs->table) ||
            !mem_index_make_room(&m->resource_index, &m->resource_index_pool) ||
            !orphans_adopt(rs, res)) {
            res = NULL;
            reason = BOOKING_REASON_INTERNAL;
        } else {
            res->hash = f.key.hash;
            res->capacity = capacity;
            shard_table_insert(rs, f.key.hash, ref);
            mem_index_add(&m->resource_index, &res->node);
            resource_written(res);
        }
        pthread_mutex_unlock(&m->resource_index_lock);
    } else if (d.update) {
        res->capacity = capacity;
        resource_written(res);
    }
    if (res != NULL && reason != BOOKING_REASON_INTERNAL)
        public_resource_of(res, now, out);
    pthread_mutex_unlock(&rs->lock);
    return reason;
}

/* Under every line's shard lock: the store's time, with each line's resource's
 * due holds swept, (8). */
static int64_t record_lines_time(booking_store *store, const mem_record *rec)
{
    int64_t now = bk_store_now(store);
    uint64_t expired = 0;
    for (size_t i = 0; i < rec->line_count; i++)
        expired += holds_sweep(record_line(rec, i).resource, now);
    if (expired > 0)
        bk_store_count_expired(store, expired);
    return now;
}

/* Applies a cancel's or a confirm's decision to every line, under every line's
 * shard lock: release_lines and unindex_hold, line by line. */
static void record_lines_change(mem_record *rec, const core_change_decision *d)
{
    for (size_t i = 0; i < rec->line_count; i++) {
        mem_line_view v = record_line(rec, i);
        if (d->release_lines) {
            /* (2): the line's units are part of its resource's booked: no wrap. */
            assert(resource_read(v.resource).booked >= v.units);
            v.resource->booked -= v.units;
            resource_written(v.resource);
        }
        if (d->unindex_hold) {
            mem_hold *holds = record_holds(rec);
            assert(holds != NULL && holds[i].live);
            holds[i].live = false;
        }
    }
}

/* Whether no line of a hold is live any more (what release_expired leaves). */
static bool record_holds_released(const mem_record *rec)
{
    const mem_hold *holds = record_holds(rec);
    for (size_t i = 0; holds != NULL && i < rec->line_count; i++) {
        if (holds[i].live)
            return false;
    }
    return true;
}

/* A cancel or a confirm (Redis's setGenericCommand shape: one body, two callers).
 * A BOOKED record that is active or held may change its resources' counters or
 * holds, so every line's resource lock is taken, in order (2), before the time is
 * read (8). */
static booking_reason memory_change(booking_store *store, const char *booking_id,
                                    booking_record *out, core_change_fn decide)
{
    memory_store *m = (memory_store *)store;
    mem_found f = lock_and_find(m, m->records, booking_id);
    mem_shard *bs = f.shard;
    mem_record *rec = (mem_record *)f.node;
    mem_shard_set locked = 0;
    int64_t now;
    if (rec != NULL && (rec->node.status == BOOKING_STATUS_ACTIVE ||
                        rec->node.status == BOOKING_STATUS_HELD)) {
        locked = record_shards(rec);
        shards_lock(m->resources, locked);
        now = record_lines_time(store, rec);
    } else {
        now = bk_store_now(store);
    }
    core_record cr = {0};
    if (rec != NULL)
        cr = core_record_of(rec);
    core_change_decision d = decide(rec ? &cr : NULL, now);
    assert(!d.release_lines || d.write_status);
    if (d.write_status) {
        assert(locked != 0);
        record_lines_change(rec, &d);
        rec->node.status = (uint8_t)d.status;
        rec->updated_at_ms = now;
    }
    /* release_expired needs nothing more: record_lines_time() swept every line,
     * and each line's entry ends when the hold does. */
    assert(!d.release_expired || locked == 0 || record_holds_released(rec));
    if (rec != NULL)
        public_record_of(rec, now, out);
    if (locked != 0)
        shards_unlock(m->resources, locked);
    pthread_mutex_unlock(&bs->lock);
    return d.reason;
}

/* In order, one change at a time, as (4) says of attempt batches. */
static void memory_change_batch(booking_store *store, const booking_change *changes, size_t count,
                                booking_reason *reasons, booking_record *records)
{
    assert(count >= 1 && count <= BOOKING_BATCH_MAX);
    for (size_t i = 0; i < count; i++)
        reasons[i] = memory_change(store, changes[i].booking_id, records ? &records[i] : NULL,
                                   bk_core_change_rule(changes[i].kind));
}

static booking_reason memory_get_resource(booking_store *store, const char *resource_id,
                                          booking_resource *out)
{
    memory_store *m = (memory_store *)store;
    mem_found f = lock_and_find(m, m->resources, resource_id);
    int64_t now = resource_time(store, (mem_resource *)f.node);
    if (f.node != NULL)
        public_resource_of((const mem_resource *)f.node, now, out);
    pthread_mutex_unlock(&f.shard->lock);
    return f.node != NULL ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_RESOURCE;
}

static booking_reason memory_get_booking(booking_store *store, const char *booking_id,
                                         booking_record *out, booking_record_line *lines,
                                         size_t lines_cap)
{
    assert(lines_cap <= BOOKING_LINES_MAX && (lines != NULL || lines_cap == 0));
    memory_store *m = (memory_store *)store;
    mem_found f = lock_and_find(m, m->records, booking_id);
    const mem_record *rec = (const mem_record *)f.node;
    if (rec != NULL) {
        public_record_of(rec, bk_store_now(store), out);
        /* The lines never change once decided: the booking shard's lock suffices. */
        for (size_t i = 0; i < rec->line_count && i < lines_cap; i++) {
            mem_line_view v = record_line(rec, i);
            bk_store_copy_id(lines[i].resource_id, v.id, v.len);
            lines[i].units = v.units;
        }
    }
    pthread_mutex_unlock(&f.shard->lock);
    return f.node != NULL ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_BOOKING;
}

/* ---- listings, (9) ---- */

/* Every resource shard, in ascending index: no resource is created and no
 * counter changes while they are held, (2). */
static const mem_shard_set MEMORY_ALL_SHARDS =
    ((mem_shard_set)2 << (MEMORY_SHARD_COUNT - 1)) - 1; /* no shift by 64 (clang refuses one) */

static booking_reason memory_list_resources(booking_store *store, const char *after, size_t limit,
                                            booking_resource *out, store_page *page)
{
    memory_store *m = (memory_store *)store;
    assert(limit >= 1 && limit <= BOOKING_LIST_LIMIT_MAX);
    shards_lock(m->resources, MEMORY_ALL_SHARDS);
    int64_t now = bk_store_now(store);
    size_t n = 0;
    uint64_t expired = 0;
    /* Holding every resource shard, no one else writes the resource index. */
    if (!mem_index_flush(&m->resource_index, &m->resource_index_pool)) {
        shards_unlock(m->resources, MEMORY_ALL_SHARDS);
        return BOOKING_REASON_INTERNAL;
    }
    mem_index_cursor c;
    mem_index_seek(&m->resource_index, after, &c);
    mem_node *node;
    while (n < limit && (node = mem_index_next(&c)) != NULL) {
        mem_resource *res = (mem_resource *)node;
        expired += holds_sweep(res, now); /* as get_resource reads it, (7) */
        public_resource_of(res, now, &out[n++]);
    }
    page->examined = n;
    if (n == limit && mem_index_next(&c) != NULL) /* a resource follows the page */
        memcpy(page->next, out[n - 1].resource_id, sizeof page->next);
    shards_unlock(m->resources, MEMORY_ALL_SHARDS);
    if (expired > 0)
        bk_store_count_expired(store, expired);
    page->count = n;
    return BOOKING_REASON_OK;
}

/* Whether the listing's filter keeps a record, by its status as of now_ms. */
static bool list_keeps(booking_list_filter filter, const mem_record *rec, int64_t now_ms)
{
    core_record cr = core_record_of(rec);
    return bk_core_list_filter_keeps(filter, cr.outcome, bk_core_status_at(&cr, now_ms));
}

/* The walk of a page, (9), under the resource's lock: at most
 * BOOKING_LIST_SCAN_MAX records examined, so the lock is held for that many. */
static void list_walk(mem_index_cursor *c, booking_list_filter filter, int64_t now, size_t limit,
                      booking_record *out, store_page *page)
{
    const mem_record *last = NULL; /* the last record examined */
    mem_node *node;
    size_t n = 0;
    while (page->examined < BOOKING_LIST_SCAN_MAX && (node = mem_index_next(c)) != NULL) {
        const mem_record *rec = (const mem_record *)node;
        page->examined++;
        last = rec;
        if (!list_keeps(filter, rec, now))
            continue; /* (9): a filtered page walks past what it drops, within its budget */
        if (n == limit) { /* a kept record follows the page */
            memcpy(page->next, out[n - 1].booking_id, sizeof page->next);
            page->count = n;
            return;
        }
        public_record_of(rec, now, &out[n++]);
    }
    page->count = n;
    if (page->examined == BOOKING_LIST_SCAN_MAX && mem_index_next(c) != NULL) {
        /* The budget ran out with records left: resume after the last examined. */
        bk_store_copy_id(page->next, mem_node_id(&last->node), last->node.id_len);
    }
}

static booking_reason memory_list_bookings(booking_store *store, const char *resource_id,
                                           booking_list_filter filter, const char *after,
                                           size_t limit, booking_record *out, store_page *page)
{
    memory_store *m = (memory_store *)store;
    assert(limit >= 1 && limit <= BOOKING_LIST_LIMIT_MAX);
    mem_found f = lock_and_find(m, m->resources, resource_id);
    mem_resource *res = (mem_resource *)f.node;
    int64_t now = resource_time(store, res);
    booking_reason reason = res != NULL ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_RESOURCE;
    if (res != NULL && !mem_index_flush(&res->bookings, &f.shard->index_pool))
        reason = BOOKING_REASON_INTERNAL;
    if (reason == BOOKING_REASON_OK) {
        mem_index_cursor c;
        mem_index_seek(&res->bookings, after, &c);
        list_walk(&c, filter, now, limit, out, page);
    }
    pthread_mutex_unlock(&f.shard->lock);
    assert(page->count <= limit && (reason == BOOKING_REASON_OK || page->count == 0));
    return reason;
}

static booking_reason memory_ping(booking_store *store)
{
    (void)store;
    return BOOKING_REASON_OK;
}

static void resource_free(mem_node *node)
{
    mem_resource *res = (mem_resource *)node;
    free(res->holds);
    mem_index_free(&res->bookings);
}

static void arena_chunks_free(mem_arena_chunk *c)
{
    while (c != NULL) {
        mem_arena_chunk *prev = c->prev;
        arena_piece_free(c, c->mapped_bytes);
        c = prev;
    }
}

static void shard_free(mem_shard *shard)
{
    pthread_mutex_destroy(&shard->lock);
    mem_table_free(&shard->table);
    mem_index_free(&shard->orphans);
    mem_index_pool_free(&shard->index_pool);
    arena_chunks_free(shard->arena);
    arena_chunks_free(shard->arena_spares);
    mem_node_dir_free(&shard->dir);
}

static void memory_close(booking_store *store)
{
    memory_store *m = (memory_store *)store;
    for (size_t i = 0; i < MEMORY_SHARD_COUNT; i++) {
        mem_table_each(&m->resources[i].table, resource_free);
        shard_free(&m->records[i]);
        shard_free(&m->resources[i]);
    }
    mem_index_free(&m->resource_index);
    mem_index_pool_free(&m->resource_index_pool);
    pthread_mutex_destroy(&m->resource_index_lock);
    free(m);
}

static const store_ops memory_ops = {
    .name = "memory",
    .close = memory_close,
    .attempt_batch = memory_attempt_batch,
    .set_capacity = memory_set_capacity,
    .change_batch = memory_change_batch,
    .get_resource = memory_get_resource,
    .get_booking = memory_get_booking,
    .list_resources = memory_list_resources,
    .list_bookings = memory_list_bookings,
    .ping = memory_ping,
};

static bool shard_init(mem_shard *shard, size_t index)
{
    /* memory_table.h (5): the shards' tables grow at staggered points. */
    uint32_t stagger = (uint32_t)(index * MEMORY_TABLE_STAGGER_STEPS / MEMORY_SHARD_COUNT);
    return mem_table_init(&shard->table, stagger, &shard->dir) &&
           pthread_mutex_init(&shard->lock, NULL) == 0;
}

booking_error bk_memory_store_open(const char *url, const char *location, booking_store **out,
                                char *errbuf, size_t errbuf_len)
{
    assert(url != NULL && location != NULL && out != NULL);
    if (location[0] != '\0') {
        bk_store_error(errbuf, errbuf_len, "memory: takes no location");
        return BOOKING_EURL;
    }
    memory_store *m = aligned_alloc(64, (sizeof *m + 63) & ~(size_t)63);
    if (m == NULL)
        return BOOKING_ENOMEM;
    memset(m, 0, sizeof *m);
    m->base.ops = &memory_ops;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    m->seed = hash_bytes(&ts, sizeof ts, (uint64_t)(uintptr_t)m);
    if (pthread_mutex_init(&m->resource_index_lock, NULL) != 0) {
        free(m);
        return BOOKING_ENOMEM;
    }
    for (size_t i = 0; i < MEMORY_SHARD_COUNT; i++) {
        if (!shard_init(&m->records[i], i) || !shard_init(&m->resources[i], i)) {
            memory_close(&m->base); /* free() of NULL slots is fine */
            return BOOKING_ENOMEM;
        }
    }
    *out = &m->base;
    return BOOKING_OK;
}
