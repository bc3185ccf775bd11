/* SPDX-License-Identifier: MIT */
/*
 * build_info.h: what `booking --version` and booking_build_info say about the
 * build: the store engines compiled in, the source commit (recorded when CMake
 * configured the tree; "unknown" outside a git checkout) and the compiler.
 */
#ifndef BOOKING_UTIL_BUILD_INFO_H
#define BOOKING_UTIL_BUILD_INFO_H

#ifdef BOOKING_WITH_POSTGRES
#define BOOKING_BUILD_STORES "sqlite,memory,postgres"
#else
#define BOOKING_BUILD_STORES "sqlite,memory"
#endif

#ifndef BOOKING_BUILD_COMMIT
#define BOOKING_BUILD_COMMIT "unknown"
#endif

#if defined(__clang__)
#define BOOKING_BUILD_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define BOOKING_BUILD_COMPILER "gcc " __VERSION__
#else
#define BOOKING_BUILD_COMPILER "unknown"
#endif

#endif
