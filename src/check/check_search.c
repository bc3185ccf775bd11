/* SPDX-License-Identifier: MIT */
/*
 * check_search.c: the bounded linearizability search over one component (a group
 * of resources that share no booking_id with any other group).
 *
 * NOTES ON THE DESIGN
 *  (1) Wing & Gong's search with Lowe's memoization: depth-first, each step
 *      linearizes one operation that may come next (invoked before the earliest
 *      return among the determinate operations not yet linearized), applies the
 *      SPEC model, and keeps it only if the model's answer is the recorded one.
 *      A configuration (set of linearized operations, model state) is visited at
 *      most once: the memo holds two 64-bit Zobrist hashes of the set and two of
 *      the state (256 bits in all; a false "seen" needs a 2^-128 coincidence).
 *  (2) Indeterminate operations (FAILED, or never completed) have no return:
 *      they may take effect at any point after their invoke, or never. The search
 *      is done when every determinate operation is linearized. They are tried
 *      after the determinate candidates (most failures did not take effect), and
 *      only when firing them changes the state in a way someone can observe:
 *      an attempt that would be REJECTED for conflict or unknown_resource changes
 *      nothing; one that would record insufficient_capacity matters only if
 *      another operation still refers to its booking_id.
 *  (3) Once a booking_id has a decision record, every indeterminate attempt
 *      with it is a replay or a conflict wherever it is placed: it is retired
 *      (marked linearized) at once, which keeps the memo keys small.
 *  (4) Every change goes through an undo log, so backtracking restores the state
 *      and the hashes exactly. The deepest point reached names the violation:
 *      the determinate operation with the earliest return that no order of what
 *      precedes it could explain.
 *  (5) Before the search, indeterminate operations that later determinate
 *      answers prove idle are dropped (drop_idle_indeterminate).
 *  (6) Interchangeable indeterminate operations fire in invoke order only
 *      (build_twins): n lost requests alike cost n states, not 2^n.
 *  (7) Time (SPEC section 7). The state has a store time `now`, which only moves
 *      forward along an order. An operation whose answer fixes its time (a read's
 *      as_of, a new hold's expires_at - hold_ms, a confirm's or cancel's
 *      updated_at; an unanswered attempt that made a hold whose end some answer
 *      names) can be placed only at now <= that time, and moves now to it. Moving
 *      now applies every expiry it passes (advance): the hold's units leave booked
 *      once, its record reads expired. An operation whose time is unknown takes
 *      effect at now; for such an operation time may also pass on its own, so a
 *      frame's last candidates are steps that only move now: to the next known
 *      hold end, or to end one open-ended hold (a hold whose end no answer names:
 *      made by an attempt that never got an answer; it may end at any time from
 *      its earliest end on, or never within the history). Such a step is tried
 *      only when no answered operation open at that point has a time before it.
 *  (8) Bundles (SPEC section 8). An attempt has 1..BOOKING_LINES_MAX lines on
 *      distinct resources, all in one component (check.c joins them). The model
 *      decides it on every line's state at once; a BOOKED one reserves every
 *      line in the same step, and its record remembers the attempt (tag), whose
 *      lines a cancel or an expiry releases in one step too. So no order ever
 *      sees a bundle on some of its resources and not on others. A bundle is
 *      nobody's twin (note (6)). The memo key hashes every line of a record.
 *  (9) A frame tries its determinate candidates in the order they returned, not
 *      invoked: a store answers in about the order it decided, so that order is
 *      mostly the first one tried, and the search seldom backtracks. It matters
 *      for bundles: a rejection names its first short line, so it must come after
 *      the bookings that filled that night but before those that filled an earlier
 *      one, and placing everything as early as its invoke allows (invoke order)
 *      sent the search into dead ends exponential in the overlap. The candidates
 *      are the same either way (invoked before minret); only the order differs.
 * (10) A frame whose candidates include a free one (free_candidate: a rejection or
 *      a read the model answers as recorded right now, that changes no resource,
 *      has no time, no hold, and whose booking_id no other operation left names)
 *      tries that one alone. Sound: it changes nothing any other operation reads,
 *      and every operation that must precede it is placed already (it was invoked
 *      before minret), so any order that places it later can place it now instead.
 *      Rejections are most of a sold-out run; trying their orders was the rest of
 *      the cost.
 * (11) Without holds, and once no cancel or set_capacity is left to place, free
 *      units only shrink along any order. Then an answered attempt that no longer
 *      fits (a BOOKED one on any line; a rejection naming line k on a line before
 *      k) can never be placed, and the frame is a dead end at once instead of
 *      after every order of what comes between (frame_doomed). Its memo entry
 *      stays: that state is a dead end whichever way it is reached.
 * (12) Answered twins: fresh BOOKED attempts of one line, no hold and no time,
 *      of the same resource and units, whose booking_ids no other operation
 *      names, change the state alike (the record each leaves is read by nobody)
 *      and get the same answer wherever they are placed. Of two such, A and B,
 *      where A was invoked before B and returned before B, some order that
 *      explains the history places A first: if one places B at p1 and A at p2 >
 *      p1, swap them (A may take p1: invoked before B, p1 < p2 <= A's return; B
 *      may take p2: p2 <= A's return < B's return). Within a class in invoke
 *      order, each one whose return also comes after its predecessor's is tried
 *      only once that predecessor is placed; the pairs form disjoint chains,
 *      and swapping inverted pairs of a chain lowers its inversions, so one
 *      order satisfies every chain at once. 64 concurrent bookings alike then
 *      cost 64 configurations, not 2^64 subsets.
 */
#include "check/check_model.h"
#include "check/check_report.h"
#include "check/check_search.h"
#include "util/time_text.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEARCH_MEMO_INITIAL ((size_t)1 << 12)
#define SEARCH_CLOCK_EVERY 1024 /* steps between looks at the clock */

enum { UNDO_RES, UNDO_REC, UNDO_LIN, UNDO_NOW };

typedef struct s_undo {
    uint8_t type;
    uint32_t idx;
    chk_res res;
    chk_rec rec;
    int64_t now;     /* UNDO_NOW */
    size_t exp_next; /* UNDO_NOW */
} s_undo;

typedef struct s_frame {
    size_t undo;   /* undo log height before this frame's operation */
    size_t minret; /* earliest return among determinate ops not linearized */
    size_t scan_ret; /* the latest return of a determinate op invoked before minret */
    uint32_t det_lo, ind_lo, cur;
    uint32_t timed_lo; /* first not linearized of the search's timed ops */
    int64_t time_cap;  /* its time: now may not pass it (note (7)) */
    uint8_t phase; /* 0: determinate candidates, 1: indeterminate, 2: time passes (7),
                      3: a free candidate was the only one (note (10)) */
} s_frame;

/* What placing an operation came to. */
typedef enum s_place { PLACE_OK, PLACE_TOO_LATE, PLACE_NOMEM } s_place;

