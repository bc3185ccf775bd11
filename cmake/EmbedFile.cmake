# EmbedFile.cmake: puts a file's bytes into a C library, so a program can serve
# a document (docs/openapi.json at GET /openapi.json) without finding it on disk.
#
# Included, it defines
#   booking_embed_file(TARGET INPUT SYMBOL)
# which makes a static library TARGET with
#   extern const char SYMBOL[];          /* the bytes of INPUT, NUL-terminated */
#   extern const size_t SYMBOL_len;      /* their count, without the NUL */
# declared in the generated header "SYMBOL.h". The source is regenerated when
# INPUT changes. Run with -P (INPUT, OUTPUT_C, OUTPUT_H, SYMBOL set), it writes
# the two files; that is how the build calls it.

if(CMAKE_SCRIPT_MODE_FILE AND NOT CMAKE_PARENT_LIST_FILE)
  file(READ "${INPUT}" _embed_hex HEX)
  string(LENGTH "${_embed_hex}" _embed_hex_len)
  math(EXPR _embed_len "${_embed_hex_len} / 2")
  # 16 bytes a line keeps the generated file readable in a debugger.
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," _embed_bytes "${_embed_hex}")
  string(REGEX REPLACE "((0x[0-9a-f][0-9a-f],){16})" "\\1\n    " _embed_bytes "${_embed_bytes}")
  get_filename_component(_embed_name "${INPUT}" NAME)
  file(WRITE "${OUTPUT_H}"
    "/* Generated from ${_embed_name} by cmake/EmbedFile.cmake: do not edit. */\n"
    "#ifndef EMBED_${SYMBOL}_H\n#define EMBED_${SYMBOL}_H\n#include <stddef.h>\n"
    "extern const char ${SYMBOL}[];\nextern const size_t ${SYMBOL}_len;\n#endif\n")
  file(WRITE "${OUTPUT_C}"
    "/* Generated from ${_embed_name} by cmake/EmbedFile.cmake: do not edit. */\n"
    "#include \"${SYMBOL}.h\"\n\n"
    "const char ${SYMBOL}[] = {\n    ${_embed_bytes}0x00};\n"
    "const size_t ${SYMBOL}_len = ${_embed_len};\n")
  return()
endif()

set(BOOKING_EMBED_FILE_SCRIPT "${CMAKE_CURRENT_LIST_FILE}")

function(booking_embed_file target input symbol)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/embed-${target}")
  set(out_c "${dir}/${symbol}.c")
  set(out_h "${dir}/${symbol}.h")
  add_custom_command(
    OUTPUT "${out_c}" "${out_h}"
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT_C=${out_c} -DOUTPUT_H=${out_h}
            -DSYMBOL=${symbol} -P "${BOOKING_EMBED_FILE_SCRIPT}"
    DEPENDS "${input}" "${BOOKING_EMBED_FILE_SCRIPT}"
    COMMENT "Embedding ${input} as ${symbol}"
    VERBATIM)
  add_library(${target} STATIC "${out_c}" "${out_h}")
  target_include_directories(${target} PUBLIC "${dir}")
  set_target_properties(${target} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()
