/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The --metrics HTTP endpoint (libmicrohttpd).  Scrapes are answered from
 * libmicrohttpd's own thread with the text the event loop last published,
 * so a scrape never waits for the event loop and the event loop never
 * waits for a scrape.
 */
#ifndef SKBT_METRICS_HTTP_H
#define SKBT_METRICS_HTTP_H

#include <stddef.h>
#include <sys/socket.h>

struct metrics_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/*
 * "IPv4:PORT", "[IPv6]:PORT" or "localhost:PORT" (127.0.0.1); port 0
 * picks a free port.  Names are not resolved: a DNS lookup has no place
 * before tracing starts.  Returns 0, or -1 with the reason in err.
 */
int metrics_addr_parse(const char *spec, struct metrics_addr *a, char *err, size_t errlen);

struct metrics_server;

/*
 * Parses spec, binds and listens now (call it before anything is
 * attached: a taken port is the user's error), and starts serving.
 * Until the first metrics_server_publish(), /metrics answers 503.
 * Returns NULL with the reason in err.
 */
struct metrics_server *metrics_server_start(const char *spec, char *err, size_t errlen);
/* "127.0.0.1:9100" or "[::1]:9100", with the port actually bound. */
const char *metrics_server_addr(const struct metrics_server *s);
unsigned short metrics_server_port(const struct metrics_server *s);
/*
 * Makes text (malloc'd, len bytes; ownership passes) the answer to every
 * later scrape.  Scrapes still being sent keep the text they started with.
 */
int metrics_server_publish(struct metrics_server *s, char *text, size_t len);
/* Stops serving, waits for libmicrohttpd's thread, frees everything. */
void metrics_server_stop(struct metrics_server *s);

#endif