typedef struct search {
    const check_history *h;
    const uint32_t *gops; /* local op -> h->ops index */
    size_t n;
    uint32_t *lb, *lr;    /* local booking / resource of each local op (CHECK_NONE) */
    uint32_t *llr;        /* local resource of every attempt line: op i's are */
    size_t *lline_at;     /* llr[lline_at[i] .. + its line_count) (note (8)) */
    size_t nb, nr;
    uint32_t *det, *ind;  /* local ops: det by return (note (9)), ind by invoke */
    size_t *det_inv_pos;  /* the det ops' invoke positions, ascending, and */
    size_t *det_ret_max;  /* the latest return among the first k + 1 of them */
    size_t ndet, nind;
    uint32_t *ind_of_b;   /* indeterminate attempts grouped by local booking (CSR) */
    size_t *ind_of_b_at;  /* nb + 1 offsets */
    uint32_t *refs;       /* per local booking: ops not yet linearized that name it */
    uint32_t *twin_before; /* note (6): earlier interchangeable indeterminate op */
    bool *lin;
    chk_res *res;
    chk_rec *rec;
    /* note (7): the store time, and the hold ends the answers name */
    int64_t now;
    bool *end_known;      /* per local booking: some answer names its hold's end */
    int64_t *end_of;      /* that end */
    uint32_t *ends;       /* local bookings with a known end, by end */
    size_t nends, exp_next; /* ends[0..exp_next) are at or before now */
    uint32_t *open_b;     /* local bookings an open-ended hold may belong to */
    size_t nopen;
    uint32_t *timed;      /* determinate ops whose answer gives their time, by time */
    size_t ntimed;
    bool has_times;       /* the component has times at all (for the report) */
    bool has_holds;       /* some attempt is a hold: booked may fall by an expiry */
    bool no_answered_twins; /* note (12) off (tests) */
    size_t lowering_left; /* cancels and set_capacity ops not linearized (note (11)) */
    uint64_t hb[2], hs[2];
    uint64_t seed[2];
    size_t det_done;
    s_undo *undo;
    size_t undo_len, undo_cap;
    s_frame *stack;
    size_t depth;
    uint64_t (*memo)[4];
    unsigned char *memo_used;
    size_t memo_mask, memo_count;
    /* the deepest failure, for the report */
    size_t best_done;
    bool have_best;
    check_report best;
} search;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

chk_budget chk_budget_start(double timeout_s)
{
    return (chk_budget){.deadline_s = timeout_s > 0 ? now_s() + timeout_s : 0};
}

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t op_key(const search *s, int which, size_t i)
{
    return mix64(s->seed[which] ^ mix64(i));
}

static uint64_t res_term(const search *s, int which, uint32_t lr, const chk_res *r)
{
    if (!r->exists)
        return 0;
    uint64_t x = mix64(s->seed[which] ^ (0x100000000ULL | lr));
    x = mix64(x ^ r->cap);
    return mix64(x ^ r->booked);
}

static uint64_t rec_term(const search *s, int which, uint32_t lb, const chk_rec *r)
{
    if (!r->exists)
        return 0;
    uint64_t x = mix64(s->seed[which] ^ (0x200000000ULL | lb));
    for (uint32_t k = 1; k < r->nlines; k++) /* line 0 is lr and units, below */
        x = mix64(x ^ mix64((uint64_t)r->lines[k].resource << 32 ^ r->lines[k].units));
    x = mix64(x ^ ((uint64_t)r->nlines << 32 | r->fail_line));
    x = mix64(x ^ r->units);
    x = mix64(x ^ r->hold_ms);
    x = mix64(x ^ (uint64_t)r->expires_at_ms);
    x = mix64(x ^ ((uint64_t)r->lr << 16 | (uint64_t)r->reason << 8 | (uint64_t)r->status << 1 |
                   r->expiry_open));
    return x;
}

static uint64_t now_term(const search *s, int which, int64_t now)
{
    return mix64(s->seed[which] ^ 0x300000000ULL ^ mix64((uint64_t)now));
}

static bool undo_push(search *s, const s_undo *u)
{
    if (s->undo_len == s->undo_cap) {
        size_t cap = s->undo_cap ? s->undo_cap * 2 : 1024;
        s_undo *grown = realloc(s->undo, cap * sizeof *grown);
        if (grown == NULL)
            return false;
        s->undo = grown;
        s->undo_cap = cap;
    }
    s->undo[s->undo_len++] = *u;
    return true;
}

static void set_res(search *s, uint32_t lr, const chk_res *v)
{
    for (int w = 0; w < 2; w++)
        s->hs[w] ^= res_term(s, w, lr, &s->res[lr]) ^ res_term(s, w, lr, v);
    s->res[lr] = *v;
}

static void set_rec(search *s, uint32_t lb, const chk_rec *v)
{
    for (int w = 0; w < 2; w++)
        s->hs[w] ^= rec_term(s, w, lb, &s->rec[lb]) ^ rec_term(s, w, lb, v);
    s->rec[lb] = *v;
}

/* Operations after which a resource may have more free units than before. */
static bool lowers_room_left(chk_kind kind)
{
    return kind == CHK_CANCEL || kind == CHK_SET_CAPACITY;
}

static void flip_lin(search *s, uint32_t i)
{
    s->lin[i] = !s->lin[i];
    for (int w = 0; w < 2; w++)
        s->hb[w] ^= op_key(s, w, i);
    int d = s->lin[i] ? 1 : -1;
    if (s->lb[i] != CHECK_NONE)
        s->refs[s->lb[i]] -= (uint32_t)d;
    if (s->h->ops[s->gops[i]].determinate)
        s->det_done += (size_t)d;
    if (lowers_room_left(s->h->ops[s->gops[i]].kind))
        s->lowering_left -= (size_t)d;
}

static bool change_res(search *s, uint32_t lr, const chk_res *v)
{
    s_undo u = {.type = UNDO_RES, .idx = lr, .res = s->res[lr]};
    if (!undo_push(s, &u))
        return false;
    set_res(s, lr, v);
    return true;
}

static void set_now(search *s, int64_t now, size_t exp_next)
{
    for (int w = 0; w < 2; w++)
        s->hs[w] ^= now_term(s, w, s->now) ^ now_term(s, w, now);
    s->now = now;
    s->exp_next = exp_next; /* a function of now: not hashed */
}

static bool change_rec(search *s, uint32_t lb, const chk_rec *v)
{
    s_undo u = {.type = UNDO_REC, .idx = lb, .rec = s->rec[lb]};
    if (!undo_push(s, &u))
        return false;
    set_rec(s, lb, v);
    return true;
}

static bool linearize(search *s, uint32_t i)
{
    s_undo u = {.type = UNDO_LIN, .idx = i};
    if (!undo_push(s, &u))
        return false;
    flip_lin(s, i);
    return true;
}

