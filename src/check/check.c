/* SPDX-License-Identifier: MIT */
/*
 * check.c: the checker's driver. It partitions the history into components
 * (resources tied together by a booking_id used on several of them, or by the
 * lines of one bundle: SPEC section 8, decided at one instant), runs the
 * cheap O(n) checks, then the search per component, and reports the earliest
 * violation. The model and why this partition is exact: docs/checking.md.
 */
#include "check/check_bounds.h"
#include "check/check_cheap.h"
#include "check/check_history.h"
#include "check/check_report.h"
#include "check/check_search.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_FILE_BYTES_MAX ((size_t)1 << 34) /* 16 GiB: far past any useful history */
#define CHECK_READ_CHUNK ((size_t)1 << 20)

/* ---- components: union-find over resources ---- */

static uint32_t uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static void count_ops(const check_history *h, check_report *report)
{
    report->attempts = report->cancels = report->set_capacities = report->get_resources = 0;
    report->confirms = report->holds = 0;
    report->indeterminate = 0;
    report->events = h->events;
    report->operations = h->op_count;
    report->resources = h->resources.count;
    for (size_t i = 0; i < h->op_count; i++) {
        const chk_op *op = &h->ops[i];
        report->attempts += op->kind == CHK_ATTEMPT;
        report->cancels += op->kind == CHK_CANCEL;
        report->set_capacities += op->kind == CHK_SET_CAPACITY;
        report->get_resources += op->kind == CHK_GET_RESOURCE;
        report->confirms += op->kind == CHK_CONFIRM;
        report->holds += op->kind == CHK_ATTEMPT && op->hold_ms != 0;
        report->indeterminate += !op->determinate;
    }
}

/* A cancel or confirm of a booking_id no attempt ever used can only be
 * unknown_booking. */
static bool check_orphan_cancel(const check_history *h, const chk_op *op, check_report *out)
{
    if (!op->determinate || (op->accept & CHK_BIT(BOOKING_REASON_UNKNOWN_BOOKING)))
        return false;
    char what[384];
    chk_describe(h, op, what, sizeof what);
    size_t lines[] = {op->invoke_line, op->complete_line};
    chk_violation(out, "not_linearizable", lines, 2,
                  "no order explains line %zu: %s, but no attempt in the history ever used "
                  "that booking_id, so the model answers unknown_booking",
                  op->complete_line, what);
    return true;
}

typedef struct components {
    uint32_t *comp_of_op; /* component index, or CHECK_NONE for an orphan cancel/confirm */
    size_t *start;        /* CSR offsets into members, count + 1 */
    uint32_t *members;    /* op indexes grouped by component, invoke order */
    size_t count;
} components;

static bool build_components(const check_history *h, components *c)
{
    size_t nr = h->resources.count, nb = h->bookings.count, n = h->op_count;
    uint32_t *parent = malloc((nr + 1) * sizeof *parent);
    uint32_t *res_of_b = malloc((nb + 1) * sizeof *res_of_b);
    uint32_t *comp_of_root = malloc((nr + 1) * sizeof *comp_of_root);
    c->comp_of_op = malloc((n + 1) * sizeof *c->comp_of_op);
    c->members = malloc((n + 1) * sizeof *c->members);
    c->start = calloc(nr + 2, sizeof *c->start);
    bool ok = parent && res_of_b && comp_of_root && c->comp_of_op && c->members && c->start;
    if (ok) {
        for (uint32_t r = 0; r < nr; r++) {
            parent[r] = r;
            comp_of_root[r] = CHECK_NONE;
        }
        for (size_t b = 0; b < nb; b++)
            res_of_b[b] = CHECK_NONE;
        for (size_t i = 0; i < n; i++) {
            const chk_op *op = &h->ops[i];
            if (op->kind != CHK_ATTEMPT)
                continue;
            if (res_of_b[op->booking] == CHECK_NONE)
                res_of_b[op->booking] = op->resource;
            else
                parent[uf_find(parent, op->resource)] = uf_find(parent, res_of_b[op->booking]);
            /* A bundle's lines are one decision: their resources are one component. The
             * cost of a large one is the search's, bounded by its memo and its time
             * (undecided past them, never a guess). */
            const chk_line *l = chk_op_lines(h, op);
            for (uint32_t k = 1; k < op->line_count; k++)
                parent[uf_find(parent, l[k].resource)] = uf_find(parent, op->resource);
        }
        for (size_t i = 0; i < n; i++) {
            const chk_op *op = &h->ops[i];
            bool by_booking = op->kind == CHK_CANCEL || op->kind == CHK_CONFIRM;
            uint32_t r = by_booking ? res_of_b[op->booking] : op->resource;
            if (r == CHECK_NONE) {
                c->comp_of_op[i] = CHECK_NONE;
                continue;
            }
            uint32_t root = uf_find(parent, r);
            if (comp_of_root[root] == CHECK_NONE)
                comp_of_root[root] = (uint32_t)c->count++;
            c->comp_of_op[i] = comp_of_root[root];
            c->start[c->comp_of_op[i] + 1]++;
        }
        for (size_t k = 0; k < c->count; k++)
            c->start[k + 1] += c->start[k];
        size_t *fill = calloc(c->count + 1, sizeof *fill);
        ok = fill != NULL;
        for (size_t i = 0; ok && i < n; i++) {
            uint32_t k = c->comp_of_op[i];
            if (k != CHECK_NONE)
                c->members[c->start[k] + fill[k]++] = (uint32_t)i;
        }
        free(fill);
    }
    free(parent);
    free(res_of_b);
    free(comp_of_root);
    return ok;
}

