/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * store.c - the engine's memory (see store.h): chunked arrays of frame
 * records and attempt slots, a ring of the full attempts in the order they
 * were last touched, and an arena of packed ones.  Chunks never move, so a
 * full attempt stays where it is until it is packed.
 */
#include "store.h"
#include "conn_pack.h"

#include <stdlib.h>
#include <string.h>

#define SLOT_CHUNK   1024u
#define FRAME_CHUNK  4096u
/* Packed attempts go into chunks of this many bytes, each with its own
 * reference attempt first (conn_pack.h), located by offset / 4 in 31 bits
 * (8 GiB of them; past that an attempt simply stays full). */
#define PACK_CHUNK   (UINT32_C(1) << 20)
#define PACK_ALIGN   4u
#define LOC_PACKED   UINT32_C(0x80000000)
#define PACK_LIMIT   ((uint64_t)LOC_PACKED * PACK_ALIGN)
/* An attempt that got no segment for this many frames is packed: by then
 * the handshake and close of an ordinary connection are long over, and an
 * unanswered SYN will stay so.  Unit tests build with 0: every attempt is
 * packed after each of its segments and unpacked for the next. */
#ifndef HS_COLD_FRAMES
#define HS_COLD_FRAMES 4096u
#endif
/* What a frame keeps: hs_result in 16 bytes, since every TCP frame of a
 * capture pays it (SPEC section 6 memory).  The parts of hs_result that
 * are rarely set (anomalies, a retry delay, an answered frame that is not
 * one of the attempt's step frames) go to the extras instead. */
struct hs_frame {
    uint32_t conn;
    uint32_t seq, ack;
    unsigned label : 6, accept : 2, step0 : 3, step1 : 3, kstate0 : 4, kstate1 : 4,
             flags : 6,
             answers : 3,       /* k: answers c->step_frame[k] (written once), 0: none or extra */
             extra : 1;         /* has an hs_extra */
};

typedef struct hs_extra {
    uint32_t     frame, answers, retry_us;
    uint8_t      origin, evidence, ttl;
    int16_t      ttl_delta;
    hs_anomalies anomalies;
    uint16_t     ipid, ipid_last;
} hs_extra;

_Static_assert(sizeof(hs_frame) == HS_FRAME_BYTES, "hs_frame is HS_FRAME_BYTES");
_Static_assert(HS_LBL_COUNT <= 64 && HS_ACC_COUNT <= 4 && HS_STEP_COUNT <= 8 && HS_K_COUNT <= 16,
               "hs_frame's bit-fields hold every label, accept, step and kernel state");
_Static_assert(HS_RES_NEW < 64, "hs_frame.flags holds every HS_RES_*");

/* A full attempt, and its last frame when it joined the ring. */
typedef struct hot_entry { uint32_t id, frame; } hot_entry;

struct hs_store {
    uint32_t   *stream_conn;    /* tcp.stream -> current conn id (0: none) */
    uint32_t    n_streams;
    uint32_t   *tuple_conn;     /* 4-tuple id -> latest conn id */
    uint32_t    n_tuples;
    /* Attempts: full hs_conn slots while in use, packed once cold. */
    uint32_t   *loc;            /* conn id - 1 -> slot index, or LOC_PACKED | offset / 4 */
    uint32_t    cap_loc, n_conns;
    hs_conn   **slots;          /* chunks of SLOT_CHUNK */
    uint32_t    n_slot_chunks, n_slots;
    uint32_t    free_slot;      /* a free slot's index + 1, 0: none; each links the next */
    uint8_t   **packs;          /* chunks of PACK_CHUNK bytes of packed attempts */
    uint32_t    n_pack_chunks;
    uint64_t    pack_used;      /* where the next packed attempt goes */
    hot_entry  *hot;            /* ring of the full attempts, oldest first */
    uint32_t    cap_hot, hot_head, hot_len;
    uint32_t    cold_frames;    /* an attempt this many frames quiet is packed */
    hs_frame  **frames;         /* chunks of FRAME_CHUNK, by frame number */
    uint32_t    n_frame_chunks;
    hs_extra   *extras;         /* sorted by frame */
    uint32_t    n_extras, cap_extras;
    size_t      bytes;
};

/* ---- storage ---------------------------------------------------------- */

static bool grow(void **arr, uint32_t *n, uint32_t need, size_t elem, size_t *bytes)
{
    if (need <= *n)
        return true;
    uint32_t cap = *n ? *n : 16;
    while (cap < need)
        cap = cap > UINT32_MAX / 2 ? need : cap * 2;
    void *p = realloc(*arr, (size_t)cap * elem);
    if (!p)
        return false;
    memset((char *)p + (size_t)*n * elem, 0, (size_t)(cap - *n) * elem);
    *bytes += (size_t)(cap - *n) * elem;
    *arr = p;
    *n = cap;
    return true;
}

