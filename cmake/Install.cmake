# Install rules: what `make install` (PREFIX, DESTDIR) and `cmake --install BUILD
# [--prefix P]` put where. The prefix is read at install time, not at configure
# time, so one build tree installs correctly under any --prefix; the pkg-config
# file and the systemd unit are therefore written during the install itself.
include(GNUInstallDirs)

set(BOOKING_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING
    "Where booking.service goes, relative to the install prefix")

install(TARGETS booking RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS booking_shared LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# The sealed archive, not the internal one the program links (src/CMakeLists.txt).
get_target_property(_booking_sealed_archive booking_sealed BOOKING_SEALED_ARCHIVE)
install(FILES ${_booking_sealed_archive} DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(FILES ${PROJECT_SOURCE_DIR}/include/booking.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(FILES ${PROJECT_SOURCE_DIR}/man/booking.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/man/libbooking.3 DESTINATION ${CMAKE_INSTALL_MANDIR}/man3)
# The contract and the guides (docs/*.md) go beside the API description.
file(GLOB BOOKING_DOC_PAGES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${PROJECT_SOURCE_DIR}/docs/openapi.json ${BOOKING_DOC_PAGES}
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/examples/embed.c ${PROJECT_SOURCE_DIR}/examples/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/booking.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME booking)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/grafana-dashboard.json
              ${PROJECT_SOURCE_DIR}/packaging/booking.default DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(PROGRAMS ${PROJECT_SOURCE_DIR}/examples/curl-session.sh ${PROJECT_SOURCE_DIR}/examples/hotel-nights.sh
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# pkg-config: what a link against libbooking.a needs besides the archive. The
# store engines' libraries are private (booking.h shows none of their types).
# libpq is named with -lpq rather than Requires.private: Debian's libpq.pc asks a
# --static link for libpgcommon/libpgport archives that no -dev package ships,
# so libbooking.a links with the shared libpq, as every distribution does.
set(BOOKING_PC_REQUIRES_PRIVATE "sqlite3")
set(BOOKING_PC_LIBS_PRIVATE "-pthread")
get_target_property(_booking_static_libs booking_static INTERFACE_LINK_LIBRARIES)
string(TOLOWER "${_booking_static_libs}" _booking_static_libs)
if(_booking_static_libs MATCHES "pq|postgres")
  string(APPEND BOOKING_PC_LIBS_PRIVATE " -lpq")
endif()
foreach(kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${kind}}")
    set(BOOKING_PC_${kind} "${CMAKE_INSTALL_${kind}}")
  else()
    set(BOOKING_PC_${kind} "\${prefix}/${CMAKE_INSTALL_${kind}}")
  endif()
endforeach()
set(BOOKING_PC_PREFIX "@BOOKING_PC_PREFIX@") # filled in at install time, below
set(_booking_pkg_dir ${PROJECT_BINARY_DIR}/packaging)
configure_file(${PROJECT_SOURCE_DIR}/packaging/libbooking.pc.in
               ${_booking_pkg_dir}/libbooking.pc.prefix-pending @ONLY)

# At install time: the prefix into the .pc file, and the program's installed
# path into the unit's ExecStart (the checked-in unit names /usr/bin/booking).
# Both are written under a name unique to DESTDIR and prefix, so two installs
# from one tree at once (the install tests run in parallel) do not collide, and
# installed with file(INSTALL), which honours DESTDIR and the install manifest.
install(CODE "
  set(_booking_pkg_dir \"${_booking_pkg_dir}\")
  set(_booking_unit_src \"${PROJECT_SOURCE_DIR}/packaging/booking.service\")
  set(_booking_bindir \"${CMAKE_INSTALL_BINDIR}\")
  set(_booking_pcdir \"${CMAKE_INSTALL_LIBDIR}/pkgconfig\")
  set(_booking_unitdir \"${BOOKING_SYSTEMD_UNITDIR}\")
")
install(CODE [[
  foreach(_booking_dir bindir pcdir unitdir)
    if(NOT IS_ABSOLUTE "${_booking_${_booking_dir}}")
      set(_booking_${_booking_dir} "${CMAKE_INSTALL_PREFIX}/${_booking_${_booking_dir}}")
    endif()
  endforeach()
  string(MD5 _booking_tag "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
  set(_booking_out "${_booking_pkg_dir}/install-${_booking_tag}")
  set(BOOKING_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  configure_file("${_booking_pkg_dir}/libbooking.pc.prefix-pending"
                 "${_booking_out}/libbooking.pc" @ONLY)
  file(READ "${_booking_unit_src}" _booking_unit)
  string(REPLACE "/usr/bin/booking " "${_booking_bindir}/booking " _booking_unit "${_booking_unit}")
  file(WRITE "${_booking_out}/booking.service" "${_booking_unit}")
  file(INSTALL DESTINATION "${_booking_pcdir}" TYPE FILE FILES "${_booking_out}/libbooking.pc")
  file(INSTALL DESTINATION "${_booking_unitdir}" TYPE FILE FILES "${_booking_out}/booking.service")
]])

# find_package(booking): a config file and its version file, under the libdir.
# 0.x minors may break the API, so a request for 0.1 accepts 0.1.x only; from 1.0
# on, any later 1.x.
include(CMakePackageConfigHelpers)
set(BOOKING_CONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/booking)
file(RELATIVE_PATH BOOKING_CONFIG_TO_PREFIX /prefix/${BOOKING_CONFIG_DIR} /prefix)
if(BOOKING_WITH_POSTGRES)
  set(BOOKING_WITH_POSTGRES TRUE)
else()
  set(BOOKING_WITH_POSTGRES FALSE)
endif()
configure_file(${PROJECT_SOURCE_DIR}/cmake/bookingConfig.cmake.in
               ${_booking_pkg_dir}/bookingConfig.cmake @ONLY)
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_booking_compatibility SameMinorVersion)
else()
  set(_booking_compatibility SameMajorVersion)
endif()
write_basic_package_version_file(${_booking_pkg_dir}/bookingConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY ${_booking_compatibility})
install(FILES ${_booking_pkg_dir}/bookingConfig.cmake ${_booking_pkg_dir}/bookingConfigVersion.cmake
        DESTINATION ${BOOKING_CONFIG_DIR})
