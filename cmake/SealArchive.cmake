# SealArchive.cmake: the installed libbooking.a, whose only global symbols are
# the public API (booking_*), the way libbooking.so exports only those.
#
# Included, it defines
#   booking_seal_archive(TARGET OUTPUT_NAME LIBRARY...)
# which makes TARGET (built by default) write ${CMAKE_CURRENT_BINARY_DIR}/lib<OUTPUT_NAME>.a
# from the objects of the static LIBRARY targets, in three steps:
#   1. one relocatable object of them all (cc -r), so the calls between the
#      library's files are resolved inside it and need no global name;
#   2. objcopy --localize-hidden: every symbol compiled hidden (-fvisibility=hidden,
#      the default of the library's objects) becomes local; BOOKING_API ones stay;
#   3. that one object archived.
# The internal archives the program and the tests link are left as they are:
# they call internals (bk_store_error, bk_overlay_get, ...) by name.

function(booking_seal_archive target output_name)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/sealed-${target}")
  set(object "${dir}/${output_name}.o")
  set(archive "${CMAKE_CURRENT_BINARY_DIR}/lib${output_name}.a")
  set(objects "")
  foreach(lib IN LISTS ARGN)
    list(APPEND objects "$<TARGET_OBJECTS:${lib}>")
  endforeach()
  add_custom_command(
    OUTPUT "${archive}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND ${CMAKE_C_COMPILER} -r -nostdlib -o "${object}" ${objects}
    COMMAND ${CMAKE_OBJCOPY} --localize-hidden "${object}"
    COMMAND ${CMAKE_COMMAND} -E rm -f "${archive}"
    COMMAND ${CMAKE_AR} qc "${archive}" "${object}"
    COMMAND ${CMAKE_RANLIB} "${archive}"
    DEPENDS ${ARGN}
    COMMENT "Sealing lib${output_name}.a: one object, only BOOKING_API symbols global"
    COMMAND_EXPAND_LISTS
    VERBATIM)
  add_custom_target(${target} ALL DEPENDS "${archive}")
  set_target_properties(${target} PROPERTIES BOOKING_SEALED_ARCHIVE "${archive}")
endfunction()
