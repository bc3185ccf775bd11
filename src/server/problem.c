/* SPDX-License-Identifier: MIT */
/*
 * problem.c: builds the one problem body of SPEC section 5, as a tree for the
 * answers server.c sends and as fixed text for the ones the gate and the HTTP loop
 * write themselves.
 */
#include "server/problem.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

const char *problem_title(unsigned status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
    }
}

json_t *problem_json(unsigned status, const char *error, const char *detail)
{
    assert(status >= 400 && status <= 599);
    assert(error != NULL && error[0] != '\0');
    return json_pack("{s:s, s:s, s:I, s:s, s:s}", "type", "about:blank", "title",
                     problem_title(status), "status", (json_int_t)status, "detail",
                     detail != NULL ? detail : "", "error", error);
}

/* Fixed text of the service: printable ASCII without '"' or '\\'. */
static bool plain_text(const char *s)
{
    for (; *s != '\0'; s++) {
        if (*s < 0x20 || *s > 0x7e || *s == '"' || *s == '\\')
            return false;
    }
    return true;
}

size_t problem_text(char *out, size_t cap, unsigned status, const char *error,
                    const char *detail, int retry_after_s, const char *date)
{
    assert(status >= 400 && status <= 599);
    assert(plain_text(error) && plain_text(detail));
    char body[PROBLEM_TEXT_MAX];
    int body_len = snprintf(body, sizeof body,
                            "{\"type\":\"about:blank\",\"title\":\"%s\",\"status\":%u,"
                            "\"detail\":\"%s\",\"error\":\"%s\"}\n",
                            problem_title(status), status, detail, error);
    if (body_len < 0 || (size_t)body_len >= sizeof body)
        return 0;
    char retry[48] = "";
    if (retry_after_s > 0)
        snprintf(retry, sizeof retry, "Retry-After: %d\r\n", retry_after_s);
    char date_line[64] = "";
    if (date != NULL)
        snprintf(date_line, sizeof date_line, "Date: %s\r\n", date);
    int n = snprintf(out, cap,
                     "HTTP/1.1 %u %s\r\n%sContent-Type: " PROBLEM_CONTENT_TYPE
                     "\r\nContent-Length: %d\r\n%sConnection: close\r\n\r\n%s",
                     status, problem_title(status), date_line, body_len, retry, body);
    if (n < 0 || (size_t)n >= cap)
        return 0;
    return (size_t)n;
}
