// SPDX-License-Identifier: GPL-2.0
/*
 * `skbtrace addr2line`: what the kernel's scripts/faddr2line prints for
 * sym+off, without a shell script around binutils, and for module symbols
 * and recorded traces as well.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/addr2line_cmd.h"
#include "diag/debuginfo.h"
#include "diag/srcline.h"
#include "diag/srcline_fmt.h"

#define EXIT_FAIL  1
#define EXIT_USAGE 2
#define MAX_PATHS  64

struct a2l_args {
	const char *paths[MAX_PATHS];
	size_t npaths;
	const char *module;
	const char *json;
	const char *build_id;
	bool return_addr;
	char **syms;
	int nsyms;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: skbtrace addr2line [--kernel-debuginfo FILE|DIR]... [--module M] [--return-address]\n"
		"                          [--build-id HEX] SYMBOL+OFFSET[/SIZE][ [MODULE]] ...\n"
		"       skbtrace addr2line [--kernel-debuginfo FILE|DIR]... --json FILE|-\n"
		"Prints the source file and line of kernel code, with the inline chain, as the\n"
		"kernel's scripts/faddr2line does.\n"
		"  --kernel-debuginfo FILE|DIR  vmlinux or module .ko with DWARF, or a directory\n"
		"                     holding them (searched recursively); may be repeated.\n"
		"                     Default: the running kernel's, at the places Debian's\n"
		"                     linux-image-$(uname -r)-dbg installs them, or debuginfod\n"
		"  --module M         the symbols are module M's (\"sym+off [M]\" says it per symbol)\n"
		"  --return-address   the offsets are return addresses: look up the call before\n"
		"  --build-id HEX     refuse a vmlinux whose build id is not HEX\n"
		"  --json FILE|-      add source lines to a JSON-lines trace skbtrace recorded\n"
		"                     (stack frames and drop_location, as return addresses)\n");
}

static int parse_args(int argc, char **argv, struct a2l_args *a)
{
	static const struct option longs[] = {
		{"kernel-debuginfo", required_argument, NULL, 'k'},
		{"module", required_argument, NULL, 'm'},
		{"return-address", no_argument, NULL, 'r'},
		{"build-id", required_argument, NULL, 'b'},
		{"json", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+k:m:rb:j:h", longs, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (a->npaths == MAX_PATHS) {
				fprintf(stderr,
					"skbtrace addr2line: at most %d --kernel-debuginfo\n",
					MAX_PATHS);
				return -1;
			}
			a->paths[a->npaths++] = optarg;
			break;
		case 'm':
			a->module = optarg;
			break;
		case 'r':
			a->return_addr = true;
			break;
		case 'b':
			a->build_id = optarg;
			break;
		case 'j':
			a->json = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "skbtrace addr2line: %s: unknown option or missing value\n",
				argv[optind - 1]);
			return -1;
		}
	}
	a->syms = argv + optind;
	a->nsyms = argc - optind;
	if (!a->json == !a->nsyms) {
		fprintf(stderr, "skbtrace addr2line: %s\n",
			a->json ? "--json takes no SYMBOL+OFFSET"
				: "nothing to resolve: give SYMBOL+OFFSET or --json FILE");
		return -1;
	}
	return 0;
}

void srcline_print_chain(FILE *out, const struct srcline_match *m, const char *indent)
{
	char buf[SRCLINE_TEXT_MAX];

	srcline_fmt_text(buf, sizeof(buf), m, indent);
	fputs(buf, out);
}

/* "sym+off" as typed, the symbol's size, and the module when there is one. */
static void print_header(const char *typed, const struct srcline_query *q,
			 const struct srcline_match *m)
{
	const char *off = strrchr(typed, '+');
	int offlen = off ? (int)strcspn(off + 1, "/ ") : 0;

	printf("%s+%.*s/0x%llx%s%s%s:\n", q->sym, offlen, off ? off + 1 : "", m->sym_size,
	       q->module ? " [" : "", q->module ? q->module : "", q->module ? "]" : "");
}

/*
 * Resolves one argument; a following "[module]" argument belongs to it.
 * Returns 0 or the exit code its failure calls for.
 */
