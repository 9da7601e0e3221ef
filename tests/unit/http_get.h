/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal HTTP/1.0 client for the metrics tests and bench/metrics.c:
 * one request, the whole answer read until the server closes.
 * Enough to fetch /metrics without a client library.
 */
#ifndef SKBT_TEST_HTTP_GET_H
#define SKBT_TEST_HTTP_GET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct http_reply {
	int status; /* 200, 404 ...; 0 when the answer was not HTTP */
	char *raw;  /* status line, headers and body, NUL-terminated */
	size_t len; /* bytes in raw */
	char *body; /* points into raw */
	size_t body_len;
};

static inline int http_send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

static inline int http_read_all(int fd, struct http_reply *r)
{
	size_t cap = 65536;

	r->raw = malloc(cap);
	r->len = 0;
	for (;;) {
		ssize_t n;

		if (!r->raw)
			return -1;
		if (r->len + 1 == cap) {
			char *p = realloc(r->raw, cap * 2);

			if (!p) {
				free(r->raw);
				r->raw = NULL;
				return -1;
			}
			r->raw = p;
			cap *= 2;
		}
		n = recv(fd, r->raw + r->len, cap - 1 - r->len, 0);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		r->len += n;
	}
	r->raw[r->len] = '\0';
	return 0;
}

/* method and path to the server at sa; returns 0 with r filled, -1 on a socket error. */
static inline int http_request(const struct sockaddr *sa, socklen_t salen, const char *method,
			       const char *path, struct http_reply *r)
{
	char req[256];
	char *end;
	int fd, rc = -1;

	memset(r, 0, sizeof(*r));
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: skbtrace\r\n\r\n", method, path);
	if (connect(fd, sa, salen) || http_send_all(fd, req, strlen(req)) || http_read_all(fd, r))
		goto out;
	sscanf(r->raw, "HTTP/1.%*d %d", &r->status);
	end = strstr(r->raw, "\r\n\r\n");
	r->body = end ? end + 4 : r->raw + r->len;
	r->body_len = r->raw + r->len - r->body;
	rc = 0;
out:
	close(fd);
	return rc;
}

/* The same to 127.0.0.1:port. */
static inline int http_get(unsigned short port, const char *method, const char *path,
			   struct http_reply *r)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return http_request((const struct sockaddr *)&sa, sizeof(sa), method, path, r);
}

static inline void http_reply_free(struct http_reply *r)
{
	free(r->raw);
	r->raw = NULL;
}

#endif
