/* SPDX-License-Identifier: MIT */
/*
 * sqlite_index_nomem.c: sqlite.c note (11) after an allocation failure. When the
 * booking_id index cannot grow as a commit's records go into it, it is emptied
 * and built again outside SQLite's write lock, never under it: a writer that had
 * already passed the build check, and waited for the handle's writer while the
 * other's commit forgot the index, must not rebuild it (nor wait for a reader's
 * rebuild) inside its write transaction, which every process waits for. The
 * index's growth is made to fail once (calloc wrapped at the link); the store's
 * clock, called inside each write transaction after the index caught up, looks
 * at whether the index it decides with was built outside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "booking.h"
#include "store/sqlite_index.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Records before the race: the index (SQLITE_INDEX_SLOTS_MIN slots, at most 3/4
 * full) is just short of its first growth, which the first writer's commit makes. */
#define NOMEM_RECORDS_BEFORE (SQLITE_INDEX_SLOTS_MIN * 3 / 4 - 50)
#define NOMEM_FIRST_BATCH 100
#define NOMEM_BATCH_MAX 1000 /* records per batch before the race */
#define NOMEM_ID_BYTES 32
#define SECOND_WAITS_MS 200 /* for the second writer to block on the handle's writer */
#define CLOCK_START_MS 1800000000000

/* ---- the index's growth fails once, on demand ---- */

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size);

static int grow_failures_armed; /* __atomic: the next this many growths fail */

void *__wrap_calloc(size_t n, size_t size)
{
    /* The first growth: a table of twice SQLITE_INDEX_SLOTS_MIN slots. */
    if (n == 2 * SQLITE_INDEX_SLOTS_MIN && size == sizeof(uint64_t) &&
        __atomic_load_n(&grow_failures_armed, __ATOMIC_ACQUIRE) > 0 &&
        __atomic_sub_fetch(&grow_failures_armed, 1, __ATOMIC_ACQ_REL) >= 0)
        return NULL;
    return __real_calloc(n, size);
}

/* ---- the two writers, held where the test wants them by the store's clock ---- */

typedef struct race {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    booking_store *store;
    bool first_in;      /* the first writer is inside its write transaction */
    bool first_go;      /* it may decide and commit */
    int unbuilt_second; /* write transactions of the second writer with the index
                           not built when it decided (rebuilt under the lock) */
    int second_calls;
} race;

static race rc = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};
static _Thread_local int writer_role; /* 0: the test, 1: first writer, 2: second */

static int64_t race_clock(void *context)
{
    (void)context;
    if (writer_role == 1) {
        pthread_mutex_lock(&rc.lock);
        if (!rc.first_in) { /* its first call: inside write_begin, the lock held */
            rc.first_in = true;
            pthread_cond_broadcast(&rc.cond);
            while (!rc.first_go)
                pthread_cond_wait(&rc.cond, &rc.lock);
        }
        pthread_mutex_unlock(&rc.lock);
    } else if (writer_role == 2) {
        sqlite_store *st = (sqlite_store *)rc.store;
        bool built = __atomic_load_n(&st->index_built, __ATOMIC_ACQUIRE);
        pthread_mutex_lock(&rc.lock);
        rc.second_calls++;
        rc.unbuilt_second += !built;
        pthread_mutex_unlock(&rc.lock);
    }
    return CLOCK_START_MS;
}

static void ids_make(char (*ids)[NOMEM_ID_BYTES], booking_request *q, size_t n,
                     const char *prefix)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(ids[i], NOMEM_ID_BYTES, "%s-%zu", prefix, i);
        q[i] = (booking_request){.booking_id = ids[i], .resource_id = "nomem-r", .units = 1};
    }
}

/* Books n new ids "prefix-i"; from the writers' threads too, so it only counts
 * (cmocka's checks are the test thread's): the ids not BOOKED afresh. */
static size_t book_all(booking_store *s, const char *prefix, size_t n)
{
    char (*ids)[NOMEM_ID_BYTES] = malloc(n * sizeof *ids); /* each thread its own */
    booking_request *q = malloc(n * sizeof *q);
    booking_result *r = malloc(n * sizeof *r);
    size_t wrong = n;
    if (ids != NULL && q != NULL && r != NULL) {
        ids_make(ids, q, n, prefix);
        if (booking_attempt_batch(s, q, n, r) == BOOKING_OK) {
            wrong = 0;
            for (size_t i = 0; i < n; i++)
                wrong += r[i].outcome != BOOKING_BOOKED || r[i].replayed;
        }
    }
    free(ids);
    free(q);
    free(r);
    return wrong;
}

