// SPDX-License-Identifier: GPL-2.0
/* Naming network namespaces: /run/netns names, pids, our own, the rescan limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "host/netns.h"

#define SEC 1000000000ULL

struct fake {
	char root[64], run[96], proc[96];
};

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static unsigned int ino(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* proc/PID with comm; its ns/net is a hard link to net (one inode: one namespace). */
static void add_pid(struct fake *fk, const char *pid, const char *comm, const char *net)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", fk->proc, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/ns", fk->proc, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/ns/net", fk->proc, pid);
	assert_int_equal(link(net, p), 0);
	if (comm) {
		snprintf(p, sizeof(p), "%s/%s/comm", fk->proc, pid);
		put_file(p, comm);
	}
}

static int setup(void **state)
{
	struct fake *fk = calloc(1, sizeof(*fk));
	char p[256];

	snprintf(fk->root, sizeof(fk->root), "/tmp/skbt_netns_XXXXXX");
	if (!mkdtemp(fk->root))
		return -1;
	snprintf(fk->run, sizeof(fk->run), "%s/run", fk->root);
	snprintf(fk->proc, sizeof(fk->proc), "%s/proc", fk->root);
	mkdir(fk->run, 0755);
	mkdir(fk->proc, 0755);
	/* three namespaces: the host's (pid 1, us), "blue" (also pid 100), one only pid 7 and 9 have */
	snprintf(p, sizeof(p), "%s/blue", fk->run);
	put_file(p, "");
	snprintf(p, sizeof(p), "%s/host_ns", fk->root);
	put_file(p, "");
	snprintf(p, sizeof(p), "%s/anon_ns", fk->root);
	put_file(p, "");
	*state = fk;
	return 0;
}

static int teardown(void **state)
{
	struct fake *fk = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", fk->root);
	if (system(cmd))
		return -1;
	free(fk);
	return 0;
}

static void path(char *out, size_t n, const struct fake *fk, const char *rel)
{
	snprintf(out, n, "%s/%s", fk->root, rel);
}

static void test_kinds(void **state)
{
	struct fake *fk = *state;
	char host[256], anon[256], blue[256], buf[128];
	struct netns_names *nn;
	struct netns_id id;

	path(host, sizeof(host), fk, "host_ns");
	path(anon, sizeof(anon), fk, "anon_ns");
	path(blue, sizeof(blue), fk, "run/blue");
	add_pid(fk, "1", "init\n", host);
	add_pid(fk, "self", NULL, host);
	add_pid(fk, "100", "dnsmasq\n", blue);
	add_pid(fk, "9", "nginx\n", anon);
	add_pid(fk, "7", "sh\n", anon);
	nn = netns_names_new(fk->run, fk->proc);
	assert_non_null(nn);

	netns_name_at(nn, ino(blue), 5 * SEC, &id);
	assert_int_equal(id.kind, NETNS_NAMED);
	assert_string_equal(id.name, "blue");
	netns_exec_prefix(&id, buf, sizeof(buf));
	assert_string_equal(buf, "ip netns exec blue ");

	/* the lowest pid names it, whatever order readdir gives */
	netns_name_at(nn, ino(anon), 5 * SEC, &id);
	assert_int_equal(id.kind, NETNS_PID);
	assert_int_equal(id.pid, 7);
	assert_string_equal(id.name, "pid:7:sh");
	netns_exec_prefix(&id, buf, sizeof(buf));
	assert_string_equal(buf, "nsenter -t 7 -n ");

	/* ours, shared with pid 1: the host's */
	netns_name_at(nn, ino(host), 5 * SEC, &id);
	assert_int_equal(id.kind, NETNS_SELF);
	assert_string_equal(id.name, "host");
	netns_exec_prefix(&id, buf, sizeof(buf));
	assert_string_equal(buf, "");

	netns_name_at(nn, 0, 5 * SEC, &id);
	assert_int_equal(id.kind, NETNS_UNKNOWN);
	assert_string_equal(id.name, "?");
	netns_names_free(nn);
}

/* A miss rescans at most once a second. */
static void test_rescan_limit(void **state)
{
	struct fake *fk = *state;
	char red[256];
	struct netns_names *nn = netns_names_new(fk->run, fk->proc);
	struct netns_id id;
	unsigned int red_ino;

	assert_non_null(nn);
	snprintf(red, sizeof(red), "%s/red", fk->run);
	/* first lookup scans; "red" does not exist yet */
	netns_name_at(nn, 123456789, 10 * SEC, &id);
	assert_int_equal(id.kind, NETNS_UNKNOWN);
	assert_string_equal(id.name, "inode:123456789");
	put_file(red, "");
	red_ino = ino(red);
	netns_name_at(nn, red_ino, 10 * SEC + SEC / 2, &id);
	assert_int_equal(id.kind, NETNS_UNKNOWN);
	netns_exec_prefix(&id, red, sizeof(red));
	assert_non_null(strstr(red, "nsenter"));
	netns_name_at(nn, red_ino, 11 * SEC + 1, &id);
	assert_int_equal(id.kind, NETNS_NAMED);
	assert_string_equal(id.name, "red");
	netns_names_free(nn);
}

/* The real system: our own namespace is named (by /run/netns or as ours). */
static void test_real_self(void **state)
{
	struct netns_names *nn = netns_names_new(NULL, NULL);
	unsigned int self = netns_self();
	struct netns_id id;

	(void)state;
	assert_non_null(nn);
	assert_true(self > 0);
	netns_name(nn, self, &id);
	assert_true(id.kind == NETNS_SELF || id.kind == NETNS_NAMED);
	assert_int_equal(id.inode, self);
	print_message("# our netns %u is \"%s\"\n", self, id.name);
	netns_names_free(nn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_rescan_limit),
		cmocka_unit_test(test_real_self),
	};

	return cmocka_run_group_tests_name("netns_names", tests, setup, teardown);
}
