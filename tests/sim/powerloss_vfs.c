/* SPDX-License-Identifier: MIT */
/*
 * powerloss_vfs.c: the power-cut shim of powerloss_vfs.h. Each tracked file
 * (by path, shared by every handle SQLite opens on it: an fsync through one
 * handle makes the file durable for all) keeps an undo list of pre-images
 * (offset, bytes) since its last sync. A cut applies them newest first through
 * the path, so the file ends as it was at the last sync, and truncates it to
 * the size it had then. The record outlives the handles: data written and not
 * synced is at risk even after close. Deleting a file forgets it.
 */
#include "sim/powerloss_vfs.h"

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct pl_undo {
    sqlite3_int64 offset;
    int len;
    unsigned char *bytes;
} pl_undo;

/* What the disk holds durably of one file, and how to get back to it. */
typedef struct pl_inode {
    struct pl_inode *next;
    char *path;
    sqlite3_int64 synced_size;
    pl_undo *undo;
    size_t undo_len, undo_cap;
} pl_inode;

typedef struct pl_file {
    sqlite3_file base;
    sqlite3_file *real;
    pl_inode *inode; /* main database or WAL; NULL for files not tracked */
} pl_file;

#define PL_FILE_HEADER (((sizeof(pl_file) + 15) / 16) * 16)

static sqlite3_vfs pl_vfs;
static sqlite3_vfs *real_vfs;
static pl_inode *inodes;
static bool power_off;

static void undo_clear(pl_inode *f)
{
    for (size_t i = 0; i < f->undo_len; i++)
        free(f->undo[i].bytes);
    f->undo_len = 0;
}

/* Saves what [offset, offset + amt) holds now, before a write or truncate changes it. */
static int save_preimage(pl_file *file, sqlite3_int64 offset, sqlite3_int64 amt)
{
    pl_inode *f = file->inode;
    sqlite3_int64 size = 0;
    int rc = file->real->pMethods->xFileSize(file->real, &size);
    if (rc != SQLITE_OK)
        return rc;
    if (offset >= size || amt <= 0)
        return SQLITE_OK;
    if (offset + amt > size)
        amt = size - offset;
    if (f->undo_len == f->undo_cap) {
        size_t cap = f->undo_cap ? f->undo_cap * 2 : 64;
        pl_undo *grown = realloc(f->undo, cap * sizeof *grown);
        if (grown == NULL)
            return SQLITE_NOMEM;
        f->undo = grown;
        f->undo_cap = cap;
    }
    unsigned char *bytes = malloc((size_t)amt);
    if (bytes == NULL)
        return SQLITE_NOMEM;
    rc = file->real->pMethods->xRead(file->real, bytes, (int)amt, offset);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ) {
        free(bytes);
        return rc;
    }
    f->undo[f->undo_len++] = (pl_undo){.offset = offset, .len = (int)amt, .bytes = bytes};
    return SQLITE_OK;
}

static int pl_close(sqlite3_file *file)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xClose(f->real);
}

static int pl_read(sqlite3_file *file, void *buf, int amt, sqlite3_int64 offset)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xRead(f->real, buf, amt, offset);
}

static int pl_write(sqlite3_file *file, const void *buf, int amt, sqlite3_int64 offset)
{
    pl_file *f = (pl_file *)file;
    if (power_off)
        return SQLITE_IOERR_WRITE;
    if (f->inode != NULL) {
        int rc = save_preimage(f, offset, amt);
        if (rc != SQLITE_OK)
            return rc;
    }
    return f->real->pMethods->xWrite(f->real, buf, amt, offset);
}

static int pl_truncate(sqlite3_file *file, sqlite3_int64 size)
{
    pl_file *f = (pl_file *)file;
    if (power_off)
        return SQLITE_IOERR_TRUNCATE;
    if (f->inode != NULL) {
        int rc = save_preimage(f, size, INT32_MAX);
        if (rc != SQLITE_OK)
            return rc;
    }
    return f->real->pMethods->xTruncate(f->real, size);
}

static int pl_sync(sqlite3_file *file, int flags)
{
    pl_file *f = (pl_file *)file;
    if (power_off)
        return SQLITE_IOERR_FSYNC;
    int rc = f->real->pMethods->xSync(f->real, flags);
    if (rc == SQLITE_OK && f->inode != NULL) {
        undo_clear(f->inode);
        rc = f->real->pMethods->xFileSize(f->real, &f->inode->synced_size);
    }
    return rc;
}

static int pl_file_size(sqlite3_file *file, sqlite3_int64 *size)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xFileSize(f->real, size);
}

static int pl_lock(sqlite3_file *file, int level)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xLock(f->real, level);
}

static int pl_unlock(sqlite3_file *file, int level)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xUnlock(f->real, level);
}

static int pl_check_reserved(sqlite3_file *file, int *out)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int pl_file_control(sqlite3_file *file, int op, void *arg)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int pl_sector_size(sqlite3_file *file)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xSectorSize(f->real);
}

static int pl_device_characteristics(sqlite3_file *file)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int pl_shm_map(sqlite3_file *file, int page, int size, int extend, void volatile **out)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xShmMap(f->real, page, size, extend, out);
}

static int pl_shm_lock(sqlite3_file *file, int offset, int n, int flags)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xShmLock(f->real, offset, n, flags);
}

static void pl_shm_barrier(sqlite3_file *file)
{
    pl_file *f = (pl_file *)file;
    f->real->pMethods->xShmBarrier(f->real);
}