static size_t first_wrong, second_wrong; /* read after the join */

static void *first_writer(void *arg)
{
    (void)arg;
    writer_role = 1;
    first_wrong = book_all(rc.store, "first", NOMEM_FIRST_BATCH); /* its index cannot grow */
    return NULL;
}

static void *second_writer(void *arg)
{
    (void)arg;
    writer_role = 2;
    second_wrong = book_all(rc.store, "second", 1);
    return NULL;
}

static void sleep_ms(long ms)
{
    struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

static void a_writer_never_rebuilds_the_forgotten_index_under_the_write_lock(void **state)
{
    (void)state;
    char url[700];
    snprintf(url, sizeof url, "sqlite:%s/nomem.db", test_tmpdir());
    char err[256] = "";
    assert_int_equal(booking_store_open(url, &rc.store, err, sizeof err), BOOKING_OK);
    assert_int_equal(booking_store_set_clock(rc.store, race_clock, NULL), BOOKING_OK);
    booking_reason reason;
    assert_int_equal(booking_set_capacity(rc.store, "nomem-r", 1000000, &reason, NULL),
                     BOOKING_OK);
    for (size_t done = 0; done < NOMEM_RECORDS_BEFORE;) { /* the index is built here */
        size_t n = NOMEM_RECORDS_BEFORE - done < NOMEM_BATCH_MAX ? NOMEM_RECORDS_BEFORE - done
                                                                  : NOMEM_BATCH_MAX;
        char prefix[32];
        snprintf(prefix, sizeof prefix, "before-%zu", done);
        assert_int_equal(book_all(rc.store, prefix, n), 0);
        done += n;
    }

    pthread_t first, second;
    assert_int_equal(pthread_create(&first, NULL, first_writer, NULL), 0);
    pthread_mutex_lock(&rc.lock);
    while (!rc.first_in)
        pthread_cond_wait(&rc.cond, &rc.lock);
    pthread_mutex_unlock(&rc.lock);
    /* The second writer finds the index built and waits for the first. */
    assert_int_equal(pthread_create(&second, NULL, second_writer, NULL), 0);
    sleep_ms(SECOND_WAITS_MS);
    __atomic_store_n(&grow_failures_armed, 1, __ATOMIC_RELEASE);
    pthread_mutex_lock(&rc.lock);
    rc.first_go = true;
    pthread_cond_broadcast(&rc.cond);
    pthread_mutex_unlock(&rc.lock);
    pthread_join(first, NULL);
    pthread_join(second, NULL);
    assert_int_equal(first_wrong, 0);
    assert_int_equal(second_wrong, 0);
    assert_int_equal(__atomic_load_n(&grow_failures_armed, __ATOMIC_ACQUIRE), 0); /* it failed */

    pthread_mutex_lock(&rc.lock);
    int unbuilt = rc.unbuilt_second, calls = rc.second_calls;
    pthread_mutex_unlock(&rc.lock);
    assert_true(calls > 0);
    if (unbuilt != 0)
        fail_msg("%d of the second writer's %d clock calls decided with an index rebuilt "
                 "inside the write lock", unbuilt, calls);
    /* Every record stays findable: the index was built again from the table. */
    for (size_t i = 0; i <= NOMEM_FIRST_BATCH; i++) {
        char id[NOMEM_ID_BYTES];
        snprintf(id, sizeof id, i < NOMEM_FIRST_BATCH ? "first-%zu" : "second-0", i);
        booking_record rec;
        assert_int_equal(booking_get_booking(rc.store, id, &reason, &rec), BOOKING_OK);
        if (reason != BOOKING_REASON_OK)
            fail_msg("%s: %s", id, booking_reason_name(reason));
    }
    booking_resource res;
    assert_int_equal(booking_get_resource(rc.store, "nomem-r", &reason, &res), BOOKING_OK);
    assert_true(res.booked == NOMEM_RECORDS_BEFORE + NOMEM_FIRST_BATCH + 1);
    booking_store_close(rc.store);
    test_tmpdir_remove();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_writer_never_rebuilds_the_forgotten_index_under_the_write_lock),
    };
    return cmocka_run_group_tests_name("sqlite_index_nomem", tests, NULL, NULL);
}