static void undo_to(search *s, size_t height)
{
    while (s->undo_len > height) {
        s_undo *u = &s->undo[--s->undo_len];
        switch (u->type) {
        case UNDO_RES: set_res(s, u->idx, &u->res); break;
        case UNDO_REC: set_rec(s, u->idx, &u->rec); break;
        case UNDO_NOW: set_now(s, u->now, u->exp_next); break;
        default: flip_lin(s, u->idx); break;
        }
    }
}

/* Adds (sign 1) or subtracts (-1) every line of local attempt i to (from) its
 * own resource: a bundle's lines change at one instant (note (8)). */
static bool change_lines(search *s, uint32_t i, int sign)
{
    const chk_op *op = &s->h->ops[s->gops[i]];
    const chk_line *l = chk_op_lines(s->h, op);
    assert(op->kind == CHK_ATTEMPT && op->line_count >= 1);
    for (uint32_t k = 0; k < op->line_count; k++) {
        uint32_t lr = s->llr[s->lline_at[i] + k];
        chk_res res = s->res[lr];
        assert(res.exists);
        if (sign > 0) {
            assert(l[k].units <= res.cap - res.booked);
            res.booked += l[k].units;
        } else {
            assert(res.booked >= l[k].units);
            res.booked -= l[k].units;
        }
        if (!change_res(s, lr, &res))
            return false;
    }
    return true;
}

/* Ends the hold of local booking lb at now: every line's units leave booked, once. */
static bool expire(search *s, uint32_t lb)
{
    chk_rec r = s->rec[lb];
    assert(r.exists && r.status == BOOKING_STATUS_HELD && r.tag < s->n);
    r.status = BOOKING_STATUS_EXPIRED;
    if (r.expiry_open)
        r.expires_at_ms = s->now;
    r.expiry_open = false;
    return change_lines(s, r.tag, -1) && change_rec(s, lb, &r);
}

/* Note (7): moves now to t (>= now) and applies every known hold end it passes. */
static bool advance(search *s, int64_t t)
{
    assert(t >= s->now);
    size_t next = s->exp_next;
    while (next < s->nends && s->end_of[s->ends[next]] <= t)
        next++;
    if (t == s->now && next == s->exp_next)
        return true;
    s_undo u = {.type = UNDO_NOW, .now = s->now, .exp_next = s->exp_next};
    if (!undo_push(s, &u))
        return false;
    size_t from = s->exp_next;
    set_now(s, t, next);
    for (size_t k = from; k < next; k++) {
        uint32_t lb = s->ends[k];
        const chk_rec *r = &s->rec[lb];
        /* A record not made yet cannot be made any more (its time has passed). */
        if (r->exists && r->status == BOOKING_STATUS_HELD && !r->expiry_open && !expire(s, lb))
            return false;
    }
    return true;
}

/* The store time local op i must take effect at, if known (note (7)): its
 * answer's, or, for an attempt that would make the hold whose end an answer
 * names, that end minus its hold. */
static bool op_time(const search *s, uint32_t i, int64_t *t)
{
    const chk_op *op = &s->h->ops[s->gops[i]];
    if (op->determinate && op->has_at) {
        *t = op->at_ms;
        return true;
    }
    uint32_t lb = s->lb[i];
    bool makes_hold = op->kind == CHK_ATTEMPT && op->hold_ms != 0 && !s->rec[lb].exists &&
                      s->end_known[lb] &&
                      (!op->determinate || op->accept == CHK_BIT(BOOKING_REASON_BOOKED));
    if (!makes_hold)
        return false;
    *t = s->end_of[lb] - (int64_t)op->hold_ms;
    return true;
}

/* Applies local op i to the state (undoable): first its time, then the SPEC
 * model (check_model.c). *a is the model's answer; *effect whether the operation
 * itself changed the state. An operation whose time is past time_cap (the
 * earliest time of an answered operation not yet placed) cannot come now: that
 * one could never be placed after it. */
static s_place apply_op(search *s, uint32_t i, int64_t time_cap, chk_answer *a, bool *effect)
{
    const chk_op *op = &s->h->ops[s->gops[i]];
    int64_t t;
    if (op_time(s, i, &t)) {
        if (t < s->now || t > time_cap)
            return PLACE_TOO_LATE;
        if (!advance(s, t))
            return PLACE_NOMEM;
    }
    uint32_t lb = s->lb[i], lr = s->lr[i];
    const chk_rec *rec = lb != CHECK_NONE ? &s->rec[lb] : NULL;
    const chk_res *res = lr != CHECK_NONE ? &s->res[lr] : NULL;
    chk_call call = {.kind = op->kind, .value = op->value, .hold_ms = op->hold_ms,
                     .lr = s->lr[i], .now_ms = s->now};
    const chk_res *lres[BOOKING_LINES_MAX];
    if (op->kind == CHK_ATTEMPT) {
        for (uint32_t k = 0; k < op->line_count; k++)
            lres[k] = &s->res[s->llr[s->lline_at[i] + k]];
        call.lines = chk_op_lines(s->h, op);
        call.nlines = op->line_count;
        call.line_res = lres;
    }
    if (op->kind == CHK_CANCEL || op->kind == CHK_CONFIRM) /* acts on its record's lines */
        res = NULL;
    chk_step step = chk_model_step(&call, res, rec);
    *a = step.answer;
    *effect = step.effect;
    if (step.rec_changes) /* the attempt whose lines the record holds */
        step.rec.tag = step.reserve ? i : s->rec[lb].tag;
    if (step.rec_changes && step.rec.status == BOOKING_STATUS_HELD && !s->rec[lb].exists &&
        !s->end_known[lb])
        step.rec.expiry_open = true; /* no answer says when it ends */
    if (step.res_changes && !change_res(s, lr, &step.res))
        return PLACE_NOMEM;
    if ((step.reserve && !change_lines(s, i, 1)) ||
        (step.release && !change_lines(s, rec->tag, -1)))
        return PLACE_NOMEM;
    if (step.rec_changes && !change_rec(s, lb, &step.rec))
        return PLACE_NOMEM;
    return PLACE_OK;
}

/* After placing attempt i with an effect: its booking's other indeterminate
 * attempts are retired (note (3)). */
static bool retire_twins_of_booking(search *s, uint32_t i)
{
    uint32_t lb = s->lb[i];
    for (size_t k = s->ind_of_b_at[lb]; k < s->ind_of_b_at[lb + 1]; k++) {
        uint32_t j = s->ind_of_b[k];
        if (j != i && !s->lin[j] && !linearize(s, j))
            return false;
    }
    return true;
}

/* The model's answer to local op i in the current state, leaving it unchanged. */
static void peek(search *s, uint32_t i, chk_answer *a)
{
    size_t height = s->undo_len;
    bool effect;
    memset(a, 0, sizeof *a);
    apply_op(s, i, INT64_MAX, a, &effect);
    undo_to(s, height);
}

