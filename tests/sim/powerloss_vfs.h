/* SPDX-License-Identifier: MIT */
/*
 * powerloss_vfs.h: a SQLite VFS shim that simulates a power cut. It forwards to
 * the default VFS but keeps, per database and WAL file, the bytes each write
 * overwrote since that file's last xSync. powerloss_vfs_cut() puts those bytes
 * back and truncates each file to its size at the last sync (what the disk
 * holds after the power goes), then fails every further write, sync, truncate
 * and delete until powerloss_vfs_restore(), so closing the store cannot write.
 * The caller deletes the -shm file (shared memory is never synced). Name it in
 * a store URL: "sqlite:PATH?vfs=NAME". Not thread-safe: one-threaded tests.
 */
#ifndef BOOKING_TEST_POWERLOSS_VFS_H
#define BOOKING_TEST_POWERLOSS_VFS_H

/* Registers the shim under name (once; later calls do nothing). A SQLite code. */
int powerloss_vfs_register(const char *name);

/* The power goes: unsynced writes vanish, every later write fails. Returns the
 * number of files rolled back to their last sync, or -1 if that failed. */
int powerloss_vfs_cut(void);

/* Power is back: writes pass through again. */
void powerloss_vfs_restore(void);

#endif
