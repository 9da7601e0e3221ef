// SPDX-License-Identifier: GPL-2.0
/*
 * The --metrics HTTP endpoint.  The socket is bound here, before anything
 * is attached, and handed to libmicrohttpd, which answers from its own
 * thread.  What it serves is an immutable snapshot: publishing swaps one
 * pointer under a mutex held for a few instructions; a response in flight
 * holds a reference to the snapshot it is sending.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>

#include "out/metrics_http.h"

#define CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"
#define MAX_CONNECTIONS 16
#define CONN_TIMEOUT_S	10
#define LISTEN_BACKLOG	16

struct snapshot {
	unsigned int refs;
	size_t len;
	char *text;
};

struct metrics_server {
	struct MHD_Daemon *d;
	pthread_mutex_t lock; /* guards cur and the taking of a reference */
	struct snapshot *cur;
	unsigned short port;
	char addr[INET6_ADDRSTRLEN + 8];
};

static int parse_port(const char *s, unsigned short *port)
{
	unsigned long v = 0;

	if (!*s || strlen(s) > 5)
		return -1;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (v > 65535)
		return -1;
	*port = v;
	return 0;
}

static int parse_host(const char *host, size_t len, bool bracketed, struct metrics_addr *a)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	char h[INET6_ADDRSTRLEN];

	if (len >= sizeof(h))
		return -1;
	memcpy(h, host, len);
	h[len] = '\0';
	memset(a, 0, sizeof(*a));
	if (bracketed) {
		in6->sin6_family = AF_INET6;
		a->len = sizeof(*in6);
		return inet_pton(AF_INET6, h, &in6->sin6_addr) == 1 ? 0 : -1;
	}
	in4->sin_family = AF_INET;
	a->len = sizeof(*in4);
	if (!strcmp(h, "localhost")) {
		in4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return 0;
	}
	return inet_pton(AF_INET, h, &in4->sin_addr) == 1 ? 0 : -1;
}

int metrics_addr_parse(const char *spec, struct metrics_addr *a, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':'), *host = spec;
	bool bracketed = spec[0] == '[';
	unsigned short port;
	size_t hlen;

	if (!colon || colon == spec) {
		snprintf(err, errlen,
			 "--metrics '%s': want ADDR:PORT (127.0.0.1:9435, [::1]:9435, "
			 "localhost:9435)",
			 spec);
		return -1;
	}
	hlen = colon - spec;
	if (bracketed) {
		if (colon[-1] != ']') {
			snprintf(err, errlen, "--metrics '%s': want [IPv6]:PORT", spec);
			return -1;
		}
		host++;
		hlen -= 2;
	} else if (memchr(spec, ':', hlen)) {
		snprintf(err, errlen,
			 "--metrics '%s': an IPv6 address goes in brackets, [::1]:PORT", spec);
		return -1;
	}
	if (parse_port(colon + 1, &port)) {
		snprintf(err, errlen, "--metrics '%s': '%s' is not a port (0-65535)", spec,
			 colon + 1);
		return -1;
	}
	if (parse_host(host, hlen, bracketed, a)) {
		snprintf(err, errlen,
			 "--metrics '%s': '%.*s' is not an IPv4 address, [IPv6] address or "
			 "localhost (names are not resolved)",
			 spec, (int)(colon - spec), spec);
		return -1;
	}
	if (a->ss.ss_family == AF_INET)
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
	return 0;
}

/* What was bound, for the user and for the tests that asked for port 0. */
static void name_bound(struct metrics_server *s, int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN] = "?";

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		s->port = ntohs(in6->sin6_port);
		snprintf(s->addr, sizeof(s->addr), "[%s]:%u", ip, s->port);
	} else {
		struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in4->sin_addr, ip, sizeof(ip));
		s->port = ntohs(in4->sin_port);
		snprintf(s->addr, sizeof(s->addr), "%s:%u", ip, s->port);
	}
}