static bool answer_matches(const chk_op *op, const chk_answer *a)
{
    if (!(op->accept & CHK_BIT(a->reason)))
        return false;
    if (op->kind == CHK_ATTEMPT && op->replayed >= 0 && (op->replayed == 1) != a->replayed)
        return false;
    if (op->kind == CHK_ATTEMPT && op->fail_line >= 0 &&
        (a->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY ||
         a->reason == BOOKING_REASON_UNKNOWN_RESOURCE) &&
        (uint32_t)op->fail_line != a->line)
        return false;
    if (op->kind == CHK_ATTEMPT && a->reason == BOOKING_REASON_BOOKED) {
        if (op->status != BOOKING_STATUS_NONE && op->status != a->status)
            return false;
        if (op->has_expires_at && (op->hold_ms == 0 || op->expires_at_ms != a->expires_at_ms))
            return false;
    }
    if (op->kind == CHK_GET_RESOURCE && a->reason == BOOKING_REASON_OK)
        return op->read_capacity == a->cap && op->read_booked == a->booked;
    return true;
}

/* Whether firing indeterminate op i (with the answer the model gives) can matter. */
static bool firing_matters(const search *s, uint32_t i, const chk_answer *a, bool effect)
{
    const chk_op *op = &s->h->ops[s->gops[i]];
    if (!effect)
        return false;
    if (op->kind == CHK_ATTEMPT && a->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY)
        return s->refs[s->lb[i]] > 1;
    return true;
}

/* ---- memo ---- */

_Static_assert(sizeof(uint64_t[4]) + sizeof(unsigned char) == CHECK_MEMO_SLOT_BYTES,
               "a memo slot is its key and its used byte (check.h)");

static int memo_insert(search *s)
{
    uint64_t key[4] = {s->hb[0], s->hb[1], s->hs[0], s->hs[1]};
    if ((s->memo_count + 1) * 4 > (s->memo_mask + 1) * 3) { /* filled to 3/4 at most */
        size_t slots = (s->memo_mask + 1) * 2;
        if (slots > CHECK_MEMO_SLOTS_MAX)
            return -1;
        uint64_t(*grown)[4] = malloc(slots * sizeof *grown);
        unsigned char *used = calloc(slots, 1);
        if (grown == NULL || used == NULL) {
            free(grown);
            free(used);
            return -1;
        }
        for (size_t k = 0; k <= s->memo_mask; k++) {
            if (!s->memo_used[k])
                continue;
            size_t at = (s->memo[k][0] ^ s->memo[k][2]) & (slots - 1);
            while (used[at])
                at = (at + 1) & (slots - 1);
            memcpy(grown[at], s->memo[k], sizeof grown[at]);
            used[at] = 1;
        }
        free(s->memo);
        free(s->memo_used);
        s->memo = grown;
        s->memo_used = used;
        s->memo_mask = slots - 1;
    }
    size_t at = (key[0] ^ key[2]) & s->memo_mask;
    while (s->memo_used[at]) {
        if (memcmp(s->memo[at], key, sizeof key) == 0)
            return 0;
        at = (at + 1) & s->memo_mask;
    }
    memcpy(s->memo[at], key, sizeof key);
    s->memo_used[at] = 1;
    s->memo_count++;
    return 1;
}

/* ---- frames ---- */

/* Note (9): the latest return among determinate ops invoked before minret: no
 * candidate of a frame returns later, so its scan in return order stops there. */
static size_t scan_bound(const search *s, size_t minret)
{
    size_t lo = 0, hi = s->ndet; /* the det ops invoked before minret: [0, lo) */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->det_inv_pos[mid] < minret)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? 0 : s->det_ret_max[lo - 1];
}

static void frame_init(search *s, s_frame *f, const s_frame *parent, size_t undo)
{
    f->undo = undo;
    f->det_lo = parent ? parent->det_lo : 0;
    f->ind_lo = parent ? parent->ind_lo : 0;
    while (f->det_lo < s->ndet && s->lin[s->det[f->det_lo]])
        f->det_lo++;
    while (f->ind_lo < s->nind && s->lin[s->ind[f->ind_lo]])
        f->ind_lo++;
    /* det is in return order: its first op not linearized returns first. */
    f->minret = f->det_lo < s->ndet ? s->h->ops[s->gops[s->det[f->det_lo]]].return_pos
                                    : CHECK_NO_POS;
    f->scan_ret = scan_bound(s, f->minret);
    f->timed_lo = parent ? parent->timed_lo : 0;
    while (f->timed_lo < s->ntimed && s->lin[s->timed[f->timed_lo]])
        f->timed_lo++;
    f->time_cap = f->timed_lo < s->ntimed ? s->h->ops[s->gops[s->timed[f->timed_lo]]].at_ms
                                          : INT64_MAX;
    f->cur = f->det_lo;
    f->phase = 0;
}

static void peek(search *s, uint32_t i, chk_answer *a);
static bool answer_matches(const chk_op *op, const chk_answer *a);

/* Note (10): a candidate whose placing now changes nothing another operation can
 * see: a rejection or a read, untimed, no hold, its booking_id named by no other
 * operation left, whose recorded answer the model gives now. */
static bool free_candidate(search *s, uint32_t c)
{
    const chk_op *op = &s->h->ops[s->gops[c]];
    if ((op->kind != CHK_ATTEMPT && op->kind != CHK_GET_RESOURCE) || op->has_at ||
        op->hold_ms != 0 || (op->accept & CHK_BIT(BOOKING_REASON_BOOKED)))
        return false;
    if (s->lb[c] != CHECK_NONE && s->refs[s->lb[c]] != 1)
        return false;
    chk_answer a;
    peek(s, c, &a);
    return answer_matches(op, &a);
}

/* The first free candidate of frame f (note (10)), or CHECK_NONE. */
static uint32_t find_free(search *s, const s_frame *f)
{
    for (size_t k = f->det_lo; k < s->ndet; k++) {
        uint32_t c = s->det[k];
        const chk_op *op = &s->h->ops[s->gops[c]];
        if (op->return_pos > f->scan_ret)
            break;
        if (!s->lin[c] && op->invoke_pos < f->minret && free_candidate(s, c))
            return c;
    }
    return CHECK_NONE;
}

static uint32_t frame_next(search *s, s_frame *f)
{
    if (f->phase == 3)
        return CHECK_NONE; /* its one candidate was free: no other order can do better */
    if (f->phase == 0 && f->cur == f->det_lo) {
        uint32_t c = find_free(s, f);
        if (c != CHECK_NONE) {
            f->phase = 3;
            return c;
        }
    }
    if (f->phase == 0) {
        while (f->cur < s->ndet) { /* in return order (note (9)) */
            uint32_t c = s->det[f->cur];
            const chk_op *op = &s->h->ops[s->gops[c]];
            if (op->return_pos > f->scan_ret)
                break;
            f->cur++;
            if (!s->lin[c] && op->invoke_pos < f->minret &&
                (s->twin_before[c] == CHECK_NONE || s->lin[s->twin_before[c]]))
                return c;
        }
        f->phase = 1;
        f->cur = f->ind_lo;
    }
    if (f->phase == 1) {
        while (f->cur < s->nind) {
            uint32_t c = s->ind[f->cur];
            if (s->h->ops[s->gops[c]].invoke_pos >= f->minret)
                break;
            f->cur++;
            if (!s->lin[c] && (s->twin_before[c] == CHECK_NONE || s->lin[s->twin_before[c]]))
                return c;
        }
        f->phase = 2;
        f->cur = 0;
    }
    /* Time passes (note (7)): candidate n + 0 is the next known hold end, n + k
     * the end of open-ended hold open_b[k - 1]. */
    if (f->cur <= s->nopen && s->nends + s->nopen > 0)
        return (uint32_t)(s->n + f->cur++);
    return CHECK_NONE;
}

