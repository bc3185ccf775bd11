/*
 * memory.c: the in-process store ("memory:"). Not durable; for tests, embedding
 * and measuring the core. Thread-safe without a global lock.
 *
 * NOTES ON THE DESIGN
 *  (1) Two sharded hash tables: decision records by booking_id, resources by
 *      resource_id. Each shard has its own mutex, arena and chained table.
 *  (2) Lock order is always booking shard, then resource shard. An attempt or a
 *      cancel holds both while it changes the record and the counter, so anyone
 *      who takes the locks sees booked == sum of active BOOKED units.
 *  (3) Nothing is ever freed before close: records stay decided forever and a
 *      record points at its resource, so both live in arenas (no free lists).
 *  (4) The only failure is running out of memory. The node for a new record is
 *      allocated before the counter changes, so an attempt is all or nothing.
 *      A batch is decided in order; it is not isolated from concurrent callers,
 *      which the SPEC does not require of a store that cannot fail a commit.
 *  (5) Tables grow by doubling at load factor 1; if growing fails, the old table
 *      keeps working (chains get longer), so an insert never fails once its node
 *      exists.
 */
#include "store/store.h"
#include "core/decide.h"
#include "util/hash.h"

#include <pthread.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MEMORY_SHARD_COUNT 64 /* power of two; more shards, less contention */
#define MEMORY_TABLE_INITIAL_BUCKETS 1024
#define MEMORY_ARENA_CHUNK_BYTES ((size_t)1 << 20)

typedef struct mem_node {
    struct mem_node *next;
    uint64_t hash;
    uint32_t id_len;
    char *id; /* points into the same arena block */
} mem_node;

typedef struct mem_resource {
    mem_node node;
    uint64_t capacity;
    uint64_t booked;
} mem_resource;

typedef struct mem_record {
    mem_node node;
    mem_resource *resource;
    uint64_t units;
    uint8_t outcome;
    uint8_t reason;
    uint8_t status;
} mem_record;

typedef struct mem_arena_chunk {
    struct mem_arena_chunk *prev;
    size_t used;
    size_t size;
    alignas(16) unsigned char data[];
} mem_arena_chunk;

typedef struct mem_shard {
    alignas(64) pthread_mutex_t lock;
    mem_node **buckets;
    size_t mask;
    size_t count;
    mem_arena_chunk *arena;
} mem_shard;

typedef struct memory_store {
    booking_store base;
    uint64_t seed;
    mem_shard records[MEMORY_SHARD_COUNT];
    mem_shard resources[MEMORY_SHARD_COUNT];
} memory_store;

/* ---- arena and tables (callers hold the shard lock) ---- */

static void *arena_alloc(mem_shard *shard, size_t bytes)
{
    bytes = (bytes + 15) & ~(size_t)15;
    mem_arena_chunk *c = shard->arena;
    if (c == NULL || c->size - c->used < bytes) {
        size_t size = bytes > MEMORY_ARENA_CHUNK_BYTES ? bytes : MEMORY_ARENA_CHUNK_BYTES;
        mem_arena_chunk *n = malloc(sizeof *n + size);
        if (n == NULL)
            return NULL;
        n->prev = c;
        n->used = 0;
        n->size = size;
        shard->arena = n;
        c = n;
    }
    void *p = c->data + c->used;
    c->used += bytes;
    return p;
}

static mem_node *table_find(const mem_shard *shard, uint64_t hash, const char *id, size_t len)
{
    for (mem_node *n = shard->buckets[hash & shard->mask]; n != NULL; n = n->next) {
        if (n->hash == hash && n->id_len == len && memcmp(n->id, id, len) == 0)
            return n;
    }
    return NULL;
}

static void table_grow(mem_shard *shard)
{
    size_t buckets = (shard->mask + 1) * 2;
    mem_node **grown = calloc(buckets, sizeof *grown);
    if (grown == NULL)
        return; /* (5): the old table still works */
    for (size_t i = 0; i <= shard->mask; i++) {
        mem_node *n = shard->buckets[i];
        while (n != NULL) {
            mem_node *next = n->next;
            n->next = grown[n->hash & (buckets - 1)];
            grown[n->hash & (buckets - 1)] = n;
            n = next;
        }
    }
    free(shard->buckets);
    shard->buckets = grown;
    shard->mask = buckets - 1;
}

static void table_insert(mem_shard *shard, mem_node *node)
{
    if (shard->count >= shard->mask + 1)
        table_grow(shard);
    node->next = shard->buckets[node->hash & shard->mask];
    shard->buckets[node->hash & shard->mask] = node;
    shard->count++;
}

/* Allocates a node of `size` bytes followed by its id, in the shard's arena. */
static mem_node *node_new(mem_shard *shard, size_t size, uint64_t hash, const char *id, size_t len)
{
    mem_node *n = arena_alloc(shard, size + len + 1);
    if (n == NULL)
        return NULL;
    memset(n, 0, size);
    n->hash = hash;
    n->id_len = (uint32_t)len;
    n->id = (char *)n + size;
    memcpy(n->id, id, len);
    n->id[len] = '\0';
    return n;
}