static int resolve_arg(struct srcline *s, const struct a2l_args *a, int i, bool *first)
{
	const char *arg = a->syms[i];
	char buf[512];
	struct srcline_query q;
	const struct srcline_result *r;
	size_t m;

	if (srcline_parse(arg, &q, buf, sizeof(buf))) {
		fprintf(stderr, "skbtrace addr2line: %s: not SYMBOL+OFFSET[/SIZE][ [MODULE]]\n",
			arg);
		return EXIT_USAGE;
	}
	if (!q.module && i + 1 < a->nsyms && a->syms[i + 1][0] == '[') {
		size_t l = strlen(a->syms[i + 1]);
		size_t used = strlen(buf) + 1;

		if (l < 3 || a->syms[i + 1][l - 1] != ']' || used + l > sizeof(buf)) {
			fprintf(stderr, "skbtrace addr2line: %s: not [MODULE]\n", a->syms[i + 1]);
			return EXIT_USAGE;
		}
		memcpy(buf + used, a->syms[i + 1] + 1, l - 2);
		buf[used + l - 2] = '\0';
		q.module = buf + used;
	}
	if (!q.module)
		q.module = a->module;
	q.return_addr = a->return_addr;
	r = srcline_lookup(s, &q);
	if (r->status != SRCLINE_OK) {
		fprintf(stderr, "skbtrace addr2line: %s\n", r->err);
		/* Debug info missing from where it should be: not a usage error. */
		return r->status == SRCLINE_NO_FILE && !a->npaths ? EXIT_FAIL : EXIT_USAGE;
	}
	for (m = 0; m < r->nmatch; m++) {
		if (!*first)
			putchar('\n');
		*first = false;
		print_header(arg, &q, &r->match[m]);
		srcline_print_chain(stdout, &r->match[m], "");
	}
	return 0;
}

static struct srcline *make_resolver(const struct a2l_args *a, int *rc)
{
	struct debuginfo_opts o = {.paths = a->paths, .npaths = a->npaths};
	struct build_id id;
	struct debuginfo *d;
	struct srcline *s;
	char err[1024];

	/* Without paths the debug files are the running kernel's: check them. */
	o.running = !a->npaths;
	if (a->build_id) {
		if (build_id_parse(a->build_id, &id)) {
			fprintf(stderr, "skbtrace addr2line: --build-id %s: not hex digits\n",
				a->build_id);
			*rc = EXIT_USAGE;
			return NULL;
		}
		o.vmlinux_id = &id;
	}
	d = debuginfo_new(&o);
	if (!d || !(s = srcline_new(d))) {
		debuginfo_free(d);
		fprintf(stderr, "skbtrace addr2line: out of memory\n");
		*rc = EXIT_FAIL;
		return NULL;
	}
	if (debuginfo_check_paths(d, err, sizeof(err))) {
		fprintf(stderr, "skbtrace addr2line: %s\n", err);
		srcline_free(s);
		*rc = EXIT_USAGE;
		return NULL;
	}
	return s;
}

static int run_json(struct srcline *s, const char *path)
{
	FILE *in = strcmp(path, "-") ? fopen(path, "re") : stdin;
	int rc;

	if (!in) {
		fprintf(stderr, "skbtrace addr2line: --json %s: %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	rc = addr2line_json(s, in, stdout);
	if (in != stdin)
		fclose(in);
	return rc ? EXIT_FAIL : 0;
}

int addr2line_main(int argc, char **argv)
{
	struct a2l_args a = {0};
	struct srcline *s;
	bool first = true;
	int i, r, rc = 0;

	if (parse_args(argc, argv, &a))
		return EXIT_USAGE;
	s = make_resolver(&a, &rc);
	if (!s)
		return rc;
	if (a.json) {
		rc = run_json(s, a.json);
	} else {
		for (i = 0; i < a.nsyms; i++) {
			if (a.syms[i][0] == '[')
				continue;
			r = resolve_arg(s, &a, i, &first);
			if (r > rc)
				rc = r;
		}
	}
	srcline_free(s);
	return rc;
}