/* Applies time step k (note (7)); *done false when there is none to take. */
static bool pass_time(search *s, const s_frame *f, size_t k, bool *done)
{
    *done = false;
    int64_t cap = f->time_cap;
    if (k == 0) {
        for (size_t e = s->exp_next; e < s->nends; e++) {
            uint32_t lb = s->ends[e];
            if (s->end_of[lb] > cap)
                return true;
            const chk_rec *r = &s->rec[lb];
            if (r->exists && r->status == BOOKING_STATUS_HELD && !r->expiry_open) {
                *done = true;
                return advance(s, s->end_of[lb]);
            }
        }
        return true;
    }
    uint32_t lb = s->open_b[k - 1];
    const chk_rec *r = &s->rec[lb];
    if (!r->exists || r->status != BOOKING_STATUS_HELD || !r->expiry_open)
        return true;
    int64_t t = r->expires_at_ms > s->now ? r->expires_at_ms : s->now;
    if (t > cap)
        return true;
    *done = true;
    return advance(s, t) && expire(s, lb);
}

static void describe_answer(const chk_answer *a, const chk_op *op, char *out, size_t len)
{
    if (op->kind == CHK_GET_RESOURCE && a->reason == BOOKING_REASON_OK)
        snprintf(out, len, "capacity %" PRIu64 ", booked %" PRIu64, a->cap, a->booked);
    else if (op->kind == CHK_ATTEMPT) {
        char line[24] = "";
        if (op->line_count > 1 && (a->reason == BOOKING_REASON_INSUFFICIENT_CAPACITY ||
                                   a->reason == BOOKING_REASON_UNKNOWN_RESOURCE))
            snprintf(line, sizeof line, " line %" PRIu32, a->line);
        snprintf(out, len, "%s %s%s replayed=%s%s%s",
                 a->reason == BOOKING_REASON_BOOKED ? "BOOKED" : "REJECTED",
                 booking_reason_name(a->reason), line, a->replayed ? "true" : "false",
                 a->reason == BOOKING_REASON_BOOKED ? " status=" : "",
                 a->reason == BOOKING_REASON_BOOKED ? booking_status_name(a->status) : "");
    } else {
        snprintf(out, len, "%s", booking_reason_name(a->reason));
    }
}

/* Called when frame f is exhausted, or doomed by blocker (note (11)): remember
 * the deepest such point (note (4)). blocker CHECK_NONE: the op that returns first. */
static void note_failure(search *s, const s_frame *f, uint32_t blocker)
{
    if (s->have_best && s->det_done <= s->best_done)
        return;
    size_t lines[CHECK_REPORT_LINES_MAX], nl = 0;
    if (blocker == CHECK_NONE && f->det_lo < s->ndet) /* the op that returns first (9) */
        blocker = s->det[f->det_lo];
    if (blocker == CHECK_NONE)
        return;
    s->have_best = true;
    s->best_done = s->det_done;
    const chk_op *bop = &s->h->ops[s->gops[blocker]];
    lines[nl++] = bop->invoke_line;
    lines[nl++] = bop->complete_line;
    size_t concurrent = 0;
    for (size_t k = 0; k < s->n; k++) {
        const chk_op *op = &s->h->ops[s->gops[k]];
        if (k == blocker || s->lin[k] || op->invoke_pos >= f->minret)
            continue;
        concurrent++;
        if (nl + 1 < CHECK_REPORT_LINES_MAX && op->determinate) {
            lines[nl++] = op->invoke_line;
            lines[nl++] = op->complete_line;
        }
    }
    chk_answer a;
    peek(s, blocker, &a);
    char what[384], model[96], state[200] = "";
    chk_describe(s->h, bop, what, sizeof what);
    describe_answer(&a, bop, model, sizeof model);
    uint32_t lr = s->lr[blocker];
    if (lr == CHECK_NONE && s->rec[s->lb[blocker]].exists)
        lr = s->rec[s->lb[blocker]].lr;
    if (bop->kind == CHK_ATTEMPT && bop->line_count > 1) /* the line it turns on */
        lr = s->llr[s->lline_at[blocker] + (bop->fail_line >= 0 ? (uint32_t)bop->fail_line
                                                                 : a.line)];
    if (lr != CHECK_NONE) {
        const chk_res *r = &s->res[lr];
        if (r->exists)
            snprintf(state, sizeof state, "; there the resource has capacity %" PRIu64
                     ", booked %" PRIu64, r->cap, r->booked);
        else
            snprintf(state, sizeof state, "; there the resource does not exist");
    }
    if (s->has_times) {
        char text[TIME_TEXT_LEN];
        time_text_write(text, s->now);
        size_t used = strlen(state);
        snprintf(state + used, sizeof state - used, ", at store time %.*s or later",
                 TIME_TEXT_LEN, text);
    }
    chk_violation(&s->best, "not_linearizable", lines, nl,
                  "no order explains line %zu: %s. The search tried every order of the %zu "
                  "answered operations that must precede it, with and without the %zu that "
                  "may or may not have taken effect (%zu operations still open at that "
                  "point); in the last state tried the model answers %s%s",
                  bop->complete_line, what, s->det_done, s->nind, concurrent, model, state);
}

/* Note (11): whether attempt c, not placed yet, can never get its recorded answer
 * from here on, in a state where free units only shrink: a fresh BOOKED needs room
 * on every line, a fresh rejection naming line k room on lines 0..k-1. */
static bool attempt_doomed(const search *s, uint32_t c)
{
    const chk_op *op = &s->h->ops[s->gops[c]];
    if (op->kind != CHK_ATTEMPT || op->replayed == 1 || s->rec[s->lb[c]].exists)
        return false;
    /* Not known to be fresh, and another operation left may still make its record
     * (an unanswered attempt of the same id): then it may be a replay, needing no room. */
    if (op->replayed != 0 && s->refs[s->lb[c]] != 1)
        return false;
    uint32_t need = op->accept == CHK_BIT(BOOKING_REASON_BOOKED) ? op->line_count
                    : op->accept == CHK_BIT(BOOKING_REASON_INSUFFICIENT_CAPACITY) &&
                            op->fail_line >= 0
                        ? (uint32_t)op->fail_line
                        : 0;
    const chk_line *l = chk_op_lines(s->h, op);
    for (uint32_t k = 0; k < need; k++) {
        const chk_res *r = &s->res[s->llr[s->lline_at[c] + k]];
        if (!r->exists || l[k].units > r->cap - r->booked)
            return true;
    }
    return false;
}

