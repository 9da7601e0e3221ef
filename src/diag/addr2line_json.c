// SPDX-License-Identifier: GPL-2.0
/*
 * `skbtrace addr2line --json`: a JSON-lines trace recorded with
 * --output-stack, possibly on another machine, gains the source lines of
 * its frames.  Each event is read with json-c; the new members are
 * appended to the line as it was, so every byte recorded stays as it was.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "diag/addr2line_cmd.h"
#include "diag/srcline.h"

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

/* [{"func","file","line"}...], innermost first. */
static json_object *chain_json(const struct srcline_match *m)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; a && i < m->nsteps; i++) {
		const struct srcline_step *st = &m->steps[i];
		json_object *o = json_object_new_object();

		json_object_object_add(o, "func", json_object_new_string(st->func));
		json_object_object_add(o, "file", json_object_new_string(st->file));
		json_object_object_add(o, "line", json_object_new_int(st->line));
		if (st->discriminator)
			json_object_object_add(o, "discriminator",
					       json_object_new_int(st->discriminator));
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * {"sym": frame, "src": [...]} for one frame, a return address.  "matches"
 * says how many functions share the name when there are several (src is
 * the first's); "error" why there is no src.
 */
static json_object *frame_json(struct srcline *s, struct told *t, const char *frame)
{
	json_object *o = json_object_new_object();
	const struct srcline_result *r;
	struct srcline_query q;
	char buf[512];

	json_object_object_add(o, "sym", json_object_new_string(frame));
	/* "0x..." frames have no symbol: BPF programs and unknown code. */
	if (srcline_parse(frame, &q, buf, sizeof(buf)))
		return o;
	q.return_addr = true;
	r = srcline_lookup(s, &q);
	if (r->status != SRCLINE_OK) {
		if (r->status == SRCLINE_NO_FILE)
			tell_once(t, r->err);
		json_object_object_add(o, "error", json_object_new_string(r->err));
		return o;
	}
	json_object_object_add(o, "src", chain_json(&r->match[0]));
	if (r->nmatch > 1)
		json_object_object_add(o, "matches", json_object_new_int((int)r->nmatch));
	return o;
}

/* The members to add to one event, as ",\"k\":v..." text; NULL if none. */
static char *additions(struct srcline *s, struct told *t, json_object *ev)
{
	json_object *stack, *loc, *add = json_object_new_object(), *v;
	const char *txt;
	char *ret = NULL;
	size_t i, n;

	if (json_object_object_get_ex(ev, "stack", &stack) &&
	    json_object_is_type(stack, json_type_array) &&
	    !json_object_object_get_ex(ev, "stack_src", NULL)) {
		json_object *arr = json_object_new_array();

		n = json_object_array_length(stack);
		for (i = 0; i < n; i++) {
			v = json_object_array_get_idx(stack, i);
			txt = json_object_is_type(v, json_type_string) ? json_object_get_string(v)
								       : "";
			json_object_array_add(arr, frame_json(s, t, txt));
		}
		json_object_object_add(add, "stack_src", arr);
	}
	if (json_object_object_get_ex(ev, "drop_location", &loc) &&
	    json_object_is_type(loc, json_type_string) &&
	    !json_object_object_get_ex(ev, "drop_location_src", NULL))
		json_object_object_add(add, "drop_location_src",
				       frame_json(s, t, json_object_get_string(loc)));
	if (json_object_object_length(add)) {
		txt = json_object_to_json_string_ext(add, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
		/* "{...}" without its braces: members to splice in. */
		ret = strndup(txt + 1, strlen(txt) - 2);
	}
	json_object_put(add);
	return ret;
}

/* Writes line (without its newline) with the additions spliced in before its last '}'. */
static void write_event(FILE *out, const char *line, size_t len, const char *add)
{
	size_t close = len;

	while (close && line[close - 1] != '}')
		close--;
	if (!add || !close) {
		fprintf(out, "%.*s\n", (int)len, line);
		return;
	}
	fprintf(out, "%.*s%s%s%.*s\n", (int)(close - 1), line, line[close - 2] == '{' ? "" : ",",
		add, (int)(len - close + 1), line + close - 1);
}

int addr2line_json(struct srcline *s, FILE *in, FILE *out)
{
	struct told t = {.n = 0};
	json_tokener *tok = json_tokener_new();
	char *line = NULL, *add;
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
		if (!ev || !json_object_is_type(ev, json_type_object)) {
			t.copied += len > 0;
			write_event(out, line, len, NULL);
			json_object_put(ev);
			continue;
		}
		add = additions(s, &t, ev);
		write_event(out, line, len, add);
		free(add);
		json_object_put(ev);
	}
	if (ferror(in))
		rc = -1;
	if (t.copied)
		fprintf(stderr, "skbtrace addr2line: %llu %s not JSON objects; copied unchanged\n",
			t.copied, t.copied == 1 ? "line was" : "lines were");
	free(line);
	json_tokener_free(tok);
	return rc;
}
