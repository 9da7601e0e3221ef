// SPDX-License-Identifier: GPL-2.0
/*
 * --drop-summary's clock.  Tables are cut on the event loop's own time:
 * an interval ends when its map read happens, so consecutive tables are
 * back to back ([start, end) then [end, ...)) and none is skipped or
 * counted twice, whatever the loop's lateness.
 */
#include <errno.h>
#include <string.h>

#include "diag/drop_session.h"

#define NS_PER_SEC 1000000000ULL

int drop_session_init(struct drop_session *s, int map_fd, unsigned int secs,
		      const struct ds_print *pr, unsigned long long now_ns)
{
	memset(s, 0, sizeof(*s));
	s->sum = drop_summary_new();
	if (!s->sum)
		return -ENOMEM;
	s->pr = *pr;
	s->map_fd = map_fd;
	s->every_ns = secs * NS_PER_SEC;
	s->start_ns = now_ns;
	return 0;
}

int drop_session_tick(struct drop_session *s, unsigned long long now_ns,
		      unsigned long long uncounted_total, bool final)
{
	struct ds_table t;
	int err;

	if (!s->sum)
		return 0;
	if (!final && (!s->every_ns || now_ns < s->start_ns + s->every_ns))
		return 0;
	err = drop_summary_read_map(s->sum, s->map_fd);
	if (!err)
		err = drop_summary_close(s->sum, s->start_ns, now_ns, uncounted_total, &t);
	if (err)
		return err;
	s->uncounted += t.uncounted;
	err = drop_summary_print(&s->pr, &t);
	ds_table_free(&t);
	s->start_ns = now_ns;
	return err ? err : 1;
}

void drop_session_free(struct drop_session *s)
{
	drop_summary_free(s->sum);
	s->sum = NULL;
}