/* Note (11): with no hold in the component and no cancel or set_capacity left,
 * free units never grow again: a frame in which an answered attempt of its window
 * can no longer be explained is a dead end already. Returns that attempt, or
 * CHECK_NONE. */
static uint32_t frame_doomed(const search *s, const s_frame *f)
{
    if (s->has_holds || s->lowering_left != 0)
        return CHECK_NONE;
    for (size_t k = f->det_lo; k < s->ndet; k++) {
        uint32_t c = s->det[k];
        if (s->h->ops[s->gops[c]].return_pos > f->scan_ret)
            break;
        if (!s->lin[c] && attempt_doomed(s, c))
            return c;
    }
    return CHECK_NONE;
}

/* Runs the search; returns CHECK_VALID, CHECK_VIOLATION or CHECK_UNDECIDED. */
static check_verdict run(search *s, chk_budget *budget, check_report *report)
{
    size_t steps = 0;
    if (memo_insert(s) < 0)
        goto undecided_memory;
    frame_init(s, &s->stack[0], NULL, 0);
    s->depth = 1;
    while (s->depth > 0) {
        if (s->det_done == s->ndet)
            return CHECK_VALID;
        if (++steps % SEARCH_CLOCK_EVERY == 0 && budget->deadline_s > 0 &&
            now_s() > budget->deadline_s) {
            snprintf(report->detail, sizeof report->detail,
                     "undecided: no verdict within the timeout (%zu search states)",
                     budget->states + s->memo_count);
            return CHECK_UNDECIDED;
        }
        s_frame *f = &s->stack[s->depth - 1];
        uint32_t c = frame_next(s, f);
        if (c == CHECK_NONE) {
            note_failure(s, f, CHECK_NONE);
            undo_to(s, f->undo);
            s->depth--;
            continue;
        }
        size_t height = s->undo_len;
        if (c >= s->n) { /* time passes */
            bool done;
            if (!pass_time(s, f, c - s->n, &done))
                goto undecided_memory;
            if (!done)
                continue;
        } else {
            const chk_op *op = &s->h->ops[s->gops[c]];
            chk_answer a;
            bool effect;
            s_place placed = apply_op(s, c, f->time_cap, &a, &effect);
            if (placed == PLACE_NOMEM)
                goto undecided_memory;
            bool keep = placed == PLACE_OK && (op->determinate ? answer_matches(op, &a)
                                                               : firing_matters(s, c, &a, effect));
            if (!keep) {
                undo_to(s, height);
                continue;
            }
            if (!linearize(s, c) ||
                (op->kind == CHK_ATTEMPT && effect && !retire_twins_of_booking(s, c)))
                goto undecided_memory;
        }
        int fresh = memo_insert(s);
        if (fresh < 0)
            goto undecided_memory;
        if (fresh == 0) {
            undo_to(s, height);
            continue;
        }
        frame_init(s, &s->stack[s->depth], f, height);
        uint32_t doomed = frame_doomed(s, &s->stack[s->depth]);
        if (doomed != CHECK_NONE) {
            note_failure(s, &s->stack[s->depth], doomed);
            undo_to(s, height);
            continue;
        }
        s->depth++;
    }
    *report = s->best;
    return CHECK_VIOLATION;
undecided_memory:
    snprintf(report->detail, sizeof report->detail,
             "undecided: the search needs more than %zu states (%zu MiB of memo) or memory "
             "ran out", (size_t)CHECK_MEMO_ENTRIES_MAX, (size_t)CHECK_MEMO_PEAK_BYTES >> 20);
    return CHECK_UNDECIDED;
}

static void search_free(search *s)
{
    free(s->lb);
    free(s->lr);
    free(s->llr);
    free(s->lline_at);
    free(s->det);
    free(s->det_inv_pos);
    free(s->det_ret_max);
    free(s->ind);
    free(s->ind_of_b);
    free(s->ind_of_b_at);
    free(s->twin_before);
    free(s->refs);
    free(s->lin);
    free(s->res);
    free(s->rec);
    free(s->end_known);
    free(s->end_of);
    free(s->ends);
    free(s->open_b);
    free(s->timed);
    free(s->undo);
    free(s->stack);
    free(s->memo);
    free(s->memo_used);
}

/* Note (5): an indeterminate attempt of a booking_id that a determinate attempt
 * decided afresh (replayed=false) never took effect: before that decision it
 * would have made it a replay, after it it is a replay or a conflict. Likewise
 * an indeterminate cancel of a booking_id a determinate cancel answered
 * `cancelled`, and an indeterminate confirm of one a determinate confirm answered
 * `confirmed`. Such operations are dropped (marked linearized) up front. */
static bool drop_idle_indeterminate(search *s)
{
    bool *fresh = calloc(s->nb + 1, sizeof *fresh);
    bool *released = calloc(s->nb + 1, sizeof *released);
    bool *confirmed = calloc(s->nb + 1, sizeof *confirmed);
    if (fresh == NULL || released == NULL || confirmed == NULL) {
        free(fresh);
        free(released);
        free(confirmed);
        return false;
    }
    for (size_t k = 0; k < s->ndet; k++) {
        const chk_op *op = &s->h->ops[s->gops[s->det[k]]];
        uint32_t lb = s->lb[s->det[k]];
        if (op->kind == CHK_ATTEMPT && op->replayed == 0 &&
            chk_reason_is_decision(chk_attempt_reason(op)))
            fresh[lb] = true;
        if (op->kind == CHK_CANCEL && op->accept == CHK_BIT(BOOKING_REASON_CANCELLED))
            released[lb] = true;
        if (op->kind == CHK_CONFIRM && op->accept == CHK_BIT(BOOKING_REASON_CONFIRMED))
            confirmed[lb] = true;
    }
    size_t kept = 0;
    for (size_t k = 0; k < s->nind; k++) {
        uint32_t i = s->ind[k];
        const chk_op *op = &s->h->ops[s->gops[i]];
        if ((op->kind == CHK_ATTEMPT && fresh[s->lb[i]]) ||
            (op->kind == CHK_CANCEL && released[s->lb[i]]) ||
            (op->kind == CHK_CONFIRM && confirmed[s->lb[i]]))
            s->lin[i] = true;
        else
            s->ind[kept++] = i;
    }
    s->nind = kept;
    free(fresh);
    free(released);
    free(confirmed);
    return true;
}

static const search *ends_sorting; /* qsort has no context argument */

static int end_cmp(const void *pa, const void *pb)
{
    int64_t a = ends_sorting->end_of[*(const uint32_t *)pa];
    int64_t b = ends_sorting->end_of[*(const uint32_t *)pb];
    return a < b ? -1 : a > b;
}

