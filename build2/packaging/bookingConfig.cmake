# SPDX-License-Identifier: MIT
# bookingConfig.cmake: what find_package(booking) reads after `make install`.
# Imported targets:
#   booking::booking         libbooking.so (the default; needs nothing more)
#   booking::booking_static  libbooking.a, with the libraries it needs to link
# Variables: booking_VERSION, booking_WITH_POSTGRES.
# Written by cmake/Install.cmake; the paths are relative to this file, so a
# staged (DESTDIR) or relocated install works as well as the real one.
include(CMakeFindDependencyMacro)
find_dependency(Threads)

get_filename_component(_booking_prefix "${CMAKE_CURRENT_LIST_DIR}/../../../"
                       ABSOLUTE)
set(booking_WITH_POSTGRES TRUE)

if(NOT TARGET booking::booking)
  add_library(booking::booking SHARED IMPORTED)
  set_target_properties(booking::booking PROPERTIES
    IMPORTED_LOCATION "${_booking_prefix}/lib/libbooking.so.0.1.0"
    IMPORTED_SONAME "libbooking.so.0.1"
    INTERFACE_INCLUDE_DIRECTORIES "${_booking_prefix}/include")
endif()
if(NOT TARGET booking::booking_static)
  add_library(booking::booking_static STATIC IMPORTED)
  set(_booking_static_deps sqlite3 Threads::Threads)
  if(booking_WITH_POSTGRES)
    list(APPEND _booking_static_deps pq)
  endif()
  set_target_properties(booking::booking_static PROPERTIES
    IMPORTED_LOCATION "${_booking_prefix}/lib/libbooking.a"
    IMPORTED_LINK_INTERFACE_LANGUAGES C
    INTERFACE_INCLUDE_DIRECTORIES "${_booking_prefix}/include"
    INTERFACE_LINK_LIBRARIES "${_booking_static_deps}")
  unset(_booking_static_deps)
endif()
unset(_booking_prefix)