static int listen_on(const char *spec, const struct metrics_addr *a, char *err, size_t errlen)
{
	int one = 1, fd;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "--metrics '%s': socket: %s", spec, strerror(errno));
		return -1;
	}
	/* Lets a restart bind while old connections sit in TIME_WAIT; a live listener still wins. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) || listen(fd, LISTEN_BACKLOG)) {
		snprintf(err, errlen, "--metrics '%s': cannot listen: %s", spec, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static void snapshot_put(void *cls)
{
	struct snapshot *snap = cls;

	if (snap && __atomic_sub_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		free(snap->text);
		free(snap);
	}
}

static struct snapshot *snapshot_get(struct metrics_server *s)
{
	struct snapshot *snap;

	pthread_mutex_lock(&s->lock);
	snap = s->cur;
	if (snap)
		__atomic_add_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_unlock(&s->lock);
	return snap;
}

static enum MHD_Result reply_static(struct MHD_Connection *c, unsigned int status, const char *body)
{
	struct MHD_Response *r;
	enum MHD_Result rc;

	r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result reply_metrics(struct metrics_server *s, struct MHD_Connection *c)
{
	struct snapshot *snap = snapshot_get(s);
	struct MHD_Response *r;
	enum MHD_Result rc;

	if (!snap)
		return reply_static(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				    "skbtrace is starting: no metrics yet\n");
	r = MHD_create_response_from_buffer_with_free_callback_cls(snap->len, snap->text,
								   snapshot_put, snap);
	if (!r) {
		snapshot_put(snap);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_static(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (!strcmp(url, "/metrics"))
		return reply_metrics(cls, c);
	if (!strcmp(url, "/"))
		return reply_static(c, MHD_HTTP_OK, "skbtrace: metrics at /metrics\n");
	return reply_static(c, MHD_HTTP_NOT_FOUND, "not found: metrics at /metrics\n");
}

/* libmicrohttpd's thread inherits our mask: SIGINT and SIGTERM stay with the event loop. */
static struct MHD_Daemon *start_daemon(struct metrics_server *s, int fd)
{
	sigset_t all, old;
	struct MHD_Daemon *d;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	d = MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD, 0, NULL, NULL, on_request, s,
			     MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
			     (unsigned int)MAX_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
			     (unsigned int)CONN_TIMEOUT_S, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return d;
}

struct metrics_server *metrics_server_start(const char *spec, char *err, size_t errlen)
{
	struct metrics_server *s;
	struct metrics_addr a;
	int fd;

	if (metrics_addr_parse(spec, &a, err, errlen))
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "--metrics: out of memory");
		return NULL;
	}
	pthread_mutex_init(&s->lock, NULL);
	fd = listen_on(spec, &a, err, errlen);
	if (fd < 0)
		goto fail;
	name_bound(s, fd);
	s->d = start_daemon(s, fd);
	if (!s->d) {
		snprintf(err, errlen, "--metrics '%s': libmicrohttpd could not start", spec);
		close(fd);
		goto fail;
	}
	return s;
fail:
	pthread_mutex_destroy(&s->lock);
	free(s);
	return NULL;
}

const char *metrics_server_addr(const struct metrics_server *s)
{
	return s->addr;
}

unsigned short metrics_server_port(const struct metrics_server *s)
{
	return s->port;
}

int metrics_server_publish(struct metrics_server *s, char *text, size_t len)
{
	struct snapshot *snap = malloc(sizeof(*snap)), *old;

	if (!snap) {
		free(text);
		return -ENOMEM;
	}
	*snap = (struct snapshot){.refs = 1, .len = len, .text = text};
	pthread_mutex_lock(&s->lock);
	old = s->cur;
	s->cur = snap;
	pthread_mutex_unlock(&s->lock);
	snapshot_put(old);
	return 0;
}

void metrics_server_stop(struct metrics_server *s)
{
	if (!s)
		return;
	/* Closes the listening socket too, and ends every response (dropping its reference). */
	MHD_stop_daemon(s->d);
	snapshot_put(s->cur);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