/* By time, then by local index (invoke order): a stable order of the timed ops. */
static int timed_cmp(const void *pa, const void *pb)
{
    uint32_t i = *(const uint32_t *)pa, j = *(const uint32_t *)pb;
    int64_t a = ends_sorting->h->ops[ends_sorting->gops[i]].at_ms;
    int64_t b = ends_sorting->h->ops[ends_sorting->gops[j]].at_ms;
    return a != b ? (a < b ? -1 : 1) : (i < j ? -1 : i > j);
}

/* Note (7): the hold end of each booking an answer names, in order of time, and
 * the bookings whose hold may end at a time no answer names. */
static bool setup_ends(search *s)
{
    s->end_known = calloc(s->nb + 1, sizeof *s->end_known);
    s->end_of = calloc(s->nb + 1, sizeof *s->end_of);
    s->ends = malloc((s->nb + 1) * sizeof *s->ends);
    s->open_b = malloc((s->nb + 1) * sizeof *s->open_b);
    s->timed = malloc((s->n + 1) * sizeof *s->timed);
    bool *may_hold = calloc(s->nb + 1, sizeof *may_hold);
    bool ok = s->end_known && s->end_of && s->ends && s->open_b && s->timed && may_hold;
    for (size_t i = 0; ok && i < s->n; i++) {
        const chk_op *op = &s->h->ops[s->gops[i]];
        uint32_t lb = s->lb[i];
        if (op->determinate && op->has_at && !s->lin[i])
            s->timed[s->ntimed++] = (uint32_t)i;
        s->has_times = s->has_times || op->has_at || op->hold_ms != 0;
        s->has_holds = s->has_holds || op->hold_ms != 0;
        s->lowering_left += !s->lin[i] && lowers_room_left(op->kind);
        if (op->kind == CHK_ATTEMPT && op->hold_ms != 0)
            may_hold[lb] = true;
        if (op->determinate && op->has_expires_at && lb != CHECK_NONE && !s->end_known[lb]) {
            s->end_known[lb] = true; /* the cheap checks saw that every answer agrees */
            s->end_of[lb] = op->expires_at_ms;
            s->ends[s->nends++] = lb;
        }
    }
    for (uint32_t lb = 0; ok && lb < s->nb; lb++) {
        if (may_hold[lb] && !s->end_known[lb])
            s->open_b[s->nopen++] = lb;
    }
    free(may_hold);
    if (ok) {
        ends_sorting = s;
        qsort(s->ends, s->nends, sizeof *s->ends, end_cmp);
        qsort(s->timed, s->ntimed, sizeof *s->timed, timed_cmp);
        ends_sorting = NULL;
    }
    return ok;
}

typedef struct twin_key {
    uint32_t kind, lr;
    uint64_t value, hold_ms;
    uint32_t op;
} twin_key;

static int twin_cmp(const void *pa, const void *pb)
{
    const twin_key *a = pa, *b = pb;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    if (a->lr != b->lr)
        return a->lr < b->lr ? -1 : 1;
    if (a->value != b->value)
        return a->value < b->value ? -1 : 1;
    if (a->hold_ms != b->hold_ms)
        return a->hold_ms < b->hold_ms ? -1 : 1;
    return a->op < b->op ? -1 : a->op > b->op;
}

/* Note (12): an answered attempt that is interchangeable with others: a fresh
 * BOOKED (replayed=false or not said) of one line, no hold, no time, whose
 * booking_id no other operation names. */
static bool answered_twin(const search *s, uint32_t i)
{
    const chk_op *op = &s->h->ops[s->gops[i]];
    return op->kind == CHK_ATTEMPT && op->determinate && op->line_count == 1 &&
           op->hold_ms == 0 && !op->has_at && !op->has_expires_at && op->replayed != 1 &&
           op->accept == CHK_BIT(BOOKING_REASON_BOOKED) && s->refs[s->lb[i]] == 1;
}

/* Note (12): within a class of answered twins of one resource and units, in invoke
 * order, each one whose return is also after its predecessor's is placed only
 * after it. */
static bool build_answered_twins(search *s)
{
    twin_key *keys = malloc((s->ndet + 1) * sizeof *keys);
    if (keys == NULL)
        return false;
    size_t m = 0;
    for (size_t k = 0; k < s->ndet; k++) {
        uint32_t i = s->det[k];
        if (answered_twin(s, i))
            keys[m++] = (twin_key){.kind = CHK_ATTEMPT, .lr = s->lr[i],
                                   .value = s->h->ops[s->gops[i]].value, .op = i};
    }
    qsort(keys, m, sizeof *keys, twin_cmp); /* by resource, units, then invoke order */
    for (size_t j = 1; j < m; j++) {
        const chk_op *prev = &s->h->ops[s->gops[keys[j - 1].op]];
        const chk_op *op = &s->h->ops[s->gops[keys[j].op]];
        if (keys[j].lr == keys[j - 1].lr && keys[j].value == keys[j - 1].value &&
            prev->return_pos < op->return_pos)
            s->twin_before[keys[j].op] = keys[j - 1].op;
    }
    free(keys);
    return true;
}

/* Note (6): indeterminate attempts whose booking_id nothing else names, of the
 * same resource and units, have the same effect whenever they fire (likewise
 * indeterminate set_capacity ops of the same resource and capacity). Within such
 * a class they fire in invoke order only: if some witness fires k of them, the
 * first k by invoke order, each invoked no later, give one too. */
static bool build_twins(search *s)
{
    s->twin_before = malloc((s->n + 1) * sizeof *s->twin_before);
    twin_key *keys = malloc((s->nind + 1) * sizeof *keys);
    if (s->twin_before == NULL || keys == NULL) {
        free(keys);
        return false;
    }
    for (size_t i = 0; i < s->n; i++)
        s->twin_before[i] = CHECK_NONE;
    size_t m = 0;
    for (size_t k = 0; k < s->nind; k++) {
        uint32_t i = s->ind[k];
        const chk_op *op = &s->h->ops[s->gops[i]];
        /* A bundle is nobody's twin: its other lines would have to agree too. */
        if ((op->kind == CHK_ATTEMPT && s->refs[s->lb[i]] == 1 && op->line_count == 1) ||
            op->kind == CHK_SET_CAPACITY)
            keys[m++] = (twin_key){.kind = op->kind, .lr = s->lr[i], .value = op->value,
                                   .hold_ms = op->hold_ms, .op = i};
    }
    qsort(keys, m, sizeof *keys, twin_cmp);
    for (size_t j = 1; j < m; j++) {
        if (keys[j].kind == keys[j - 1].kind && keys[j].lr == keys[j - 1].lr &&
            keys[j].value == keys[j - 1].value && keys[j].hold_ms == keys[j - 1].hold_ms)
            s->twin_before[keys[j].op] = keys[j - 1].op;
    }
    free(keys);
    return s->no_answered_twins || build_answered_twins(s);
}

