// SPDX-License-Identifier: GPL-2.0
/* --output-group: when packets are complete, their order, and the caps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "out/group.h"

#define MAX_OUT 16

/* What the grouper handed out, copied since its memory goes away. */
struct seen {
	size_t n;
	unsigned long long id[MAX_OUT];
	enum group_end why[MAX_OUT];
	size_t events[MAX_OUT], skbs[MAX_OUT];
	unsigned long long ts[MAX_OUT][8];
};

static void collect(void *ctx, const struct group_pkt *p, enum group_end why)
{
	struct seen *s = ctx;

	assert_true(s->n < MAX_OUT);
	s->id[s->n] = p->id;
	s->why[s->n] = why;
	s->events[s->n] = p->n;
	s->skbs[s->n] = p->nskbs;
	for (size_t i = 0; i < p->n && i < 8; i++)
		s->ts[s->n][i] = p->ev[i]->e.ts;
	s->n++;
}

static void add(struct grouper *g, unsigned long long id, unsigned long long skb,
		unsigned long long ts, unsigned int flags)
{
	struct skbt_event e = {.ts = ts, .skb = skb, .track_id = id, .flags = flags};

	assert_int_equal(group_add(g, &e, sizeof(e)), 0);
}

static void test_out_when_freed(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 0, collect, &s);

	(void)state;
	add(g, 1, 0xa0, 100, 0);
	add(g, 1, 0xa0, 150, 0);
	assert_int_equal(s.n, 0);
	add(g, 1, 0xa0, 170, SKBT_F_FREED);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.id[0], 1);
	assert_int_equal(s.why[0], GROUP_FREED);
	assert_int_equal(s.events[0], 3);
	assert_int_equal(s.skbs[0], 1);
	assert_int_equal(group_held_packets(g), 0);
	assert_int_equal(group_held_events(g), 0);
	group_free(g);
}

/* The packet lives on while a clone does, whichever skb goes first. */
static void test_clone_keeps_packet(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 0, collect, &s);

	(void)state;
	add(g, 2, 0xa0, 100, 0);
	add(g, 2, 0xb0, 110, SKBT_F_CLONE);
	add(g, 2, 0xa0, 120, SKBT_F_FREED);
	assert_int_equal(s.n, 0);
	add(g, 2, 0xb0, 130, SKBT_F_CLONE | SKBT_F_FREED);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.skbs[0], 2);
	assert_int_equal(s.events[0], 4);
	group_free(g);
}

/* Events from several CPUs may arrive out of order: handed out by time. */
static void test_sorted_by_time(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 0, collect, &s);

	(void)state;
	add(g, 3, 0xa0, 300, 0);
	add(g, 3, 0xa0, 100, 0);
	add(g, 3, 0xa0, 200, 0);
	add(g, 3, 0xa0, 400, SKBT_F_FREED);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.ts[0][0], 100);
	assert_int_equal(s.ts[0][1], 200);
	assert_int_equal(s.ts[0][2], 300);
	assert_int_equal(s.ts[0][3], 400);
	group_free(g);
}

static void test_interleaved_packets(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 0, collect, &s);

	(void)state;
	add(g, 4, 0xa0, 1, 0);
	add(g, 5, 0xb0, 2, 0);
	add(g, 4, 0xa0, 3, 0);
	add(g, 5, 0xb0, 4, SKBT_F_FREED);
	add(g, 4, 0xa0, 5, SKBT_F_FREED);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[0], 5);
	assert_int_equal(s.events[0], 2);
	assert_int_equal(s.id[1], 4);
	assert_int_equal(s.events[1], 3);
	group_free(g);
}

static void test_packet_cap_evicts_oldest(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(2, 0, collect, &s);

	(void)state;
	add(g, 1, 0xa0, 1, 0);
	add(g, 2, 0xb0, 2, 0);
	add(g, 1, 0xa0, 3, 0);
	add(g, 3, 0xc0, 4, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.id[0], 1);
	assert_int_equal(s.why[0], GROUP_EVICTED);
	assert_int_equal(s.events[0], 2);
	assert_int_equal(group_evicted(g), 1);
	assert_int_equal(group_held_packets(g), 2);
	group_free(g);
}

static void test_event_cap_evicts_oldest(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 3, collect, &s);

	(void)state;
	add(g, 1, 0xa0, 1, 0);
	add(g, 2, 0xb0, 2, 0);
	add(g, 2, 0xb0, 3, 0);
	assert_int_equal(s.n, 0);
	add(g, 2, 0xb0, 4, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.id[0], 1);
	assert_int_equal(group_held_events(g), 3);
	/* One packet alone over the cap goes out too: memory stays bounded. */
	add(g, 2, 0xb0, 5, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[1], 2);
	assert_int_equal(s.events[1], 4);
	assert_int_equal(group_evicted(g), 2);
	assert_int_equal(group_held_events(g), 0);
	group_free(g);
}

static void test_untracked_alone(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 0, collect, &s);

	(void)state;
	add(g, 0, 0xa0, 1, 0);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.why[0], GROUP_UNTRACKED);
	assert_int_equal(s.events[0], 1);
	assert_int_equal(group_held_packets(g), 0);
	group_free(g);
}

static void test_flush_at_exit_oldest_first(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 0, collect, &s);

	(void)state;
	add(g, 7, 0xa0, 1, 0);
	add(g, 6, 0xb0, 2, 0);
	add(g, 7, 0xa0, 3, 0);
	group_flush_all(g);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.id[0], 7);
	assert_int_equal(s.why[0], GROUP_AT_EXIT);
	assert_int_equal(s.id[1], 6);
	assert_int_equal(group_evicted(g), 0);
	group_free(g);
}

/* Records longer than the fixed part (--output-skb) are copied whole. */
static void test_keeps_record_tail(void **state)
{
	struct seen s = {0};
	struct grouper *g = group_new(0, 0, collect, &s);
	unsigned char rec[sizeof(struct skbt_event) + 64];
	struct skbt_event *e = (struct skbt_event *)rec;

	(void)state;
	memset(rec, 0x5a, sizeof(rec));
	memset(e, 0, sizeof(*e));
	e->track_id = 9;
	e->skb = 0xa0;
	assert_int_equal(group_add(g, e, sizeof(rec)), 0);
	group_flush_all(g);
	assert_int_equal(s.n, 1);
	group_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_when_freed),
		cmocka_unit_test(test_clone_keeps_packet),
		cmocka_unit_test(test_sorted_by_time),
		cmocka_unit_test(test_interleaved_packets),
		cmocka_unit_test(test_packet_cap_evicts_oldest),
		cmocka_unit_test(test_event_cap_evicts_oldest),
		cmocka_unit_test(test_untracked_alone),
		cmocka_unit_test(test_flush_at_exit_oldest_first),
		cmocka_unit_test(test_keeps_record_tail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
