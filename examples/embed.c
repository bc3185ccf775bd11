/* SPDX-License-Identifier: MIT */
/*
 * embed.c: libbooking inside your own C program. Opens a store, gives a resource
 * a capacity, makes three attempts (a booking, a rejection, a replay) and prints
 * each outcome. Build it against an installed libbooking:
 *
 *     cc -o embed embed.c $(pkg-config --cflags --libs libbooking)
 *     ./embed                       # memory: store, gone when the program ends
 *     ./embed sqlite:/tmp/embed.db  # durable: run it twice and see the replays
 */
#include <booking.h>

#include <inttypes.h>
#include <stdio.h>

#define EMBED_CAPACITY 3

static int attempt(booking_store *store, const char *booking_id, const char *resource_id,
                   uint64_t units)
{
    booking_request req = {.booking_id = booking_id, .resource_id = resource_id, .units = units};
    booking_result res;
    booking_error e = booking_attempt(store, &req, &res);
    if (e != BOOKING_OK) { /* the request itself was invalid: nothing was done */
        fprintf(stderr, "embed: attempt %s: %s\n", booking_id, booking_error_name(e));
        return -1;
    }
    /* The outcome alone is enough to act on; the reason says why. */
    printf("%s %s reason=%s replayed=%s\n", booking_id, booking_outcome_name(res.outcome),
           booking_reason_name(res.reason), res.replayed ? "true" : "false");
    return 0;
}

int main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : "memory:";
    char why[256];
    booking_store *store = NULL;
    booking_error e = booking_store_open(url, &store, why, sizeof why);
    if (e != BOOKING_OK) {
        fprintf(stderr, "embed: cannot open %s: %s\n", url, why);
        return 1;
    }
    printf("libbooking %s, store %s\n", booking_version(), url);

    booking_reason reason;
    booking_resource room;
    e = booking_set_capacity(store, "room-1", EMBED_CAPACITY, &reason, &room);
    if (e != BOOKING_OK || reason != BOOKING_REASON_OK) {
        fprintf(stderr, "embed: set capacity: %s\n",
                e != BOOKING_OK ? booking_error_name(e) : booking_reason_name(reason));
        booking_store_close(store);
        return 1;
    }

    int rc = 0;
    rc |= attempt(store, "order-1", "room-1", 2); /* BOOKED: 2 of 3 units */
    rc |= attempt(store, "order-2", "room-1", 2); /* REJECTED: only 1 unit left */
    rc |= attempt(store, "order-1", "room-1", 2); /* a retry: the recorded BOOKED, replayed */

    e = booking_get_resource(store, "room-1", &reason, &room);
    if (e == BOOKING_OK && reason == BOOKING_REASON_OK)
        printf("%s capacity=%" PRIu64 " booked=%" PRIu64 " remaining=%" PRIu64 "\n",
               room.resource_id, room.capacity, room.booked, room.capacity - room.booked);
    else
        rc = -1;
    booking_store_close(store);
    return rc == 0 ? 0 : 1;
}
