/* SPDX-License-Identifier: MIT */
/*
 * sqlite_fault_vfs.h: a SQLite VFS shim for fault-injection tests. It wraps the
 * default VFS and makes the Nth operation of a chosen kind (counted from when it
 * is armed) fail with the I/O error a real disk would give; everything else is
 * passed through. Name it in a store URL: "sqlite:PATH?vfs=NAME".
 * Thread-safe: connections used from several threads share the one fault.
 */
#ifndef BOOKING_TEST_SQLITE_FAULT_VFS_H
#define BOOKING_TEST_SQLITE_FAULT_VFS_H

#include <stdbool.h>

typedef enum fault_op {
    FAULT_OP_ANY,       /* every kind below counts */
    FAULT_OP_READ,      /* xRead: SQLITE_IOERR_READ */
    FAULT_OP_WRITE,     /* xWrite: SQLITE_IOERR_WRITE (nothing is written) */
    FAULT_OP_SYNC,      /* xSync: SQLITE_IOERR_FSYNC (the data was written) */
    FAULT_OP_TRUNCATE,  /* xTruncate: SQLITE_IOERR_TRUNCATE */
    FAULT_OP_FILE_SIZE, /* xFileSize: SQLITE_IOERR_FSTAT */
    FAULT_OP_LOCK,      /* xLock, xUnlock, xCheckReservedLock */
    FAULT_OP_SHM,       /* xShmMap, xShmLock: the WAL index */
    FAULT_OP_OPEN,      /* xOpen, xDelete, xAccess of the VFS */
    FAULT_OP_DISK_FULL, /* xWrite again, failing with SQLITE_FULL */
    FAULT_OP_COUNT
} fault_op;

/* Which file an operation was on, from the flags it was opened with. */
typedef enum fault_file_kind {
    FAULT_FILE_NONE, /* a VFS-level operation */
    FAULT_FILE_DB,
    FAULT_FILE_WAL,
    FAULT_FILE_JOURNAL,
    FAULT_FILE_OTHER,
} fault_file_kind;

/* Registers the shim under `name` (not as the default). Returns a SQLite code. */
int fault_vfs_register(const char *name);

/* From now on, the nth (1-based) operation of kind `op` fails; with
 * `persistent`, every later one of that kind fails too, until disarmed. */
void fault_vfs_arm(fault_op op, unsigned long nth, bool persistent);
/* From now on, every period-th operation of kind `op` fails (chaos under load). */
void fault_vfs_arm_every(fault_op op, unsigned long period);
void fault_vfs_disarm(void);

/* Since the last arm: whether a fault was injected, the kind and file of the
 * first one, and how many operations of the armed kind were seen. */
bool fault_vfs_fired(void);
fault_op fault_vfs_fired_op(void);
fault_file_kind fault_vfs_fired_file(void);
unsigned long fault_vfs_seen(void);
const char *fault_vfs_fired_detail(void); /* the first failed call, as text */

const char *fault_op_name(fault_op op);
const char *fault_file_kind_name(fault_file_kind kind);

#endif
