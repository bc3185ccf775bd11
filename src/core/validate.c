/*
 * validate.c: the limits of SPEC section 3, checked at the library boundary.
 * Pure functions; the HTTP and command-line adapters call the same ones.
 */
#include "booking.h"

bool booking_id_valid(const char *id, size_t len)
{
    if (id == NULL || len == 0 || len > BOOKING_ID_LEN_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)id[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == ':' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

bool booking_units_valid(uint64_t units)
{
    return units >= 1 && units <= BOOKING_UNITS_MAX;
}

bool booking_capacity_valid(uint64_t capacity)
{
    return capacity <= BOOKING_CAPACITY_MAX;
}
