/* Generated from openapi.json by cmake/EmbedFile.cmake: do not edit. */
#ifndef EMBED_booking_openapi_json_H
#define EMBED_booking_openapi_json_H
#include <stddef.h>
extern const char booking_openapi_json[];
extern const size_t booking_openapi_json_len;
#endif
