/* SPDX-License-Identifier: MIT */
/*
 * http_chunked.c: the chunked-body decoder of http_chunked.h, one byte of grammar
 * at a time (chunk data is copied in runs), from RFC 9112 section 7.1:
 *
 *   chunked-body   = *chunk last-chunk trailer-section CRLF
 *   chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *   last-chunk     = 1*("0") [ chunk-ext ] CRLF
 *   chunk-ext      = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
 *   ext-val        = token / quoted-string
 *   trailer-section = *( field-line CRLF )
 *
 * NOTES ON THE DESIGN
 *
 * (1) Strict: every byte the grammar does not allow is BAD. In particular no bare
 *     LF or bare CR ends a line, no whitespace precedes a chunk-size, nothing but
 *     hex digits makes one (no sign, no "0x"), and whitespace after a size or an
 *     extension must lead to another ";" (BWS is allowed there by the RFC's
 *     grammar, so "10 ;x" is taken; "10 " before CRLF is not).
 * (2) The state is only the fields of http_chunked: the result of a feed depends on
 *     the bytes, never on where the input was split.
 * (3) size never overflows: at most HTTP_CHUNKED_SIZE_DIGITS_MAX significant hex
 *     digits are shifted in; leading zeros only lengthen the line, which is
 *     bounded by HTTP_CHUNKED_LINE_MAX like its extensions.
 * (4) The output index never passes the input index (only chunk-data is copied,
 *     byte for byte), so out may equal in: memmove copies forward.
 * (5) Extensions and trailer fields are read for syntax and dropped; the trailer
 *     section is bounded by HTTP_CHUNKED_TRAILERS_MAX.
 *
 * The states, each with the bytes that leave it (anything else is BAD):
 *
 *   SIZE_FIRST -HEXDIG-> SIZE -HEXDIG-> SIZE
 *   SIZE, EXT_NAME, EXT_TOKEN, EXT_QUOTED_END -CR-> LINE_LF, -";"-> EXT_NAME_FIRST
 *   SIZE, EXT_TOKEN, EXT_QUOTED_END -SP/HTAB-> EXT_WS -";"-> EXT_NAME_FIRST
 *   EXT_NAME_FIRST -tchar-> EXT_NAME -"="-> EXT_VALUE_FIRST
 *   EXT_NAME -SP/HTAB-> EXT_NAME_WS -"="-> EXT_VALUE_FIRST, -";"-> EXT_NAME_FIRST
 *   EXT_VALUE_FIRST -tchar-> EXT_TOKEN;  -DQUOTE-> EXT_QUOTED -DQUOTE-> EXT_QUOTED_END
 *   EXT_QUOTED -"\"-> EXT_QUOTED_PAIR -HTAB/SP/VCHAR/obs-text-> EXT_QUOTED
 *   (EXT_WS, EXT_NAME_FIRST, EXT_NAME_WS and EXT_VALUE_FIRST stay on SP/HTAB: BWS;
 *   EXT_NAME and EXT_TOKEN on tchar, EXT_QUOTED on qdtext.)
 *   LINE_LF -LF-> DATA (size > 0) or TRAILER_FIRST (size == 0)
 *   DATA -size bytes-> DATA_CR -CR-> DATA_LF -LF-> SIZE_FIRST
 *   TRAILER_FIRST -tchar-> TRAILER_NAME -":"-> TRAILER_VALUE -CR-> TRAILER_LF
 *                 -LF-> TRAILER_FIRST;   TRAILER_FIRST -CR-> END_LF -LF-> DONE
 *   (TRAILER_NAME stays on tchar, TRAILER_VALUE on any byte but CTL, HTAB allowed.)
 */
#include "server/http_chunked.h"
#include "server/http_chars.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

_Static_assert(HTTP_CHUNKED_SIZE_DIGITS_MAX * 4 <= 64, "a chunk-size fits its uint64_t");
_Static_assert(HTTP_CHUNKED_LINE_MAX >= HTTP_CHUNKED_SIZE_DIGITS_MAX, "a size fits its line");
_Static_assert(HTTP_CHUNKED_TRAILERS_MAX >= 2, "the empty line fits the trailer section");

enum chunked_state {
    SIZE_FIRST,
    SIZE,
    EXT_WS,
    EXT_NAME_FIRST,
    EXT_NAME,
    EXT_NAME_WS,
    EXT_VALUE_FIRST,
    EXT_TOKEN,
    EXT_QUOTED,
    EXT_QUOTED_PAIR,
    EXT_QUOTED_END,
    LINE_LF,
    DATA,
    DATA_CR,
    DATA_LF,
    TRAILER_FIRST,
    TRAILER_NAME,
    TRAILER_VALUE,
    TRAILER_LF,
    END_LF,
    STATE_DONE,
    STATE_BAD,
};