static mem_shard *shard_of(mem_shard *shards, uint64_t hash)
{
    /* The top bits pick the shard, the low bits the bucket: independent. */
    return &shards[hash >> 58 & (MEMORY_SHARD_COUNT - 1)];
}

/* ---- conversions to the core's and the public structs ---- */

static core_record core_record_of(const mem_record *r, const char *resource_id, size_t len)
{
    const mem_node *res = &r->resource->node;
    return (core_record){
        .same_resource = res->id_len == len && memcmp(res->id, resource_id, len) == 0,
        .units = r->units,
        .outcome = (booking_outcome)r->outcome,
        .reason = (booking_reason)r->reason,
        .status = (booking_status)r->status,
    };
}

static void public_record_of(const mem_record *r, booking_record *out)
{
    if (out == NULL)
        return;
    store_copy_id(out->booking_id, r->node.id, r->node.id_len);
    store_copy_id(out->resource_id, r->resource->node.id, r->resource->node.id_len);
    out->units = r->units;
    out->outcome = (booking_outcome)r->outcome;
    out->reason = (booking_reason)r->reason;
    out->status = (booking_status)r->status;
}

static void public_resource_of(const mem_resource *r, booking_resource *out)
{
    if (out == NULL)
        return;
    store_copy_id(out->resource_id, r->node.id, r->node.id_len);
    out->capacity = r->capacity;
    out->booked = r->booked;
}

/* ---- operations ---- */

static booking_result memory_attempt_one(memory_store *m, const booking_request *req)
{
    size_t bid_len = strlen(req->booking_id);
    size_t rid_len = strlen(req->resource_id);
    uint64_t bh = hash_bytes(req->booking_id, bid_len, m->seed);
    mem_shard *bs = shard_of(m->records, bh);

    pthread_mutex_lock(&bs->lock);
    mem_record *rec = (mem_record *)table_find(bs, bh, req->booking_id, bid_len);
    if (rec != NULL) {
        core_record cr = core_record_of(rec, req->resource_id, rid_len);
        pthread_mutex_unlock(&bs->lock);
        return core_decide_attempt(req->units, NULL, &cr).result;
    }

    uint64_t rh = hash_bytes(req->resource_id, rid_len, m->seed);
    mem_shard *rs = shard_of(m->resources, rh);
    pthread_mutex_lock(&rs->lock);
    mem_resource *res = (mem_resource *)table_find(rs, rh, req->resource_id, rid_len);
    core_resource cres = {0};
    if (res != NULL)
        cres = (core_resource){.capacity = res->capacity, .booked = res->booked};
    core_attempt_decision d = core_decide_attempt(req->units, res ? &cres : NULL, NULL);
    if (d.write_record) {
        rec = (mem_record *)node_new(bs, sizeof *rec, bh, req->booking_id, bid_len);
        if (rec == NULL) {
            d.result = (booking_result){.outcome = BOOKING_FAILED,
                                        .reason = BOOKING_REASON_INTERNAL};
        } else {
            rec->resource = res;
            rec->units = req->units;
            rec->outcome = (uint8_t)d.result.outcome;
            rec->reason = (uint8_t)d.result.reason;
            rec->status = (uint8_t)d.result.status;
            table_insert(bs, &rec->node);
            res->booked += d.booked_delta;
        }
    }
    pthread_mutex_unlock(&rs->lock);
    pthread_mutex_unlock(&bs->lock);
    return d.result;
}

static void memory_attempt_batch(booking_store *store, const booking_request *requests,
                                 size_t count, booking_result *results)
{
    memory_store *m = (memory_store *)store;
    for (size_t i = 0; i < count; i++)
        results[i] = memory_attempt_one(m, &requests[i]);
}

static booking_reason memory_set_capacity(booking_store *store, const char *resource_id,
                                          uint64_t capacity, booking_resource *out)
{
    memory_store *m = (memory_store *)store;
    size_t len = strlen(resource_id);
    uint64_t h = hash_bytes(resource_id, len, m->seed);
    mem_shard *rs = shard_of(m->resources, h);
    booking_reason reason;

    pthread_mutex_lock(&rs->lock);
    mem_resource *res = (mem_resource *)table_find(rs, h, resource_id, len);
    core_resource cres = {0};
    if (res != NULL)
        cres = (core_resource){.capacity = res->capacity, .booked = res->booked};
    core_capacity_decision d = core_decide_set_capacity(capacity, res ? &cres : NULL);
    reason = d.reason;
    if (d.create) {
        res = (mem_resource *)node_new(rs, sizeof *res, h, resource_id, len);
        if (res == NULL) {
            reason = BOOKING_REASON_INTERNAL;
        } else {
            res->capacity = capacity;
            table_insert(rs, &res->node);
        }
    } else if (d.update) {
        res->capacity = capacity;
    }
    if (res != NULL && reason != BOOKING_REASON_INTERNAL)
        public_resource_of(res, out);
    pthread_mutex_unlock(&rs->lock);
    return reason;
}

