// SPDX-License-Identifier: GPL-2.0
/* Namespace names: a file in the names directory with the namespace's inode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "host/netns.h"

static void test_name_by_inode(void **state)
{
	char dir[] = "/tmp/test_netns.XXXXXX", path[64], name[32];
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/blue", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(netns_name_in(dir, st.st_ino, name, sizeof(name)), 0);
	assert_string_equal(name, "blue");
	/* cut to the buffer, terminated */
	assert_int_equal(netns_name_in(dir, st.st_ino, name, 3), 0);
	assert_string_equal(name, "bl");
	assert_int_equal(netns_name_in(dir, st.st_ino + 1, name, sizeof(name)), -1);
	assert_int_equal(netns_name_in("/nonexistent", st.st_ino, name, sizeof(name)), -1);
	unlink(path);
	rmdir(dir);
}

static void test_init_is_host(void **state)
{
	char name[32];
	struct stat st;

	(void)state;
	if (stat("/proc/1/ns/net", &st))
		skip(); /* not allowed to look at pid 1's namespace */
	assert_int_equal(netns_name_in("/nonexistent", st.st_ino, name, sizeof(name)), 0);
	assert_string_equal(name, "host");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_by_inode),
		cmocka_unit_test(test_init_is_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