/* Chunk `k` of a chunked array (frames, attempt slots, packed attempts),
 * zeroed and allocated on first use; NULL out of memory. */
static void *chunk_at(void ***chunks, uint32_t *n_chunks, uint32_t k, size_t chunk_bytes, size_t *bytes)
{
    if (!grow((void **)chunks, n_chunks, k + 1, sizeof **chunks, bytes))
        return NULL;
    if (!(*chunks)[k]) {
        (*chunks)[k] = calloc(1, chunk_bytes);
        if (!(*chunks)[k])
            return NULL;
        *bytes += chunk_bytes;
    }
    return (*chunks)[k];
}

hs_frame *hs_store_frame(hs_store *st, uint32_t frame)
{
    hs_frame *chunk = chunk_at((void ***)&st->frames, &st->n_frame_chunks, frame / FRAME_CHUNK,
                               FRAME_CHUNK * sizeof(hs_frame), &st->bytes);
    return chunk ? &chunk[frame % FRAME_CHUNK] : NULL;
}

/* The first extra at or after `frame` (binary search). */
static uint32_t extra_index(const hs_store *st, uint32_t frame)
{
    uint32_t lo = 0, hi = st->n_extras;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (st->extras[mid].frame < frame)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Frames come in capture order, so this appends; another order (possible
 * only through the API) still keeps the array sorted. */
static bool extra_put(hs_store *st, const hs_extra *e)
{
    if (!grow((void **)&st->extras, &st->cap_extras, st->n_extras + 1, sizeof *st->extras, &st->bytes))
        return false;
    uint32_t i = st->n_extras && st->extras[st->n_extras - 1].frame < e->frame
                 ? st->n_extras : extra_index(st, e->frame);
    memmove(&st->extras[i + 1], &st->extras[i], (size_t)(st->n_extras - i) * sizeof *e);
    st->extras[i] = *e;
    st->n_extras++;
    return true;
}

/* Which step frame of c `frame` is (1..7), 0 if none: write-once values,
 * so the index names the same frame whenever it is read back. */
static unsigned step_index(const hs_conn *c, uint32_t frame)
{
    for (unsigned k = 1; frame && k < HS_STEP_COUNT; k++)
        if (c->step_frame[k] == frame)
            return k;
    return 0;
}

bool hs_store_save(hs_store *st, hs_frame *f, const hs_result *r, const hs_conn *c, uint32_t frame)
{
    unsigned k = step_index(c, r->answers);
    *f = (hs_frame){
        .conn = r->conn, .seq = r->seq, .ack = r->ack,
        .label = r->label, .accept = r->accept, .step0 = r->step[0], .step1 = r->step[1],
        .kstate0 = r->kstate[0], .kstate1 = r->kstate[1], .flags = r->flags, .answers = k,
    };
    if (!r->anomalies && !r->retry_us && (k || !r->answers) && !r->evidence)
        return true;
    f->extra = 1;
    hs_extra e = {
        .frame = frame, .answers = k ? 0 : r->answers, .retry_us = r->retry_us,
        .origin = r->origin, .evidence = r->evidence, .ttl = r->ttl, .ttl_delta = r->ttl_delta,
        .anomalies = r->anomalies, .ipid = r->ipid, .ipid_last = r->ipid_last,
    };
    return extra_put(st, &e);
}

static void frame_load(const hs_store *st, const hs_frame *f, uint32_t frame, hs_result *r)
{
    hs_conn buf;
    const hs_conn *c = f->answers ? hs_store_conn(st, f->conn, &buf) : NULL;
    *r = (hs_result){
        .conn = f->conn, .seq = f->seq, .ack = f->ack,
        .answers = c ? c->step_frame[f->answers] : 0,
        .step = { (uint8_t)f->step0, (uint8_t)f->step1 }, .label = (uint8_t)f->label,
        .flags = (uint8_t)f->flags, .kstate = { (uint8_t)f->kstate0, (uint8_t)f->kstate1 },
        .accept = (uint8_t)f->accept,
    };
    if (!f->extra)
        return;
    uint32_t i = extra_index(st, frame);
    if (i < st->n_extras && st->extras[i].frame == frame) {
        const hs_extra *e = &st->extras[i];
        if (e->answers)
            r->answers = e->answers;
        r->anomalies = e->anomalies;
        r->retry_us = e->retry_us;
        r->origin = e->origin;
        r->evidence = e->evidence;
        r->ttl = e->ttl;
        r->ttl_delta = e->ttl_delta;
        r->ipid = e->ipid;
        r->ipid_last = e->ipid_last;
    }
}

/* ---- attempts: full slots while in use, packed once cold ---------------- */

static hs_conn *slot_at(const hs_store *st, uint32_t idx)
{
    return &st->slots[idx / SLOT_CHUNK][idx % SLOT_CHUNK];
}

/* A zeroed slot: a freed one (they link through .stream) or a new one. */
static bool slot_new(hs_store *st, uint32_t *idx)
{
    if (st->free_slot) {
        *idx = st->free_slot - 1;
        hs_conn *c = slot_at(st, *idx);
        st->free_slot = c->stream;
        memset(c, 0, sizeof *c);
        return true;
    }
    if (st->n_slots == UINT32_MAX ||
        !chunk_at((void ***)&st->slots, &st->n_slot_chunks, st->n_slots / SLOT_CHUNK,
                  SLOT_CHUNK * sizeof(hs_conn), &st->bytes))
        return false;
    *idx = st->n_slots++;
    return true;
}

static void slot_free(hs_store *st, uint32_t idx)
{
    slot_at(st, idx)->stream = st->free_slot;
    st->free_slot = idx + 1;
}

/* Remember a full attempt, last touched at `frame`, to be looked at again
 * once it may be cold.  If the ring cannot grow the attempt stays full. */
static void hot_push(hs_store *st, uint32_t id, uint32_t frame)
{
    if (st->hot_len == st->cap_hot) {
        uint32_t old = st->cap_hot;
        if (!grow((void **)&st->hot, &st->cap_hot, old + 1, sizeof *st->hot, &st->bytes))
            return;
        /* Unwrap: the entries before the head move past the old end. */
        memcpy(st->hot + old, st->hot, (size_t)st->hot_head * sizeof *st->hot);
    }
    st->hot[(st->hot_head + st->hot_len++) % st->cap_hot] = (hot_entry){ id, frame };
}

static void hot_pop(hs_store *st)
{
    st->hot_head = (st->hot_head + 1) % st->cap_hot;
    st->hot_len--;
}

/* Pack c into the arena; *loc then names it.  Each chunk begins with its
 * reference: the first attempt packed into it.  False (c stays full) past
 * the arena's reach or out of memory. */
static bool pack_put(hs_store *st, const hs_conn *c, uint32_t *loc)
{
    uint64_t at = st->pack_used;
    bool fresh = at % PACK_CHUNK == 0 || at % PACK_CHUNK + HS_PACK_MAX > PACK_CHUNK;
    if (fresh)
        at = (at + PACK_CHUNK - 1) / PACK_CHUNK * PACK_CHUNK + HS_PACK_REF_BYTES;
    if (at + HS_PACK_MAX > PACK_LIMIT)
        return false;
    uint32_t chunk = (uint32_t)(at / PACK_CHUNK);
    if (fresh) {
        if (!chunk_at((void ***)&st->packs, &st->n_pack_chunks, chunk, PACK_CHUNK, &st->bytes))
            return false;
        hs_conn_pack_ref(c, st->packs[chunk]);
    }
    size_t n = hs_conn_pack(c, st->packs[chunk], st->packs[chunk] + at % PACK_CHUNK);
    st->pack_used = at + (n + PACK_ALIGN - 1) / PACK_ALIGN * PACK_ALIGN;
    *loc = LOC_PACKED | (uint32_t)(at / PACK_ALIGN);
    return true;
}

/* Unpack the attempt at loc into *out. */
static void unpack_at(const hs_store *st, uint32_t loc, hs_conn *out)
{
    uint64_t at = (uint64_t)(loc & ~LOC_PACKED) * PACK_ALIGN;
    const uint8_t *chunk = st->packs[at / PACK_CHUNK];
    hs_conn_unpack(chunk + at % PACK_CHUNK, chunk, out);
}

/* Pack the oldest full attempts that have gone cold.  The ring is in the
 * order attempts were last touched, nearly: one touched again since it
 * joined goes to the back when it comes to the front.  So the front is
 * the quietest attempt, and if it is not cold none is.  Two looked at per
 * segment, more than the at most two a segment makes full. */
void hs_store_cool(hs_store *st, uint32_t frame)
{
    for (int k = 0; k < 2 && st->hot_len; k++) {
        hot_entry e = st->hot[st->hot_head];
        uint32_t *loc = &st->loc[e.id - 1], idx = *loc;
        const hs_conn *c = slot_at(st, idx);
        if (c->last_frame != e.frame) {          /* touched since: to the back */
            hot_pop(st);
            hot_push(st, e.id, c->last_frame);
            continue;
        }
        if (frame - c->last_frame < st->cold_frames && frame >= c->last_frame)
            return;                              /* the quietest is not cold yet */
        hot_pop(st);
        if (pack_put(st, c, loc))
            slot_free(st, idx);
    }
}

hs_conn *hs_store_conn_new(hs_store *st, uint32_t frame)
{
    uint32_t idx;
    if (st->n_conns == UINT32_MAX - 1 ||
        !grow((void **)&st->loc, &st->cap_loc, st->n_conns + 1, sizeof *st->loc, &st->bytes) ||
        !slot_new(st, &idx))
        return NULL;
    st->loc[st->n_conns++] = idx;
    hs_conn *c = slot_at(st, idx);
    c->id = st->n_conns;
    c->closer = HS_ROLE_NONE;
    hot_push(st, c->id, frame);
    return c;
}

/* The attempt `id` to write to: unpacked into a slot of its own if it was
 * packed (its packed bytes stay where they are, unused). */
hs_conn *hs_store_conn_touch(hs_store *st, uint32_t id, uint32_t frame)
{
    if (id == 0 || id > st->n_conns)
        return NULL;
    uint32_t *loc = &st->loc[id - 1], idx;
    if (!(*loc & LOC_PACKED))
        return slot_at(st, *loc);
    if (!slot_new(st, &idx))
        return NULL;
    hs_conn *c = slot_at(st, idx);
    unpack_at(st, *loc, c);
    *loc = idx;
    hot_push(st, id, frame);
    return c;
}


/* ---- the store itself ---------------------------------------------------- */

hs_store *hs_store_new(void)
{
    hs_store *st = calloc(1, sizeof *st);
    if (st) {
        st->bytes = sizeof *st;
        st->cold_frames = HS_COLD_FRAMES;
    }
    return st;
}

void hs_store_set_cold_frames(hs_store *st, uint32_t frames)
{
    st->cold_frames = frames;
}

size_t hs_store_bytes(const hs_store *st)
{
    return st->bytes;
}

void hs_store_free(hs_store *st)
{
    if (!st)
        return;
    for (uint32_t i = 0; i < st->n_slot_chunks; i++)
        free(st->slots[i]);
    for (uint32_t i = 0; i < st->n_pack_chunks; i++)
        free(st->packs[i]);
    for (uint32_t i = 0; i < st->n_frame_chunks; i++)
        free(st->frames[i]);
    free(st->slots);
    free(st->packs);
    free(st->loc);
    free(st->hot);
    free(st->frames);
    free(st->extras);
    free(st->stream_conn);
    free(st->tuple_conn);
    free(st);
}

/* ---- reads ------------------------------------------------------------------ */

bool hs_store_load(const hs_store *st, const hs_frame *f, uint32_t frame, hs_result *out)
{
    if (!(f->flags & HS_RES_DONE))
        return false;
    frame_load(st, f, frame, out);
    return true;
}

bool hs_store_result(const hs_store *st, uint32_t frame, hs_result *out)
{
    uint32_t chunk = frame / FRAME_CHUNK;
    if (chunk >= st->n_frame_chunks || !st->frames[chunk])
        return false;
    return hs_store_load(st, &st->frames[chunk][frame % FRAME_CHUNK], frame, out);
}

const hs_conn *hs_store_conn(const hs_store *st, uint32_t id, hs_conn *buf)
{
    if (id == 0 || id > st->n_conns)
        return NULL;
    uint32_t loc = st->loc[id - 1];
    if (!(loc & LOC_PACKED))
        return slot_at(st, loc);
    if (!buf)
        return NULL;
    unpack_at(st, loc, buf);
    return buf;
}

uint32_t hs_store_conn_count(const hs_store *st)
{
    return st->n_conns;
}

/* ---- indexes ------------------------------------------------------------------ */

bool hs_store_stream_reserve(hs_store *st, uint32_t stream)
{
    return grow((void **)&st->stream_conn, &st->n_streams, stream + 1, sizeof *st->stream_conn, &st->bytes);
}

bool hs_store_tuple_reserve(hs_store *st, uint32_t tuple)
{
    return grow((void **)&st->tuple_conn, &st->n_tuples, tuple + 1, sizeof *st->tuple_conn, &st->bytes);
}

uint32_t hs_store_stream_conn(const hs_store *st, uint32_t stream)
{
    return stream < st->n_streams ? st->stream_conn[stream] : 0;
}

uint32_t hs_store_tuple_conn(const hs_store *st, uint32_t tuple)
{
    return tuple < st->n_tuples ? st->tuple_conn[tuple] : 0;
}

void hs_store_set_stream_conn(hs_store *st, uint32_t stream, uint32_t id)
{
    if (stream < st->n_streams)
        st->stream_conn[stream] = id;
}

void hs_store_set_tuple_conn(hs_store *st, uint32_t tuple, uint32_t id)
{
    if (tuple < st->n_tuples)
        st->tuple_conn[tuple] = id;
}