static const search *ret_sorting; /* qsort has no context argument */

static int ret_cmp(const void *pa, const void *pb)
{
    size_t a = ret_sorting->h->ops[ret_sorting->gops[*(const uint32_t *)pa]].return_pos;
    size_t b = ret_sorting->h->ops[ret_sorting->gops[*(const uint32_t *)pb]].return_pos;
    return a < b ? -1 : a > b;
}

/* Note (9): the determinate ops by return, and for the scan's bound the running
 * latest return over them by invoke (det is in invoke order on entry). */
static bool order_by_return(search *s)
{
    s->det_inv_pos = malloc((s->ndet + 1) * sizeof *s->det_inv_pos);
    s->det_ret_max = malloc((s->ndet + 1) * sizeof *s->det_ret_max);
    if (s->det_inv_pos == NULL || s->det_ret_max == NULL)
        return false;
    size_t latest = 0;
    for (size_t k = 0; k < s->ndet; k++) {
        const chk_op *op = &s->h->ops[s->gops[s->det[k]]];
        assert(op->return_pos != CHECK_NO_POS && (k == 0 || op->invoke_pos > s->det_inv_pos[k - 1]));
        s->det_inv_pos[k] = op->invoke_pos;
        latest = op->return_pos > latest ? op->return_pos : latest;
        s->det_ret_max[k] = latest;
    }
    ret_sorting = s;
    qsort(s->det, s->ndet, sizeof *s->det, ret_cmp); /* returns are distinct positions */
    ret_sorting = NULL;
    return true;
}

/* Local numbering of bookings and resources; map_b / map_r are scratch arrays
 * over the whole history, CHECK_NONE on entry and restored on exit. */
static bool search_setup(search *s, uint32_t *map_b, uint32_t *map_r)
{
    size_t n = s->n;
    s->lb = malloc(n * sizeof *s->lb);
    s->lr = malloc(n * sizeof *s->lr);
    s->det = malloc(n * sizeof *s->det);
    s->ind = malloc(n * sizeof *s->ind);
    s->lin = calloc(n, sizeof *s->lin);
    s->lline_at = malloc((n + 1) * sizeof *s->lline_at);
    if (!s->lb || !s->lr || !s->det || !s->ind || !s->lin || !s->lline_at)
        return false;
    size_t nlines = 0;
    for (size_t i = 0; i < n; i++) {
        s->lline_at[i] = nlines;
        nlines += s->h->ops[s->gops[i]].line_count;
    }
    s->llr = malloc((nlines + 1) * sizeof *s->llr);
    if (s->llr == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        const chk_op *op = &s->h->ops[s->gops[i]];
        s->lb[i] = s->lr[i] = CHECK_NONE;
        if (op->booking != CHECK_NONE) {
            if (map_b[op->booking] == CHECK_NONE)
                map_b[op->booking] = (uint32_t)s->nb++;
            s->lb[i] = map_b[op->booking];
        }
        if (op->resource != CHECK_NONE) {
            if (map_r[op->resource] == CHECK_NONE)
                map_r[op->resource] = (uint32_t)s->nr++;
            s->lr[i] = map_r[op->resource];
        }
        for (uint32_t k = 0; k < op->line_count; k++) {
            uint32_t r = chk_op_lines(s->h, op)[k].resource;
            if (map_r[r] == CHECK_NONE)
                map_r[r] = (uint32_t)s->nr++;
            s->llr[s->lline_at[i] + k] = map_r[r];
        }
        if (op->determinate)
            s->det[s->ndet++] = (uint32_t)i;
        else
            s->ind[s->nind++] = (uint32_t)i;
    }
    for (size_t i = 0; i < n; i++) {
        const chk_op *op = &s->h->ops[s->gops[i]];
        if (op->booking != CHECK_NONE)
            map_b[op->booking] = CHECK_NONE;
        for (uint32_t k = 0; k < op->line_count; k++)
            map_r[chk_op_lines(s->h, op)[k].resource] = CHECK_NONE;
        if (op->resource != CHECK_NONE)
            map_r[op->resource] = CHECK_NONE;
    }
    if (!order_by_return(s))
        return false;
    /* A path places each operation once and passes each hold end once (note (7)). */
    s->stack = malloc((n + s->nb + 2) * sizeof *s->stack);
    if (s->stack == NULL || !drop_idle_indeterminate(s) || !setup_ends(s))
        return false;
    s->refs = calloc(s->nb + 1, sizeof *s->refs);
    s->ind_of_b_at = calloc(s->nb + 2, sizeof *s->ind_of_b_at);
    s->ind_of_b = malloc((s->nind + 1) * sizeof *s->ind_of_b);
    s->res = calloc(s->nr + 1, sizeof *s->res);
    s->rec = calloc(s->nb + 1, sizeof *s->rec);
    s->memo = malloc(SEARCH_MEMO_INITIAL * sizeof *s->memo);
    s->memo_used = calloc(SEARCH_MEMO_INITIAL, 1);
    if (!s->refs || !s->ind_of_b_at || !s->ind_of_b || !s->res || !s->rec || !s->memo ||
        !s->memo_used)
        return false;
    s->memo_mask = SEARCH_MEMO_INITIAL - 1;
    for (size_t i = 0; i < n; i++) {
        if (s->lb[i] == CHECK_NONE || s->lin[i])
            continue;
        s->refs[s->lb[i]]++;
        if (!s->h->ops[s->gops[i]].determinate &&
            s->h->ops[s->gops[i]].kind == CHK_ATTEMPT)
            s->ind_of_b_at[s->lb[i] + 1]++;
    }
    for (size_t b = 0; b < s->nb; b++)
        s->ind_of_b_at[b + 1] += s->ind_of_b_at[b];
    size_t *fill = calloc(s->nb + 1, sizeof *fill);
    if (fill == NULL)
        return false;
    for (size_t k = 0; k < s->nind; k++) {
        uint32_t i = s->ind[k];
        if (s->h->ops[s->gops[i]].kind != CHK_ATTEMPT)
            continue;
        uint32_t b = s->lb[i];
        s->ind_of_b[s->ind_of_b_at[b] + fill[b]++] = i;
    }
    free(fill);
    return build_twins(s);
}

check_verdict chk_search_component(const check_history *h, const uint32_t *ops, size_t count,
                                   uint32_t *map_b, uint32_t *map_r, chk_budget *budget,
                                   check_report *report)
{
    search s = {.h = h, .gops = ops, .n = count, .no_answered_twins = budget->no_answered_twins};
    s.seed[0] = 0x6a09e667f3bcc908ULL;
    s.seed[1] = 0xbb67ae8584caa73bULL;
    check_verdict v;
    if (!search_setup(&s, map_b, map_r)) {
        snprintf(report->detail, sizeof report->detail, "undecided: out of memory");
        v = CHECK_UNDECIDED;
    } else {
        v = run(&s, budget, report);
    }
    budget->states += s.memo_count;
    search_free(&s);
    return v;
}
