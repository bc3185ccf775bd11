/* SPDX-License-Identifier: MIT */
/*
 * sqlite_fault_vfs.c: the fault-injecting VFS (see the header). Each file the
 * shim opens is a fault_file followed in the same allocation by the real VFS's
 * file; every method counts itself, may fail, and otherwise forwards. Memory
 * maps are refused (xFetch answers "no mapping") so that every page read goes
 * through xRead, where a fault can reach it.
 */
#include "fault/sqlite_fault_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define FAULT_DETAIL_SIZE 96

typedef struct fault_file {
    sqlite3_file base; /* base.pMethods = &fault_io_methods once opened */
    sqlite3_file *real;
    fault_file_kind kind;
} fault_file;

/* The state of the one armed fault, under fault_lock. */
static struct {
    bool armed, persistent, fired;
    fault_op op, fired_op;
    fault_file_kind fired_file;
    unsigned long nth, period, seen;
    char detail[FAULT_DETAIL_SIZE];
} fault;
static pthread_mutex_t fault_lock = PTHREAD_MUTEX_INITIALIZER;

static sqlite3_vfs fault_vfs;
static sqlite3_vfs *real_vfs;

void fault_vfs_arm(fault_op op, unsigned long nth, bool persistent)
{
    pthread_mutex_lock(&fault_lock);
    memset(&fault, 0, sizeof fault);
    fault.armed = true;
    fault.op = op;
    fault.nth = nth;
    fault.persistent = persistent;
    pthread_mutex_unlock(&fault_lock);
}

void fault_vfs_arm_every(fault_op op, unsigned long period)
{
    pthread_mutex_lock(&fault_lock);
    memset(&fault, 0, sizeof fault);
    fault.armed = true;
    fault.op = op;
    fault.nth = period;
    fault.period = period;
    pthread_mutex_unlock(&fault_lock);
}

void fault_vfs_disarm(void)
{
    pthread_mutex_lock(&fault_lock);
    fault.armed = false;
    pthread_mutex_unlock(&fault_lock);
}

bool fault_vfs_fired(void)
{
    pthread_mutex_lock(&fault_lock);
    bool fired = fault.fired;
    pthread_mutex_unlock(&fault_lock);
    return fired;
}

fault_op fault_vfs_fired_op(void)
{
    pthread_mutex_lock(&fault_lock);
    fault_op op = fault.fired_op;
    pthread_mutex_unlock(&fault_lock);
    return op;
}

fault_file_kind fault_vfs_fired_file(void)
{
    pthread_mutex_lock(&fault_lock);
    fault_file_kind kind = fault.fired_file;
    pthread_mutex_unlock(&fault_lock);
    return kind;
}

unsigned long fault_vfs_seen(void)
{
    pthread_mutex_lock(&fault_lock);
    unsigned long seen = fault.seen;
    pthread_mutex_unlock(&fault_lock);
    return seen;
}

const char *fault_op_name(fault_op op)
{
    static const char *const names[FAULT_OP_COUNT] = {
        [FAULT_OP_ANY] = "any",         [FAULT_OP_READ] = "read",
        [FAULT_OP_WRITE] = "write",     [FAULT_OP_SYNC] = "sync",
        [FAULT_OP_TRUNCATE] = "truncate", [FAULT_OP_FILE_SIZE] = "file_size",
        [FAULT_OP_LOCK] = "lock",       [FAULT_OP_SHM] = "shm",
        [FAULT_OP_OPEN] = "open",       [FAULT_OP_DISK_FULL] = "disk_full",
    };
    return op < FAULT_OP_COUNT ? names[op] : "?";
}

const char *fault_file_kind_name(fault_file_kind kind)
{
    static const char *const names[] = {"vfs", "db", "wal", "journal", "other"};
    return kind <= FAULT_FILE_OTHER ? names[kind] : "?";
}

const char *fault_vfs_fired_detail(void)
{
    return fault.detail; /* written once, when the first fault fires */
}

/* Counts one operation of kind `op` on a file of kind `file`; true if it must
 * fail. `method` and `arg` (if >= 0) describe it for fault_vfs_fired_detail(). */
static bool hit_locked(fault_op op, fault_file_kind file, const char *method, long long arg)
{
    bool counts = fault.op == FAULT_OP_ANY || fault.op == op ||
                  (fault.op == FAULT_OP_DISK_FULL && op == FAULT_OP_WRITE);
    if (!fault.armed || !counts)
        return false;
    fault.seen++;
    if (fault.period != 0 ? fault.seen % fault.period != 0
                          : fault.seen < fault.nth || (fault.seen > fault.nth && !fault.persistent))
        return false;
    if (!fault.fired) {
        fault.fired = true;
        fault.fired_op = op;
        fault.fired_file = file;
        if (arg < 0)
            snprintf(fault.detail, sizeof fault.detail, "%s on %s", method,
                     fault_file_kind_name(file));
        else
            snprintf(fault.detail, sizeof fault.detail, "%s %lld on %s", method, arg,
                     fault_file_kind_name(file));
    }
    return true;
}