static void components_free(components *c)
{
    free(c->comp_of_op);
    free(c->start);
    free(c->members);
}

/* The line at which a violation report is first provable (its latest line). */
static size_t report_line(const check_report *r)
{
    size_t m = 0;
    for (size_t i = 0; i < r->line_count; i++)
        m = r->lines[i] > m ? r->lines[i] : m;
    return m;
}

check_verdict check_history_run(const check_history *h, const check_options *options,
                                check_report *report)
{
    memset(report, 0, sizeof *report);
    count_ops(h, report);
    double timeout = options ? options->timeout_s : CHECK_TIMEOUT_S_DEFAULT;
    chk_budget budget = chk_budget_start(timeout);
    budget.no_answered_twins = options != NULL && options->no_answered_twins;

    check_report found;
    memset(&found, 0, sizeof found);
    bool cheap = chk_cheap_checks(h, &found);
    bool search_only = options != NULL && options->search_only;
    check_report bound;
    memset(&bound, 0, sizeof bound);
    for (int k = 0; k < 2 && !search_only; k++) {
        bool hit = k == 0 ? chk_bounds_checks(h, &bound) : chk_replay_checks(h, &bound);
        if (hit && (!cheap || report_line(&bound) < report_line(&found))) {
            found = bound;
            cheap = true;
        }
    }
    if (cheap) {
        found.events = report->events;
        *report = found;
        count_ops(h, report);
        report->verdict = CHECK_VIOLATION;
        return CHECK_VIOLATION;
    }
    components c = {0};
    uint32_t *map_b = malloc((h->bookings.count + 1) * sizeof *map_b);
    uint32_t *map_r = malloc((h->resources.count + 1) * sizeof *map_r);
    check_verdict v = CHECK_VALID;
    bool have_violation = false, undecided = false;
    char undecided_detail[CHECK_DETAIL_BYTES] = "";
    if (map_b == NULL || map_r == NULL || !build_components(h, &c)) {
        snprintf(undecided_detail, sizeof undecided_detail, "undecided: out of memory");
        undecided = true;
        goto out;
    }
    for (size_t b = 0; b < h->bookings.count; b++)
        map_b[b] = CHECK_NONE;
    for (size_t r = 0; r < h->resources.count; r++)
        map_r[r] = CHECK_NONE;
    for (size_t i = 0; i < h->op_count; i++) {
        if (c.comp_of_op[i] == CHECK_NONE && check_orphan_cancel(h, &h->ops[i], &found)) {
            if (!have_violation || report_line(&found) < report_line(report)) {
                *report = found;
                have_violation = true;
            }
            break; /* later orphans are later lines */
        }
    }
    report->components = c.count;
    for (size_t k = 0; k < c.count; k++) {
        memset(&found, 0, sizeof found);
        check_verdict cv = chk_search_component(h, c.members + c.start[k],
                                                c.start[k + 1] - c.start[k], map_b, map_r,
                                                &budget, &found);
        if (cv == CHECK_VIOLATION &&
            (!have_violation || report_line(&found) < report_line(report))) {
            *report = found;
            have_violation = true;
        } else if (cv == CHECK_UNDECIDED) {
            undecided = true;
            snprintf(undecided_detail, sizeof undecided_detail, "%s", found.detail);
            break;
        }
    }
out:
    if (have_violation)
        v = CHECK_VIOLATION;
    else if (undecided)
        v = CHECK_UNDECIDED;
    if (!have_violation && undecided)
        snprintf(report->detail, sizeof report->detail, "%s", undecided_detail);
    size_t ncomp = c.count;
    count_ops(h, report);
    report->components = ncomp;
    report->search_states = budget.states;
    report->verdict = v;
    components_free(&c);
    free(map_b);
    free(map_r);
    return v;
}

static char *read_all(const char *path, size_t *len, check_report *report)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (f == NULL) {
        report->verdict = CHECK_INVALID;
        snprintf(report->detail, sizeof report->detail, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t cap = 0, used = 0;
    for (;;) {
        if (cap - used < CHECK_READ_CHUNK) {
            if (cap >= CHECK_FILE_BYTES_MAX)
                break;
            size_t ncap = cap ? cap * 2 : CHECK_READ_CHUNK * 2;
            char *grown = realloc(buf, ncap);
            if (grown == NULL) {
                free(buf);
                buf = NULL;
                snprintf(report->detail, sizeof report->detail, "%s: out of memory", path);
                break;
            }
            buf = grown;
            cap = ncap;
        }
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0)
            break;
    }
    bool error = ferror(f) != 0;
    if (f != stdin)
        fclose(f);
    if (buf != NULL && (error || used >= CHECK_FILE_BYTES_MAX)) {
        snprintf(report->detail, sizeof report->detail, "%s: %s", path,
                 error ? "read error" : "file too large");
        free(buf);
        buf = NULL;
    }
    if (buf == NULL) {
        report->verdict = CHECK_INVALID;
        return NULL;
    }
    *len = used;
    return buf;
}

check_verdict check_file(const char *path, const check_options *options, check_report *report)
{
    memset(report, 0, sizeof *report);
    size_t len = 0;
    char *text = read_all(path, &len, report);
    if (text == NULL)
        return CHECK_INVALID;
    check_history *h = check_history_parse(text, len, report);
    free(text);
    if (h == NULL)
        return CHECK_INVALID;
    check_verdict v = check_history_run(h, options, report);
    check_history_free(h);
    return v;
}
