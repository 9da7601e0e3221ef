// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for BTF discovery: a small BTF built here with libbpf's
 * writer, this machine's vmlinux BTF, tracefs category lookup and the
 * probeable filter.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "probe/btf_discover.h"
#include "probe/ksyms.h"

/* The 30 tracepoints that carry an sk_buff on this machine's kernel (environment.md). */
static const char *const expected_tps[] = {
	"kfree_skb",
	"consume_skb",
	"skb_copy_datagram_iovec",
	"net_dev_start_xmit",
	"net_dev_xmit",
	"net_dev_queue",
	"netif_receive_skb",
	"netif_rx",
	"napi_gro_frags_entry",
	"napi_gro_receive_entry",
	"netif_receive_skb_entry",
	"netif_receive_skb_list_entry",
	"netif_rx_entry",
	"sock_rcvqueue_full",
	"udp_fail_queue_rcv_skb",
	"tcp_retransmit_skb",
	"tcp_send_reset",
	"tcp_sendmsg_locked",
	"tcp_probe",
	"tcp_bad_csum",
	"tcp_hash_bad_header",
	"tcp_hash_md5_required",
	"tcp_hash_md5_unexpected",
	"tcp_hash_md5_mismatch",
	"tcp_hash_ao_required",
	"tcp_ao_handshake_failure",
	"qdisc_dequeue",
	"qdisc_enqueue",
	"icmp_send",
	"subflow_check_data_avail",
};
#define NR_EXPECTED_TPS (sizeof(expected_tps) / sizeof(expected_tps[0]))

static char tmpdir[] = "/tmp/skbt_btf_XXXXXX";
static struct btf *vmlinux; /* NULL when this kernel has no BTF */

static const struct probe *find_probe(const struct probe_list *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return &l->v[i];
	return NULL;
}

