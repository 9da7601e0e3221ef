// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for the work pool's progress line: nothing for work that is
 * done within a second or has no label; past a second, "label N/M" lines
 * rewritten in place, and the line cleared at the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "load/pool.h"

static int nap(void *ctx, size_t i)
{
	struct timespec ts = {.tv_nsec = *(long *)ctx};

	(void)i;
	nanosleep(&ts, NULL);
	return 0;
}

/* What pool_run wrote to stderr, as a NUL-terminated string (freed by the caller). */
static char *stderr_of(size_t n, long nap_ns, int nth, const char *label)
{
	FILE *tmp = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *out;
	long len;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	pool_run(n, nap, &nap_ns, nth, label);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	len = lseek(fileno(tmp), 0, SEEK_END);
	assert_true(len >= 0);
	out = calloc(1, len + 1);
	assert_non_null(out);
	assert_int_equal(pread(fileno(tmp), out, len, 0), len);
	fclose(tmp);
	return out;
}

static void test_quick_work_is_silent(void **state)
{
	char *out = stderr_of(200, 1000, 2, "attaching");

	(void)state;
	assert_string_equal(out, "");
	free(out);
}

static void test_no_label_is_silent(void **state)
{
	/* 1.2 s of work on one thread, but the caller wants no line. */
	char *out = stderr_of(40, 30000000, 1, NULL);

	(void)state;
	assert_string_equal(out, "");
	free(out);
}

static void test_slow_work_shows_and_clears(void **state)
{
	/* 60 x 25 ms on one thread: about 1.5 s, so half a second of lines. */
	char *out = stderr_of(60, 25000000, 1, "attaching");
	size_t len = strlen(out);
	unsigned int done, total;
	const char *p;

	(void)state;
	assert_non_null(strstr(out, "\rattaching "));
	assert_null(strchr(out, '\n')); /* one line, rewritten: never a new one */
	p = strstr(out, "\rattaching ");
	assert_int_equal(sscanf(p, "\rattaching %u/%u", &done, &total), 2);
	assert_int_equal(total, 60);
	assert_true(done >= 30 && done <= 60); /* a second in: about 40 done */
	/* Gone once ready: the last thing written clears the line. */
	assert_true(len >= 4);
	assert_string_equal(out + len - 4, "\r\033[K");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quick_work_is_silent),
		cmocka_unit_test(test_no_label_is_silent),
		cmocka_unit_test(test_slow_work_shows_and_clears),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