static booking_reason memory_cancel(booking_store *store, const char *booking_id,
                                    booking_record *out)
{
    memory_store *m = (memory_store *)store;
    size_t len = strlen(booking_id);
    uint64_t h = hash_bytes(booking_id, len, m->seed);
    mem_shard *bs = shard_of(m->records, h);

    pthread_mutex_lock(&bs->lock);
    mem_record *rec = (mem_record *)table_find(bs, h, booking_id, len);
    core_record cr = {0};
    if (rec != NULL)
        cr = core_record_of(rec, rec->resource->node.id, rec->resource->node.id_len);
    core_cancel_decision d = core_decide_cancel(rec ? &cr : NULL);
    if (d.mark_cancelled) {
        mem_shard *rs = shard_of(m->resources, rec->resource->node.hash);
        pthread_mutex_lock(&rs->lock);
        rec->resource->booked -= d.booked_release;
        rec->status = BOOKING_STATUS_CANCELLED;
        pthread_mutex_unlock(&rs->lock);
    }
    if (rec != NULL)
        public_record_of(rec, out);
    pthread_mutex_unlock(&bs->lock);
    return d.reason;
}

static booking_reason memory_get_resource(booking_store *store, const char *resource_id,
                                          booking_resource *out)
{
    memory_store *m = (memory_store *)store;
    size_t len = strlen(resource_id);
    uint64_t h = hash_bytes(resource_id, len, m->seed);
    mem_shard *rs = shard_of(m->resources, h);
    pthread_mutex_lock(&rs->lock);
    mem_resource *res = (mem_resource *)table_find(rs, h, resource_id, len);
    if (res != NULL)
        public_resource_of(res, out);
    pthread_mutex_unlock(&rs->lock);
    return res != NULL ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_RESOURCE;
}

static booking_reason memory_get_booking(booking_store *store, const char *booking_id,
                                         booking_record *out)
{
    memory_store *m = (memory_store *)store;
    size_t len = strlen(booking_id);
    uint64_t h = hash_bytes(booking_id, len, m->seed);
    mem_shard *bs = shard_of(m->records, h);
    pthread_mutex_lock(&bs->lock);
    mem_record *rec = (mem_record *)table_find(bs, h, booking_id, len);
    if (rec != NULL)
        public_record_of(rec, out);
    pthread_mutex_unlock(&bs->lock);
    return rec != NULL ? BOOKING_REASON_OK : BOOKING_REASON_UNKNOWN_BOOKING;
}

static booking_reason memory_ping(booking_store *store)
{
    (void)store;
    return BOOKING_REASON_OK;
}

static void shard_free(mem_shard *shard)
{
    pthread_mutex_destroy(&shard->lock);
    free(shard->buckets);
    mem_arena_chunk *c = shard->arena;
    while (c != NULL) {
        mem_arena_chunk *prev = c->prev;
        free(c);
        c = prev;
    }
}

static void memory_close(booking_store *store)
{
    memory_store *m = (memory_store *)store;
    for (size_t i = 0; i < MEMORY_SHARD_COUNT; i++) {
        shard_free(&m->records[i]);
        shard_free(&m->resources[i]);
    }
    free(m);
}

static const store_ops memory_ops = {
    .name = "memory",
    .close = memory_close,
    .attempt_batch = memory_attempt_batch,
    .set_capacity = memory_set_capacity,
    .cancel = memory_cancel,
    .get_resource = memory_get_resource,
    .get_booking = memory_get_booking,
    .ping = memory_ping,
};

static bool shard_init(mem_shard *shard)
{
    shard->buckets = calloc(MEMORY_TABLE_INITIAL_BUCKETS, sizeof *shard->buckets);
    if (shard->buckets == NULL)
        return false;
    shard->mask = MEMORY_TABLE_INITIAL_BUCKETS - 1;
    return pthread_mutex_init(&shard->lock, NULL) == 0;
}

booking_error memory_store_open(const char *url, const char *location, booking_store **out,
                                char *errbuf, size_t errbuf_len)
{
    if (location[0] != '\0') {
        store_error(errbuf, errbuf_len, "%s: memory: takes no location", url);
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
    for (size_t i = 0; i < MEMORY_SHARD_COUNT; i++) {
        if (!shard_init(&m->records[i]) || !shard_init(&m->resources[i])) {
            memory_close(&m->base); /* free() of a NULL buckets is fine */
            return BOOKING_ENOMEM;
        }
    }
    *out = &m->base;
    return BOOKING_OK;
}