static bool hit_detail(fault_op op, fault_file_kind file, const char *method, long long arg)
{
    pthread_mutex_lock(&fault_lock);
    bool fail = hit_locked(op, file, method, arg);
    pthread_mutex_unlock(&fault_lock);
    return fail;
}

#define hit(op, file) hit_detail(op, file, __func__, -1)

static bool armed_for_disk_full(void)
{
    pthread_mutex_lock(&fault_lock);
    bool full = fault.op == FAULT_OP_DISK_FULL;
    pthread_mutex_unlock(&fault_lock);
    return full;
}

/* ---- file methods ---- */

static sqlite3_file *real_of(sqlite3_file *f)
{
    return ((fault_file *)f)->real;
}

static fault_file_kind kind_of(sqlite3_file *f)
{
    return ((fault_file *)f)->kind;
}

static int ff_close(sqlite3_file *f)
{
    /* Not a fault point: SQLite ignores what xClose returns. */
    sqlite3_file *r = real_of(f);
    int rc = r->pMethods ? r->pMethods->xClose(r) : SQLITE_OK;
    f->pMethods = NULL;
    return rc;
}

static int ff_read(sqlite3_file *f, void *buf, int amount, sqlite3_int64 offset)
{
    if (hit(FAULT_OP_READ, kind_of(f)))
        return SQLITE_IOERR_READ;
    return real_of(f)->pMethods->xRead(real_of(f), buf, amount, offset);
}

static int ff_write(sqlite3_file *f, const void *buf, int amount, sqlite3_int64 offset)
{
    if (hit(FAULT_OP_WRITE, kind_of(f)))
        return armed_for_disk_full() ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    return real_of(f)->pMethods->xWrite(real_of(f), buf, amount, offset);
}

static int ff_truncate(sqlite3_file *f, sqlite3_int64 size)
{
    if (hit(FAULT_OP_TRUNCATE, kind_of(f)))
        return SQLITE_IOERR_TRUNCATE;
    return real_of(f)->pMethods->xTruncate(real_of(f), size);
}

static int ff_sync(sqlite3_file *f, int flags)
{
    if (hit(FAULT_OP_SYNC, kind_of(f)))
        return SQLITE_IOERR_FSYNC;
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}

static int ff_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
    if (hit(FAULT_OP_FILE_SIZE, kind_of(f)))
        return SQLITE_IOERR_FSTAT;
    return real_of(f)->pMethods->xFileSize(real_of(f), size);
}

static int ff_lock(sqlite3_file *f, int level)
{
    if (hit(FAULT_OP_LOCK, kind_of(f)))
        return SQLITE_IOERR_LOCK;
    return real_of(f)->pMethods->xLock(real_of(f), level);
}

/* A failed unlock still unlocks: SQLite ignores unlock errors and never
 * retries them, so an unlock that really left the lock held would wedge the
 * connection for good (see the report in fault_injection.c); what is modelled
 * is the error being reported. */
static int ff_unlock(sqlite3_file *f, int level)
{
    int rc = real_of(f)->pMethods->xUnlock(real_of(f), level);
    if (hit(FAULT_OP_LOCK, kind_of(f)))
        return SQLITE_IOERR_UNLOCK;
    return rc;
}

static int ff_check_reserved_lock(sqlite3_file *f, int *out)
{
    if (hit(FAULT_OP_LOCK, kind_of(f)))
        return SQLITE_IOERR_CHECKRESERVEDLOCK;
    return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}

static int ff_file_control(sqlite3_file *f, int op, void *arg)
{
    return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}

static int ff_sector_size(sqlite3_file *f)
{
    return real_of(f)->pMethods->xSectorSize(real_of(f));
}

static int ff_device_characteristics(sqlite3_file *f)
{
    return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}

static int ff_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **out)
{
    if (hit(FAULT_OP_SHM, kind_of(f)))
        return SQLITE_IOERR_SHMMAP;
    return real_of(f)->pMethods->xShmMap(real_of(f), region, size, extend, out);
}

static int ff_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    if (flags & SQLITE_SHM_UNLOCK) { /* unlocks, then reports: as ff_unlock */
        int rc = real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
        if (hit_detail(FAULT_OP_SHM, kind_of(f), "xShmLock unlock, offset", offset))
            return SQLITE_IOERR_SHMLOCK;
        return rc;
    }
    if (hit_detail(FAULT_OP_SHM, kind_of(f), "xShmLock lock, offset", offset))
        return SQLITE_IOERR_SHMLOCK;
    return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}

static void ff_shm_barrier(sqlite3_file *f)
{
    real_of(f)->pMethods->xShmBarrier(real_of(f));
}

