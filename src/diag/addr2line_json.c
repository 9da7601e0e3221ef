// SPDX-License-Identifier: GPL-2.0
/*
 * `skbtrace addr2line --json`: a JSON-lines trace recorded with
 * --output-stack, possibly on another machine, gains the source lines of
 * its frames.  Each event is read with json-c; the new members are
 * appended to the line as it was, so every byte recorded stays as it was.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "diag/addr2line_cmd.h"
#include "diag/srcline.h"
#include "diag/srcline_fmt.h"
#include "out/strbuf.h"

#define MAX_FILE_ERRS 64

/* Per-file errors (no debug file for a module) are told once, not per frame. */
struct told {
	const char *err[MAX_FILE_ERRS];
	size_t n;
	unsigned long long copied; /* lines that were not JSON objects */
};

static void tell_once(struct told *t, const char *err)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->err[i] == err)
			return;
	if (t->n < MAX_FILE_ERRS)
		t->err[t->n++] = err;
	fprintf(stderr, "skbtrace addr2line: %s\n", err);
}

/* One frame's {"sym","src"} text (srcline_fmt_json), appended to out. */
static void frame_json(struct srcline *s, struct told *t, const char *frame, struct strbuf *out)
{
	char buf[SRCLINE_TEXT_MAX + 512], qbuf[512];
	const struct srcline_result *r = NULL;
	struct srcline_query q;

	/* "0x..." frames have no symbol: BPF programs and unknown code. */
	if (!srcline_parse(frame, &q, qbuf, sizeof(qbuf))) {
		q.return_addr = true;
		r = srcline_lookup(s, &q);
		if (r->status == SRCLINE_NO_FILE)
			tell_once(t, r->err);
	}
	strbuf_put(out, buf, srcline_fmt_json(buf, sizeof(buf), frame, r));
}

/* The members to add to one event, as ",\"k\":v..." text in out. */
static void additions(struct srcline *s, struct told *t, json_object *ev, struct strbuf *out)
{
	json_object *stack, *loc, *v;
	size_t i, n;

	if (json_object_object_get_ex(ev, "stack", &stack) &&
	    json_object_is_type(stack, json_type_array) &&
	    !json_object_object_get_ex(ev, "stack_src", NULL)) {
		n = json_object_array_length(stack);
		strbuf_str(out, ",\"stack_src\":[");
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(stack, i);
			if (i)
				strbuf_str(out, ",");
			frame_json(s, t,
				   json_object_is_type(v, json_type_string)
					   ? json_object_get_string(v)
					   : "",
				   out);
		}
		strbuf_str(out, "]");
	}
	if (json_object_object_get_ex(ev, "drop_location", &loc) &&
	    json_object_is_type(loc, json_type_string) &&
	    !json_object_object_get_ex(ev, "drop_location_src", NULL)) {
		strbuf_str(out, ",\"drop_location_src\":");
		frame_json(s, t, json_object_get_string(loc), out);
	}
}

/* Writes line (without its newline) with add spliced in before its last '}'. */
static void write_event(FILE *out, const char *line, size_t len, const struct strbuf *add)
{
	size_t close = len;

	while (close && line[close - 1] != '}')
		close--;
	if (!add || !add->len || !close) {
		fprintf(out, "%.*s\n", (int)len, line);
		return;
	}
	/* An object with no member yet takes the first without a comma. */
	fprintf(out, "%.*s%s%.*s\n", (int)(close - 1), line,
		add->p + (close >= 2 && line[close - 2] == '{'), (int)(len - close + 1),
		line + close - 1);
}

int addr2line_json(struct srcline *s, FILE *in, FILE *out)
{
	struct told t = {.n = 0};
	json_tokener *tok = json_tokener_new();
	struct strbuf add = {0};
	char *line = NULL;
	size_t cap = 0, len;
	ssize_t got;
	json_object *ev;
	int rc = 0;

	if (!tok)
		return -1;
	while ((got = getline(&line, &cap, in)) > 0) {
		len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		json_tokener_reset(tok);
		ev = json_tokener_parse_ex(tok, line, (int)len);
		add.len = 0;
		if (ev && json_object_is_type(ev, json_type_object))
			additions(s, &t, ev, &add);
		else
			t.copied += len > 0;
		if (add.oom) {
			fprintf(stderr, "skbtrace addr2line: out of memory\n");
			rc = -1;
			add.oom = false;
			add.len = 0;
		}
		write_event(out, line, len, &add);
		json_object_put(ev);
	}
	if (ferror(in))
		rc = -1;
	if (t.copied)
		fprintf(stderr, "skbtrace addr2line: %llu %s; copied unchanged\n", t.copied,
			t.copied == 1 ? "line was not a JSON object"
				      : "lines were not JSON objects");
	free(add.p);
	free(line);
	json_tokener_free(tok);
	return rc;
}