static int pl_shm_unmap(sqlite3_file *file, int delete_flag)
{
    pl_file *f = (pl_file *)file;
    return f->real->pMethods->xShmUnmap(f->real, delete_flag);
}

/* Memory maps are refused so every read goes through xRead. */
static int pl_fetch(sqlite3_file *file, sqlite3_int64 offset, int amt, void **out)
{
    (void)file;
    (void)offset;
    (void)amt;
    *out = NULL;
    return SQLITE_OK;
}

static int pl_unfetch(sqlite3_file *file, sqlite3_int64 offset, void *p)
{
    (void)file;
    (void)offset;
    (void)p;
    return SQLITE_OK;
}

static const sqlite3_io_methods pl_io_methods = {
    .iVersion = 3,
    .xClose = pl_close,
    .xRead = pl_read,
    .xWrite = pl_write,
    .xTruncate = pl_truncate,
    .xSync = pl_sync,
    .xFileSize = pl_file_size,
    .xLock = pl_lock,
    .xUnlock = pl_unlock,
    .xCheckReservedLock = pl_check_reserved,
    .xFileControl = pl_file_control,
    .xSectorSize = pl_sector_size,
    .xDeviceCharacteristics = pl_device_characteristics,
    .xShmMap = pl_shm_map,
    .xShmLock = pl_shm_lock,
    .xShmBarrier = pl_shm_barrier,
    .xShmUnmap = pl_shm_unmap,
    .xFetch = pl_fetch,
    .xUnfetch = pl_unfetch,
};

/* The record of path, made on first sight with the size the file has then. */
static pl_inode *inode_for(const char *path, sqlite3_file *real)
{
    for (pl_inode *i = inodes; i != NULL; i = i->next) {
        if (strcmp(i->path, path) == 0)
            return i;
    }
    pl_inode *i = calloc(1, sizeof *i);
    if (i == NULL || (i->path = strdup(path)) == NULL) {
        free(i);
        return NULL;
    }
    if (real->pMethods->xFileSize(real, &i->synced_size) != SQLITE_OK)
        i->synced_size = 0;
    i->next = inodes;
    inodes = i;
    return i;
}

static void inode_forget(const char *path)
{
    for (pl_inode **p = &inodes; *p != NULL; p = &(*p)->next) {
        if (strcmp((*p)->path, path) == 0) {
            pl_inode *i = *p;
            *p = i->next;
            undo_clear(i);
            free(i->undo);
            free(i->path);
            free(i);
            return;
        }
    }
}

static int pl_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
                   int *out_flags)
{
    (void)vfs;
    pl_file *f = (pl_file *)file;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)((char *)f + PL_FILE_HEADER);
    int rc = real_vfs->xOpen(real_vfs, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        f->base.pMethods = NULL; /* SQLite does not close a file whose open failed */
        return rc;
    }
    f->base.pMethods = &pl_io_methods;
    if (name != NULL && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0) {
        f->inode = inode_for(name, f->real);
        if (f->inode == NULL) {
            f->real->pMethods->xClose(f->real);
            f->base.pMethods = NULL;
            return SQLITE_NOMEM;
        }
    }
    return SQLITE_OK;
}

static int pl_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    if (power_off)
        return SQLITE_IOERR_DELETE;
    int rc = real_vfs->xDelete(real_vfs, name, sync_dir);
    if (rc == SQLITE_OK)
        inode_forget(name);
    return rc;
}

static int pl_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int pl_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static int pl_randomness(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, n, out);
}

static int pl_sleep(sqlite3_vfs *vfs, int us)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, us);
}

static int pl_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int pl_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

static int pl_get_last_error(sqlite3_vfs *vfs, int n, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, n, out) : 0;
}

int powerloss_vfs_register(const char *name)
{
    if (real_vfs != NULL)
        return SQLITE_OK;
    real_vfs = sqlite3_vfs_find(NULL);
    if (real_vfs == NULL)
        return SQLITE_ERROR;
    pl_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)PL_FILE_HEADER + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = name,
        .xOpen = pl_open,
        .xDelete = pl_delete,
        .xAccess = pl_access,
        .xFullPathname = pl_full_pathname,
        .xRandomness = pl_randomness,
        .xSleep = pl_sleep,
        .xCurrentTime = pl_current_time,
        .xGetLastError = pl_get_last_error,
        .xCurrentTimeInt64 = pl_current_time_int64,
    };
    int rc = sqlite3_vfs_register(&pl_vfs, 0);
    if (rc != SQLITE_OK)
        real_vfs = NULL;
    return rc;
}

int powerloss_vfs_cut(void)
{
    int files = 0;
    power_off = true;
    for (pl_inode *f = inodes; f != NULL; f = f->next) {
        int fd = open(f->path, O_RDWR);
        if (fd < 0)
            continue; /* gone: nothing of it to roll back */
        bool ok = true;
        for (size_t i = f->undo_len; ok && i-- > 0;) {
            pl_undo *u = &f->undo[i];
            ok = pwrite(fd, u->bytes, (size_t)u->len, (off_t)u->offset) == u->len;
        }
        struct stat st;
        ok = ok && fstat(fd, &st) == 0;
        if (ok && st.st_size > f->synced_size)
            ok = ftruncate(fd, (off_t)f->synced_size) == 0;
        if (close(fd) != 0 || !ok)
            return -1;
        undo_clear(f);
        files++;
    }
    return files;
}

void powerloss_vfs_restore(void)
{
    power_off = false;
}