static char *tmp_path(const char *name)
{
	char *path;

	assert_true(asprintf(&path, "%s/%s", tmpdir, name) > 0);
	return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Type ids of the building blocks shared by the synthetic functions. */
struct ids {
	int i32, skb, skb_ptr, cskb_ptr, skb_td, cskb_td, other_ptr, reason, reason_td, skb_pp;
};

/* A FUNC_PROTO of n params, each int unless listed in (pos, type) pairs, and its FUNC. */
static int add_func(struct btf *b, const char *name, const struct ids *id, int n, int pos1,
		    int type1, int pos2, int type2)
{
	int proto = btf__add_func_proto(b, id->i32);

	assert_true(proto > 0);
	for (int i = 1; i <= n; i++) {
		int t = i == pos1 ? type1 : i == pos2 ? type2 : id->i32;

		assert_int_equal(btf__add_func_param(b, "a", t), 0);
	}
	return btf__add_func(b, name, BTF_FUNC_GLOBAL, proto);
}

/* typedef btf_trace_<name> -> pointer -> proto(void *ctx, params...) */
static void add_tp(struct btf *b, const char *name, const struct ids *id, int n, int pos1,
		   int type1, int pos2, int type2)
{
	int void_ptr = btf__add_ptr(b, 0), proto = btf__add_func_proto(b, 0), ptr;
	char tdname[128];

	assert_true(void_ptr > 0 && proto > 0);
	assert_int_equal(btf__add_func_param(b, "__data", void_ptr), 0);
	for (int i = 1; i <= n; i++) {
		int t = i == pos1 ? type1 : i == pos2 ? type2 : id->i32;

		assert_int_equal(btf__add_func_param(b, "a", t), 0);
	}
	ptr = btf__add_ptr(b, proto);
	assert_true(ptr > 0);
	snprintf(tdname, sizeof(tdname), "btf_trace_%s", name);
	assert_true(btf__add_typedef(b, tdname, ptr) > 0);
}

static struct btf *build_btf(struct ids *id)
{
	struct btf *b = btf__new_empty();
	int t, proto, cvol;

	assert_non_null(b);
	id->i32 = btf__add_int(b, "int", 4, BTF_INT_SIGNED);
	id->skb = btf__add_struct(b, "sk_buff", 232);
	assert_int_equal(btf__add_field(b, "len", id->i32, 0, 0), 0);
	id->skb_ptr = btf__add_ptr(b, id->skb);
	t = btf__add_const(b, id->skb);
	id->cskb_ptr = btf__add_ptr(b, t);
	id->skb_td = btf__add_typedef(b, "skb_ptr_t", id->skb_ptr);
	/* const volatile typedef of a pointer to a typedef of const sk_buff */
	t = btf__add_typedef(b, "skb_t", t);
	t = btf__add_ptr(b, t);
	cvol = btf__add_volatile(b, t);
	id->cskb_td = btf__add_const(b, cvol);
	t = btf__add_struct(b, "sk_buff_head", 24);
	id->other_ptr = btf__add_ptr(b, t);
	id->skb_pp = btf__add_ptr(b, id->skb_ptr);
	id->reason = btf__add_enum(b, "skb_drop_reason", 4);
	assert_int_equal(btf__add_enum_value(b, "SKB_NOT_DROPPED_YET", 0), 0);
	assert_int_equal(btf__add_enum_value(b, "SKB_DROP_REASON_NOT_SPECIFIED", 2), 0);
	id->reason_td = btf__add_typedef(b, "drop_reason_t", id->reason);
	id->reason_td = btf__add_const(b, id->reason_td);

	for (int pos = 1; pos <= 6; pos++) {
		char name[32];

		snprintf(name, sizeof(name), "skb_at_%d", pos);
		assert_true(add_func(b, name, id, 6, pos, id->skb_ptr, 0, 0) > 0);
	}
	add_func(b, "const_skb", id, 1, 1, id->cskb_ptr, 0, 0);
	add_func(b, "typedef_skb", id, 2, 2, id->skb_td, 0, 0);
	add_func(b, "cv_typedef_skb", id, 3, 3, id->cskb_td, 0, 0);
	add_func(b, "no_skb", id, 2, 1, id->other_ptr, 0, 0);
	add_func(b, "skb_ptr_ptr", id, 1, 1, id->skb_pp, 0, 0);
	add_func(b, "no_args", id, 0, 0, 0, 0, 0);
	add_func(b, "drop_with_reason", id, 3, 2, id->skb_ptr, 3, id->reason);
	add_func(b, "reason_first", id, 2, 1, id->reason_td, 2, id->skb_ptr);
	add_func(b, "two_skbs", id, 2, 1, id->skb_ptr, 2, id->skb_ptr);
	/* Two FUNCs on one prototype: the per-prototype cache must serve both. */
	proto = btf__add_func_proto(b, id->i32);
	btf__add_func_param(b, "skb", id->skb_ptr);
	btf__add_func(b, "shared_a", BTF_FUNC_STATIC, proto);
	btf__add_func(b, "shared_b", BTF_FUNC_STATIC, proto);
	/* Variadic: (struct sk_buff *skb, const char *fmt, ...) */
	proto = btf__add_func_proto(b, id->i32);
	btf__add_func_param(b, "skb", id->skb_ptr);
	btf__add_func_param(b, "fmt", id->other_ptr);
	btf__add_func_param(b, NULL, 0);
	btf__add_func(b, "skb_printf", BTF_FUNC_GLOBAL, proto);

	add_tp(b, "fake_drop", id, 3, 2, id->skb_ptr, 3, id->reason);
	add_tp(b, "kfree_skb", id, 4, 1, id->skb_ptr, 3, id->reason);
	add_tp(b, "qdisc_dequeue", id, 4, 4, id->cskb_ptr, 0, 0);
	add_tp(b, "no_skb_tp", id, 2, 1, id->other_ptr, 0, 0);
	/* A typedef with the prefix that is not a pointer to a prototype. */
	btf__add_typedef(b, "btf_trace_bogus", id->skb_ptr);
	return b;
}

/* Writes the synthetic BTF to a file and loads it back the way the tool would. */
static struct btf *synthetic_from_file(struct ids *id)
{
	struct btf *b = build_btf(id), *loaded;
	char *path = tmp_path("synthetic.btf"), err[256] = "";
	const void *raw;
	__u32 size;

	raw = btf__raw_data(b, &size);
	assert_non_null(raw);
	write_file(path, raw, size);
	btf__free(b);
	loaded = discover_load_btf(path, err, sizeof(err));
	assert_non_null(loaded);
	assert_string_equal(err, "");
	free(path);
	return loaded;
}

static void check_func(const struct probe_list *l, const char *name, int skb, int reason, int nr)
{
	const struct probe *p = find_probe(l, name);

	if (!p)
		fail_msg("%s not discovered", name);
	assert_int_equal(p->kind, PROBE_FUNC);
	assert_int_equal(p->skb_arg, skb);
	assert_int_equal(p->reason_arg, reason);
	assert_int_equal(p->nr_args, nr);
	assert_null(p->category);
	assert_int_equal(p->addr, 0);
}

static void test_synthetic_funcs(void **state)
{
	struct probe_list l = {0};
	struct ids id;
	struct btf *b = synthetic_from_file(&id);
	int n;

	(void)state;
	n = discover_funcs(b, NULL, &l);
	assert_int_equal(n, 14);
	assert_int_equal(l.n, 14);
	for (int pos = 1; pos <= 6; pos++) {
		char name[32];

		snprintf(name, sizeof(name), "skb_at_%d", pos);
		check_func(&l, name, pos, 0, 6);
	}
	check_func(&l, "const_skb", 1, 0, 1);
	check_func(&l, "typedef_skb", 2, 0, 2);
	check_func(&l, "cv_typedef_skb", 3, 0, 3);
	check_func(&l, "drop_with_reason", 2, 3, 3);
	check_func(&l, "reason_first", 2, 1, 2);
	check_func(&l, "two_skbs", 1, 0, 2);
	check_func(&l, "shared_a", 1, 0, 1);
	check_func(&l, "shared_b", 1, 0, 1);
	assert_null(find_probe(&l, "no_skb"));
	assert_null(find_probe(&l, "skb_ptr_ptr"));
	assert_null(find_probe(&l, "no_args"));
	assert_null(find_probe(&l, "skb_printf"));
	assert_null(find_probe(&l, "fake_drop"));
	assert_null(find_probe(&l, "const_skb")->module);
	/* btf_id names the FUNC itself. */
	{
		const struct probe *p = find_probe(&l, "drop_with_reason");
		const struct btf_type *t = btf__type_by_id(b, p->btf_id);

		assert_true(btf_is_func(t));
		assert_string_equal(btf__name_by_offset(b, t->name_off), "drop_with_reason");
	}
	probe_list_free(&l);
	btf__free(b);
}

static void test_synthetic_tracepoints(void **state)
{
	struct probe_list l = {0};
	const struct probe *p;
	bool fallback = false;
	struct ids id;
	struct btf *b = synthetic_from_file(&id);
	int n;

	(void)state;
	n = discover_tracepoints(b, NULL, &l, &fallback);
	assert_int_equal(n, 3);
	assert_true(fallback);
	p = find_probe(&l, "fake_drop");
	assert_non_null(p);
	assert_int_equal(p->kind, PROBE_TRACEPOINT);
	assert_int_equal(p->skb_arg, 2);
	assert_int_equal(p->reason_arg, 3);
	assert_int_equal(p->nr_args, 3);
	assert_string_equal(p->category, "unknown");
	assert_string_equal(btf__name_by_offset(b, btf__type_by_id(b, p->btf_id)->name_off),
			    "btf_trace_fake_drop");
	p = find_probe(&l, "kfree_skb");
	assert_non_null(p);
	assert_string_equal(p->category, "skb");
	assert_int_equal(p->skb_arg, 1);
	assert_int_equal(p->reason_arg, 3);
	assert_int_equal(p->nr_args, 4);
	p = find_probe(&l, "qdisc_dequeue");
	assert_non_null(p);
	assert_string_equal(p->category, "qdisc");
	assert_int_equal(p->skb_arg, 4);
	assert_null(find_probe(&l, "no_skb_tp"));
	assert_null(find_probe(&l, "bogus"));
	probe_list_free(&l);
	btf__free(b);
}

/* Module BTF is split: only the module's own types are its functions. */
static void test_split_module(void **state)
{
	struct probe_list l = {0};
	struct btf *base, *mod;
	struct ids id;
	int fid, fwd, ptr, proto, n;

	(void)state;
	base = build_btf(&id);
	mod = btf__new_empty_split(base);
	assert_non_null(mod);
	/* Reuses a base prototype, and declares its own forward sk_buff. */
	fid = btf__find_by_name_kind(base, "skb_at_2", BTF_KIND_FUNC);
	assert_true(fid > 0);
	btf__add_func(mod, "mod_uses_base_proto", BTF_FUNC_GLOBAL,
		      btf__type_by_id(base, fid)->type);
	fwd = btf__add_fwd(mod, "sk_buff", BTF_FWD_STRUCT);
	ptr = btf__add_ptr(mod, fwd);
	proto = btf__add_func_proto(mod, id.i32);
	btf__add_func_param(mod, "dev", id.other_ptr);
	btf__add_func_param(mod, "skb", ptr);
	btf__add_func(mod, "mod_fwd_skb", BTF_FUNC_GLOBAL, proto);

	/* The base's own FUNCs (skb_at_1 ...) must not show up again. */
	n = discover_funcs(mod, "fakemod", &l);
	assert_int_equal(n, 2);
	check_func(&l, "mod_uses_base_proto", 2, 0, 6);
	check_func(&l, "mod_fwd_skb", 2, 0, 2);
	assert_string_equal(l.v[0].module, "fakemod");
	assert_string_equal(l.v[1].module, "fakemod");
	assert_true(l.v[0].btf_id >= btf__type_cnt(base));
	probe_list_free(&l);
	btf__free(mod);
	btf__free(base);
}

static void test_load_errors(void **state)
{
	char *path = tmp_path("corrupt.btf"), err[256] = "";
	static const unsigned char junk[] = {0x9f, 0xeb, 1, 0, 24, 0, 0, 0, 0xff, 0xff, 0, 0};

	(void)state;
	assert_null(discover_load_btf("/nonexistent/vmlinux.btf", err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/vmlinux.btf"));
	assert_non_null(strstr(err, "No such file"));
	assert_null(strchr(err, '\n'));

	/* BTF magic with a broken header, then plain text. */
	write_file(path, junk, sizeof(junk));
	err[0] = '\0';
	assert_null(discover_load_btf(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not valid BTF"));
	write_file(path, "hello\n", 6);
	err[0] = '\0';
	assert_null(discover_load_btf(path, err, sizeof(err)));
	assert_non_null(strstr(err, "not valid BTF"));
	assert_non_null(strstr(err, path));
	/* An ELF file without a .BTF section (libbpf reports ENOENT for it). */
	err[0] = '\0';
	assert_null(discover_load_btf("/proc/self/exe", err, sizeof(err)));
	assert_non_null(strstr(err, "not valid BTF"));
	free(path);
}

static void test_module_btfs(void **state)
{
	struct btf **btfs = NULL;
	char **names = NULL, err[256] = "";
	int count = 0, ret;

	(void)state;
	if (!vmlinux)
		skip();
	ret = discover_load_module_btfs(vmlinux, "no_such_mod_xyz", &btfs, &names, &count, err,
					sizeof(err));
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(count, 0);
	assert_string_equal(err,
			    "module no_such_mod_xyz has no BTF in /sys/kernel/btf (not loaded?)");
	/* "vmlinux" is not a module. */
	ret = discover_load_module_btfs(vmlinux, "vmlinux", &btfs, &names, &count, err,
					sizeof(err));
	assert_int_equal(ret, -ENOENT);

	/* All modules: none have BTF on this machine, which is not an error. */
	ret = discover_load_module_btfs(vmlinux, NULL, &btfs, &names, &count, err, sizeof(err));
	assert_int_equal(ret, 0);
	for (int i = 0; i < count; i++) {
		assert_non_null(names[i]);
		assert_ptr_equal(btf__base_btf(btfs[i]), vmlinux);
		btf__free(btfs[i]);
		free(names[i]);
	}
	free(btfs);
	free(names);
}

static void test_vmlinux_funcs(void **state)
{
	struct probe_list l = {0};
	const struct probe *p;
	int n;

	(void)state;
	if (!vmlinux)
		skip();
	n = discover_funcs(vmlinux, NULL, &l);
	assert_true(n > 1000);
	assert_int_equal((size_t)n, l.n);
	check_func(&l, "ip_rcv", 1, 0, 4);
	p = find_probe(&l, "sk_skb_reason_drop");
	if (p) {
		/* 6.11+: sk_skb_reason_drop(sk, skb, reason) */
		assert_int_equal(p->skb_arg, 2);
		assert_int_equal(p->reason_arg, 3);
	} else {
		p = find_probe(&l, "kfree_skb_reason");
		assert_non_null(p);
		assert_int_equal(p->skb_arg, 1);
		assert_int_equal(p->reason_arg, 2);
	}
	/* Variadic nf_log_packet(net, pf, hooknum, skb, ...) is left out. */
	assert_null(find_probe(&l, "nf_log_packet"));
	for (size_t i = 0; i < l.n; i++) {
		assert_true(l.v[i].skb_arg >= 1 && l.v[i].skb_arg <= l.v[i].nr_args);
		assert_null(l.v[i].module);
	}
	probe_list_free(&l);
}

static void check_tp(const struct probe_list *l, const char *name, const char *cat, int skb,
		     int reason, int nr)
{
	const struct probe *p = find_probe(l, name);

	if (!p)
		fail_msg("tracepoint %s not discovered", name);
	assert_int_equal(p->kind, PROBE_TRACEPOINT);
	assert_string_equal(p->category, cat);
	assert_int_equal(p->skb_arg, skb);
	assert_int_equal(p->reason_arg, reason);
	if (nr)
		assert_int_equal(p->nr_args, nr);
}

static void check_vmlinux_tps(const struct probe_list *l)
{
	assert_int_equal(l->n, NR_EXPECTED_TPS);
	for (size_t i = 0; i < NR_EXPECTED_TPS; i++)
		if (!find_probe(l, expected_tps[i]))
			fail_msg("tracepoint %s missing", expected_tps[i]);
	check_tp(l, "kfree_skb", "skb", 1, 3, 4);
	check_tp(l, "consume_skb", "skb", 1, 0, 0);
	check_tp(l, "qdisc_dequeue", "qdisc", 4, 0, 4);
	check_tp(l, "qdisc_enqueue", "qdisc", 3, 0, 3);
	check_tp(l, "tcp_retransmit_skb", "tcp", 2, 0, 0);
	check_tp(l, "tcp_sendmsg_locked", "tcp", 3, 0, 0);
	check_tp(l, "tcp_probe", "tcp", 2, 0, 0);
	check_tp(l, "sock_rcvqueue_full", "sock", 2, 0, 2);
	check_tp(l, "udp_fail_queue_rcv_skb", "udp", 3, 0, 0);
	check_tp(l, "icmp_send", "icmp", 1, 0, 0);
	check_tp(l, "subflow_check_data_avail", "mptcp", 2, 0, 0);
	check_tp(l, "netif_receive_skb", "net", 1, 0, 1);
	check_tp(l, "napi_gro_receive_entry", "net", 1, 0, 1);
	check_tp(l, "net_dev_xmit", "net", 1, 0, 0);
}

static void test_vmlinux_tracepoints(void **state)
{
	struct probe_list l = {0};
	bool fallback = false;
	int n;

	(void)state;
	if (!vmlinux)
		skip();
	n = discover_tracepoints(vmlinux, NULL, &l, &fallback);
	assert_int_equal(n, NR_EXPECTED_TPS);
	assert_true(fallback);
	check_vmlinux_tps(&l);
	probe_list_free(&l);
}

/*
 * Categories from a tracefs events/ directory win over the table; names
 * missing from it still get the table's category.
 */
static void test_tracefs_categories(void **state)
{
	static const char *const dirs[] = {"events", "events/skb", "events/skb/kfree_skb",
					   "events/custom", "events/custom/tcp_probe"};
	struct probe_list l = {0};
	bool fallback = false;
	char *root = tmp_path("fake_tracefs");

	(void)state;
	if (!vmlinux)
		skip();
	assert_int_equal(mkdir(root, 0755), 0);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/events/enable", root);
		write_file(path, "0\n", 2);
	}
	assert_int_equal(discover_tracepoints(vmlinux, root, &l, &fallback), NR_EXPECTED_TPS);
	check_tp(&l, "kfree_skb", "skb", 1, 3, 4);
	check_tp(&l, "tcp_probe", "custom", 2, 0, 0);
	check_tp(&l, "qdisc_dequeue", "qdisc", 4, 0, 4);
	assert_true(fallback);
	probe_list_free(&l);
	free(root);
}

/*
 * The real tracefs, mounted in a private mount namespace of a child so
 * nothing changes for the rest of the machine.
 */
static int child_real_tracefs(void)
{
	struct probe_list l = {0};
	const char *tracefs;
	bool fallback = true;
	const struct probe *p;

	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return 77;
	if (!tracefs_find() && mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL))
		return 77;
	tracefs = tracefs_find();
	if (!tracefs)
		return 1;
	if (discover_tracepoints(vmlinux, tracefs, &l, &fallback) != (int)NR_EXPECTED_TPS)
		return 2;
	if (fallback)
		return 3;
	/* Every category read from tracefs matches the built-in table. */
	for (size_t i = 0; i < l.n; i++) {
		struct probe_list t = {0};
		bool fb;

		if (discover_tracepoints(vmlinux, NULL, &t, &fb) < 0)
			return 4;
		p = find_probe(&t, l.v[i].name);
		if (!p || strcmp(p->category, l.v[i].category)) {
			fprintf(stderr, "%s: tracefs says %s, table %s\n", l.v[i].name,
				l.v[i].category, p ? p->category : "(none)");
			return 5;
		}
		probe_list_free(&t);
	}
	probe_list_free(&l);
	return 0;
}

static void test_real_tracefs(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (!vmlinux || geteuid())
		skip();
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid)
		_exit(child_real_tracefs());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_tracefs_find(void **state)
{
	const char *t = tracefs_find();

	(void)state;
	/* Whatever this machine has mounted, the answer is one of the two or none. */
	if (t)
		assert_true(!strcmp(t, "/sys/kernel/tracing") ||
			    !strcmp(t, "/sys/kernel/debug/tracing"));
}

static void add_probe(struct probe_list *l, const char *name, enum probe_kind kind)
{
	struct probe p = {.name = (char *)name, .kind = kind, .skb_arg = 1, .nr_args = 1};

	if (kind == PROBE_TRACEPOINT)
		p.category = "skb";
	assert_non_null(probe_list_add(l, &p));
}

static void fill_list(struct probe_list *l)
{
	add_probe(l, "ip_rcv", PROBE_FUNC);
	add_probe(l, "veth_xmit", PROBE_FUNC);
	add_probe(l, "only_data", PROBE_FUNC);
	add_probe(l, "clone_fn", PROBE_FUNC);
	add_probe(l, "weak_fn", PROBE_FUNC);
	add_probe(l, "kfree_skb", PROBE_TRACEPOINT);
	add_probe(l, "listed_twice", PROBE_FUNC);
	add_probe(l, "absent", PROBE_FUNC);
	/* a static function of the same name in another file: traced once */
	add_probe(l, "listed_twice", PROBE_FUNC);
}

static struct ksyms *small_ksyms(void)
{
	static const char text[] = "ffffffff81000000 T ip_rcv\n"
				   "ffffffff81000100 t clone_fn.isra.0\n"
				   "ffffffff81000200 W weak_fn\n"
				   "ffffffff81000300 t listed_twice\n"
				   "ffffffff82000000 D only_data\n"
				   "ffffffffc0001000 t veth_xmit\t[veth]\n";
	char *path = tmp_path("kallsyms");
	struct ksyms *ks;

	write_file(path, text, sizeof(text) - 1);
	ks = ksyms_load(path);
	assert_non_null(ks);
	free(path);
	return ks;
}

static void test_filter_available_functions(void **state)
{
	static const char aff[] = "ip_rcv\n"
				  "veth_xmit [veth]\n"
				  "listed_twice\n"
				  "listed_twice\n"
				  "clone_fn.isra.0\n"
				  "only_data_not_here\n";
	struct probe_list l = {0};
	char *root = tmp_path("aff_tracefs"), path[512];
	struct ksyms *ks = small_ksyms();
	const char *source = NULL;
	size_t skipped = 99;

	(void)state;
	assert_int_equal(mkdir(root, 0755), 0);
	snprintf(path, sizeof(path), "%s/available_filter_functions", root);
	write_file(path, aff, sizeof(aff) - 1);
	fill_list(&l);
	assert_int_equal(discover_filter_probeable(&l, root, ks, &skipped, &source), 0);
	assert_string_equal(source, "available_filter_functions");
	/* only_data, clone_fn (only its clone is listed), weak_fn, absent */
	assert_int_equal(skipped, 4);
	assert_int_equal(l.n, 4);
	assert_int_equal(find_probe(&l, "ip_rcv")->addr, 0xffffffff81000000ULL);
	assert_int_equal(find_probe(&l, "veth_xmit")->addr, 0xffffffffc0001000ULL);
	assert_non_null(find_probe(&l, "listed_twice"));
	assert_non_null(find_probe(&l, "kfree_skb"));
	assert_null(find_probe(&l, "clone_fn"));

	/* Without kallsyms the set still filters; addresses stay unknown. */
	probe_list_free(&l);
	fill_list(&l);
	assert_int_equal(discover_filter_probeable(&l, root, NULL, &skipped, &source), 0);
	assert_int_equal(l.n, 4);
	assert_int_equal(find_probe(&l, "ip_rcv")->addr, 0);
	probe_list_free(&l);
	ksyms_free(ks);
	free(root);
}

static void test_filter_kallsyms_fallback(void **state)
{
	struct probe_list l = {0};
	char *root = tmp_path("empty_tracefs");
	struct ksyms *ks = small_ksyms();
	const char *source = NULL;
	size_t skipped = 99;

	(void)state;
	/* A tracefs without a readable available_filter_functions. */
	assert_int_equal(mkdir(root, 0755), 0);
	fill_list(&l);
	assert_int_equal(discover_filter_probeable(&l, root, ks, &skipped, &source), 0);
	assert_string_equal(source, "kallsyms");
	/* only_data (a data symbol), clone_fn (only its clone), absent */
	assert_int_equal(skipped, 3);
	assert_int_equal(l.n, 5);
	assert_int_equal(find_probe(&l, "weak_fn")->addr, 0xffffffff81000200ULL);
	assert_int_equal(find_probe(&l, "listed_twice")->addr, 0xffffffff81000300ULL);
	assert_int_equal(find_probe(&l, "kfree_skb")->addr, 0);
	probe_list_free(&l);

	/* No tracefs at all. */
	fill_list(&l);
	assert_int_equal(discover_filter_probeable(&l, NULL, ks, &skipped, &source), 0);
	assert_string_equal(source, "kallsyms");
	assert_int_equal(l.n, 5);
	probe_list_free(&l);

	/* Nothing to go by: everything is kept. */
	fill_list(&l);
	assert_int_equal(discover_filter_probeable(&l, NULL, NULL, &skipped, &source), 0);
	assert_string_equal(source, "none");
	assert_int_equal(skipped, 0);
	assert_int_equal(l.n, 8);
	probe_list_free(&l);
	ksyms_free(ks);
	free(root);
}

/* A name listed twice is traced once; one function under two roles stays twice. */
static void test_filter_same_name(void **state)
{
	struct probe_list l = {0};
	const char *source = NULL;
	size_t skipped = 0;
	struct probe *p;

	(void)state;
	add_probe(&l, "skb_clone", PROBE_FUNC);
	add_probe(&l, "add_grec", PROBE_FUNC);
	add_probe(&l, "add_grec", PROBE_FUNC);
	p = probe_list_add(&l, &(struct probe){.name = "skb_clone",
					       .kind = PROBE_FUNC,
					       .role = PROBE_ROLE_CLONE_ENTRY});
	assert_non_null(p);
	p = probe_list_add(&l, &(struct probe){.name = "skb_clone",
					       .kind = PROBE_FUNC,
					       .role = PROBE_ROLE_CLONE_RET});
	assert_non_null(p);
	assert_int_equal(discover_filter_probeable(&l, NULL, NULL, &skipped, &source), 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.v[0].name, "skb_clone");
	assert_string_equal(l.v[1].name, "add_grec");
	assert_int_equal(l.v[2].role, PROBE_ROLE_CLONE_ENTRY);
	assert_int_equal(l.v[3].role, PROBE_ROLE_CLONE_RET);
	probe_list_free(&l);
}

/* The whole pipeline on this machine: BTF functions that kallsyms knows. */
static void test_vmlinux_probeable(void **state)
{
	struct probe_list l = {0};
	const char *source = NULL;
	struct ksyms *ks;
	size_t skipped = 0;
	const struct probe *p;

	(void)state;
	ks = ksyms_load(NULL);
	if (!vmlinux || !ks || ksyms_hidden(ks)) {
		ksyms_free(ks);
		skip();
	}
	assert_true(discover_funcs(vmlinux, NULL, &l) > 1000);
	assert_true(discover_tracepoints(vmlinux, NULL, &l, &(bool){false}) > 0);
	assert_int_equal(discover_filter_probeable(&l, NULL, ks, &skipped, &source), 0);
	assert_string_equal(source, "kallsyms");
	assert_true(l.n > 1000);
	assert_true(skipped < l.n / 10);
	p = find_probe(&l, "ip_rcv");
	assert_non_null(p);
	assert_int_equal(p->addr, ksyms_by_name(ks, "ip_rcv")->addr);
	/* IPv4's and IPv6's add_grec: two BTF functions, one probe. */
	{
		int n = 0;

		for (size_t i = 0; i < l.n; i++)
			n += l.v[i].kind == PROBE_FUNC && !strcmp(l.v[i].name, "add_grec");
		assert_true(n <= 1);
	}
	assert_non_null(find_probe(&l, "kfree_skb"));
	probe_list_free(&l);
	ksyms_free(ks);
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	/* libbpf would print its own warnings for the corrupt-file tests. */
	libbpf_set_print(NULL);
	vmlinux = discover_load_btf(NULL, err, sizeof(err));
	if (!vmlinux)
		fprintf(stderr, "# no vmlinux BTF, machine tests skip: %s\n", err);
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[64];

	(void)state;
	btf__free(vmlinux);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A synthetic sk_buff with the span's fields, headers inside an anonymous struct. */
static struct btf *span_btf(unsigned int data_off)
{
	struct btf *b = btf__new_empty();
	int u16, u32, ptr, anon;

	assert_non_null(b);
	u16 = btf__add_int(b, "u16", 2, 0);
	u32 = btf__add_int(b, "u32", 4, 0);
	ptr = btf__add_ptr(b, u16);
	anon = btf__add_struct(b, NULL, 8);
	assert_int_equal(btf__add_field(b, "protocol", u16, 0, 0), 0);
	assert_int_equal(btf__add_field(b, "network_header", u16, 16, 0), 0);
	assert_int_equal(btf__add_field(b, "mac_header", u16, 32, 0), 0);
	assert_true(btf__add_struct(b, "sk_buff", data_off + 8) > 0);
	assert_int_equal(btf__add_field(b, "len", u32, 112 * 8, 0), 0);
	assert_int_equal(btf__add_field(b, NULL, anon, 176 * 8, 0), 0);
	assert_int_equal(btf__add_field(b, "tail", u32, 184 * 8, 0), 0);
	assert_int_equal(btf__add_field(b, "head", ptr, 192 * 8, 0), 0);
	assert_int_equal(btf__add_field(b, "data", ptr, data_off * 8, 0), 0);
	return b;
}

static void test_skb_span(void **state)
{
	struct btf *fits = span_btf(200), *far = span_btf(400);

	(void)state;
	/* len at 112 .. data at 200 + 8: 96 bytes, fields found through the anonymous struct */
	assert_true(discover_skb_span_fits(fits, 128));
	assert_false(discover_skb_span_fits(fits, 95));
	assert_false(discover_skb_span_fits(far, 128));
	assert_false(discover_skb_span_fits(NULL, 128));
	if (vmlinux)
		assert_true(discover_skb_span_fits(vmlinux, 128));
	btf__free(fits);
	btf__free(far);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_synthetic_funcs),
		cmocka_unit_test(test_synthetic_tracepoints),
		cmocka_unit_test(test_split_module),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_module_btfs),
		cmocka_unit_test(test_vmlinux_funcs),
		cmocka_unit_test(test_vmlinux_tracepoints),
		cmocka_unit_test(test_tracefs_categories),
		cmocka_unit_test(test_real_tracefs),
		cmocka_unit_test(test_tracefs_find),
		cmocka_unit_test(test_filter_available_functions),
		cmocka_unit_test(test_filter_kallsyms_fallback),
		cmocka_unit_test(test_filter_same_name),
		cmocka_unit_test(test_vmlinux_probeable),
		cmocka_unit_test(test_skb_span),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