static const char detail_size[] = "malformed chunk size";
static const char detail_size_large[] = "chunk size too large";
static const char detail_size_line_long[] = "chunk size line too long";
static const char detail_ext[] = "malformed chunk extension";
static const char detail_ext_long[] = "chunk extension too long";
static const char detail_line_end[] = "chunk size line not ended by CRLF";
static const char detail_data_end[] = "chunk data not followed by CRLF";
static const char detail_trailer[] = "malformed trailer field";
static const char detail_trailer_end[] = "trailer section not ended by CRLF";
static const char detail_trailers_long[] = "trailer section too long";

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* RFC 9110 section 5.6.4: qdtext (HTAB, SP, visible ASCII but DQUOTE and "\", obs-text). */
static bool is_qdtext(unsigned char c)
{
    return c == '\t' || c == ' ' || c == 0x21 || (c >= 0x23 && c <= 0x5b) ||
           (c >= 0x5d && c <= 0x7e) || c >= 0x80;
}

/* RFC 9110 section 5.5: a field value holds no control byte but HTAB. */
static bool is_field_byte(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool in_size_line(int state)
{
    return state >= SIZE_FIRST && state <= EXT_QUOTED_END;
}

static bool in_trailers(int state)
{
    return state >= TRAILER_FIRST && state <= END_LF;
}

static const char *bad(http_chunked *d, const char *detail)
{
    d->state = STATE_BAD;
    return detail;
}

/* The end of a token, a quoted value or a size: another extension, or the line's end. */
static const char *after_item(http_chunked *d, unsigned char c, const char *detail)
{
    if (c == ';')
        d->state = EXT_NAME_FIRST;
    else if (is_ws(c))
        d->state = EXT_WS;
    else if (c == '\r')
        d->state = LINE_LF;
    else
        return bad(d, detail);
    return NULL;
}

/* Note (3): a leading zero only lengthens the line; significant digits are bounded. */
static const char *size_digit(http_chunked *d, int h)
{
    assert(h >= 0 && h < 16);
    if (d->size_digits == 0 && h == 0)
        return NULL;
    if (d->size_digits == HTTP_CHUNKED_SIZE_DIGITS_MAX)
        return bad(d, detail_size_large);
    d->size_digits++;
    d->size = d->size << 4 | (uint64_t)h;
    return NULL;
}

/* One byte of a chunk-size line (with its extensions). NULL, or BAD's detail. */
static const char *size_line_byte(http_chunked *d, unsigned char c)
{
    if (c == '\n')
        return bad(d, detail_line_end);
    if (c != '\r') { /* the line's bound counts what comes before its CRLF */
        if (d->line_len == HTTP_CHUNKED_LINE_MAX)
            return bad(d, d->state <= SIZE ? detail_size_line_long : detail_ext_long);
        d->line_len++;
    }
    int h = http_hex_value(c);
    switch (d->state) {
    case SIZE_FIRST:
        if (h < 0)
            return bad(d, detail_size);
        d->state = SIZE;
        return size_digit(d, h);
    case SIZE:
        if (h < 0)
            return after_item(d, c, detail_size);
        return size_digit(d, h);
    case EXT_WS:
        if (c == ';')
            d->state = EXT_NAME_FIRST;
        else if (!is_ws(c))
            return bad(d, detail_ext);
        return NULL;
    case EXT_NAME_FIRST:
        if (http_is_tchar(c))
            d->state = EXT_NAME;
        else if (!is_ws(c))
            return bad(d, detail_ext);
        return NULL;
    case EXT_NAME:
        if (http_is_tchar(c))
            return NULL;
        if (c == '=') {
            d->state = EXT_VALUE_FIRST;
            return NULL;
        }
        if (is_ws(c)) {
            d->state = EXT_NAME_WS;
            return NULL;
        }
        return after_item(d, c, detail_ext);
    case EXT_NAME_WS:
        if (c == '=')
            d->state = EXT_VALUE_FIRST;
        else if (c == ';')
            d->state = EXT_NAME_FIRST;
        else if (!is_ws(c))
            return bad(d, detail_ext);
        return NULL;
    case EXT_VALUE_FIRST:
        if (c == '"')
            d->state = EXT_QUOTED;
        else if (http_is_tchar(c))
            d->state = EXT_TOKEN;
        else if (!is_ws(c))
            return bad(d, detail_ext);
        return NULL;
    case EXT_TOKEN:
        if (http_is_tchar(c))
            return NULL;
        return after_item(d, c, detail_ext);
    case EXT_QUOTED:
        if (c == '"')
            d->state = EXT_QUOTED_END;
        else if (c == '\\')
            d->state = EXT_QUOTED_PAIR;
        else if (!is_qdtext(c))
            return bad(d, detail_ext);
        return NULL;
    case EXT_QUOTED_PAIR: /* RFC 9110 section 5.6.4: "\" ( HTAB / SP / VCHAR / obs-text ) */
        if (c != '\t' && c < 0x20)
            return bad(d, detail_ext);
        if (c == 0x7f)
            return bad(d, detail_ext);
        d->state = EXT_QUOTED;
        return NULL;
    case EXT_QUOTED_END:
        return after_item(d, c, detail_ext);
    default:
        assert(!"a size-line state");
        return bad(d, detail_size);
    }
}

/* One byte of the trailer section. NULL, DONE's marker, or BAD's detail. */
static const char trailers_done[] = "";

static const char *trailer_byte(http_chunked *d, unsigned char c)
{
    if (d->trailers_len == HTTP_CHUNKED_TRAILERS_MAX)
        return bad(d, detail_trailers_long);
    d->trailers_len++;
    switch (d->state) {
    case TRAILER_FIRST:
        if (c == '\r')
            d->state = END_LF;
        else if (http_is_tchar(c))
            d->state = TRAILER_NAME;
        else
            return bad(d, c == '\n' ? detail_trailer_end : detail_trailer);
        return NULL;
    case TRAILER_NAME:
        if (c == ':')
            d->state = TRAILER_VALUE;
        else if (!http_is_tchar(c))
            return bad(d, detail_trailer);
        return NULL;
    case TRAILER_VALUE:
        if (c == '\r')
            d->state = TRAILER_LF;
        else if (!is_field_byte(c))
            return bad(d, detail_trailer);
        return NULL;
    case TRAILER_LF:
        if (c != '\n')
            return bad(d, detail_trailer);
        d->state = TRAILER_FIRST;
        return NULL;
    case END_LF:
        if (c != '\n')
            return bad(d, detail_trailer_end);
        d->state = STATE_DONE;
        return trailers_done;
    default:
        assert(!"a trailer state");
        return bad(d, detail_trailer);
    }
}

/* One byte outside chunk-data. NULL, trailers_done, or BAD's detail. */
static const char *framing_byte(http_chunked *d, unsigned char c)
{
    if (in_size_line(d->state))
        return size_line_byte(d, c);
    if (in_trailers(d->state))
        return trailer_byte(d, c);
    switch (d->state) {
    case LINE_LF:
        if (c != '\n')
            return bad(d, detail_line_end);
        assert(d->line_len > 0 && d->line_len <= HTTP_CHUNKED_LINE_MAX);
        d->state = d->size > 0 ? DATA : TRAILER_FIRST;
        return NULL;
    case DATA_CR:
        if (c != '\r')
            return bad(d, detail_data_end);
        d->state = DATA_LF;
        return NULL;
    case DATA_LF:
        if (c != '\n')
            return bad(d, detail_data_end);
        d->state = SIZE_FIRST;
        d->size_digits = 0;
        d->line_len = 0;
        return NULL;
    default:
        assert(!"a framing state");
        return bad(d, detail_size);
    }
}

void http_chunked_init(http_chunked *d)
{
    assert(d != NULL);
    *d = (http_chunked){.state = SIZE_FIRST};
}

http_chunked_status http_chunked_feed(http_chunked *d, const char *in, size_t in_len,
                                      size_t *consumed, char *out, size_t *out_len,
                                      const char **detail)
{
    assert(d != NULL && consumed != NULL && out_len != NULL && detail != NULL);
    assert(in != NULL || in_len == 0);
    assert(out != NULL || in_len == 0);
    assert(d->state >= SIZE_FIRST && d->state < STATE_DONE); /* not fed after DONE or BAD */
    size_t at = 0;
    size_t written = 0;
    http_chunked_status status = HTTP_CHUNKED_MORE;
    *detail = NULL;
    while (at < in_len) {
        if (d->state == DATA) {
            assert(d->size > 0);
            size_t run = in_len - at;
            if ((uint64_t)run > d->size)
                run = (size_t)d->size;
            memmove(out + written, in + at, run); /* note (4): written <= at */
            written += run;
            at += run;
            d->size -= run;
            if (d->size == 0)
                d->state = DATA_CR;
            continue;
        }
        const char *said = framing_byte(d, (unsigned char)in[at]);
        at++;
        if (said == trailers_done) {
            status = HTTP_CHUNKED_DONE;
            break;
        }
        if (said != NULL) {
            assert(d->state == STATE_BAD);
            *detail = said;
            status = HTTP_CHUNKED_BAD;
            break;
        }
    }
    *consumed = at;
    *out_len = written;
    assert(written <= at && at <= in_len);
    assert(status != HTTP_CHUNKED_MORE || (at == in_len && d->state < STATE_DONE));
    assert(status != HTTP_CHUNKED_DONE || d->state == STATE_DONE);
    assert((status == HTTP_CHUNKED_BAD) == (*detail != NULL));
    return status;
}