static int ff_shm_unmap(sqlite3_file *f, int delete_flag)
{
    return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

static int ff_fetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **out)
{
    (void)f;
    (void)offset;
    (void)amount;
    *out = NULL; /* no mapping: SQLite reads the page with xRead */
    return SQLITE_OK;
}

static int ff_unfetch(sqlite3_file *f, sqlite3_int64 offset, void *p)
{
    (void)f;
    (void)offset;
    (void)p;
    return SQLITE_OK; /* nothing was ever mapped */
}

static const sqlite3_io_methods fault_io_methods = {
    .iVersion = 3,
    .xClose = ff_close,
    .xRead = ff_read,
    .xWrite = ff_write,
    .xTruncate = ff_truncate,
    .xSync = ff_sync,
    .xFileSize = ff_file_size,
    .xLock = ff_lock,
    .xUnlock = ff_unlock,
    .xCheckReservedLock = ff_check_reserved_lock,
    .xFileControl = ff_file_control,
    .xSectorSize = ff_sector_size,
    .xDeviceCharacteristics = ff_device_characteristics,
    .xShmMap = ff_shm_map,
    .xShmLock = ff_shm_lock,
    .xShmBarrier = ff_shm_barrier,
    .xShmUnmap = ff_shm_unmap,
    .xFetch = ff_fetch,
    .xUnfetch = ff_unfetch,
};

/* ---- VFS methods ---- */

static fault_file_kind kind_from_flags(int flags)
{
    if (flags & SQLITE_OPEN_MAIN_DB)
        return FAULT_FILE_DB;
    if (flags & SQLITE_OPEN_WAL)
        return FAULT_FILE_WAL;
    if (flags & SQLITE_OPEN_MAIN_JOURNAL)
        return FAULT_FILE_JOURNAL;
    return FAULT_FILE_OTHER;
}

static int fv_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags,
                   int *out_flags)
{
    (void)vfs;
    fault_file *ff = (fault_file *)f;
    ff->base.pMethods = NULL;
    ff->real = (sqlite3_file *)(ff + 1);
    ff->real->pMethods = NULL;
    ff->kind = kind_from_flags(flags);
    if (hit(FAULT_OP_OPEN, ff->kind))
        return SQLITE_CANTOPEN;
    int rc = real_vfs->xOpen(real_vfs, name, ff->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (ff->real->pMethods != NULL)
            ff->real->pMethods->xClose(ff->real);
        return rc;
    }
    if (ff->real->pMethods->iVersion < fault_io_methods.iVersion) {
        ff->real->pMethods->xClose(ff->real); /* the shim forwards version 3 methods */
        return SQLITE_CANTOPEN;
    }
    ff->base.pMethods = &fault_io_methods;
    return SQLITE_OK;
}

static int fv_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    if (hit(FAULT_OP_OPEN, FAULT_FILE_NONE))
        return SQLITE_IOERR_DELETE;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int fv_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    if (hit(FAULT_OP_OPEN, FAULT_FILE_NONE))
        return SQLITE_IOERR_ACCESS;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fv_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, size, out);
}

static void *fv_dl_open(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void fv_dl_error(sqlite3_vfs *vfs, int size, char *out)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, size, out);
}

static void (*fv_dl_sym(sqlite3_vfs *vfs, void *handle, const char *sym))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, handle, sym);
}

static void fv_dl_close(sqlite3_vfs *vfs, void *handle)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, handle);
}

static int fv_randomness(sqlite3_vfs *vfs, int size, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, size, out);
}

static int fv_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int fv_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int fv_get_last_error(sqlite3_vfs *vfs, int size, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, size, out) : 0;
}

static int fv_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int fault_vfs_register(const char *name)
{
    if (real_vfs != NULL)
        return SQLITE_OK;
    int rc = sqlite3_initialize();
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_vfs *dflt = sqlite3_vfs_find(NULL);
    if (dflt == NULL || dflt->iVersion < 2)
        return SQLITE_ERROR;
    real_vfs = dflt;
    fault_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)sizeof(fault_file) + dflt->szOsFile,
        .mxPathname = dflt->mxPathname,
        .zName = name,
        .xOpen = fv_open,
        .xDelete = fv_delete,
        .xAccess = fv_access,
        .xFullPathname = fv_full_pathname,
        .xDlOpen = fv_dl_open,
        .xDlError = fv_dl_error,
        .xDlSym = fv_dl_sym,
        .xDlClose = fv_dl_close,
        .xRandomness = fv_randomness,
        .xSleep = fv_sleep,
        .xCurrentTime = fv_current_time,
        .xGetLastError = fv_get_last_error,
        .xCurrentTimeInt64 = fv_current_time_int64,
    };
    rc = sqlite3_vfs_register(&fault_vfs, 0);
    if (rc != SQLITE_OK)
        real_vfs = NULL;
    return rc;
}
