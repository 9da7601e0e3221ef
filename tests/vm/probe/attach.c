// SPDX-License-Identifier: GPL-2.0
/*
 * attach OBJ PROG: load only program PROG from OBJ, attach it, send a few
 * UDP datagrams to a closed port on 127.0.0.1 (each one passes ip_rcv and
 * is freed through kfree_skb with reason NO_SOCKET), and report the hits.
 *
 * Exit status: 0 the program fired, 1 it attached but never fired (or bad
 * usage), 2 the kernel refused to load or attach it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

static int quiet_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void send_udp(int count)
{
	struct sockaddr_in to = {
		.sin_family = AF_INET,
		.sin_port = htons(9), /* discard: nobody listens in the VM */
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return;
	for (int i = 0; i < count; i++) {
		(void)sendto(fd, "skbt", 4, 0, (struct sockaddr *)&to, sizeof(to));
		usleep(10000);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog, *p;
	struct bpf_link *link;
	__u64 n = 0;
	__u32 key = 0;
	int err;

	if (argc != 3) {
		fprintf(stderr, "usage: %s OBJ PROGRAM\n", argv[0]);
		return 1;
	}
	libbpf_set_print(quiet_print);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		fprintf(stderr, "open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	prog = bpf_object__find_program_by_name(obj, argv[2]);
	if (!prog) {
		fprintf(stderr, "no program %s in %s\n", argv[2], argv[1]);
		return 1;
	}
	bpf_object__for_each_program(p, obj)
		bpf_program__set_autoload(p, p == prog);

	err = bpf_object__load(obj);
	if (err) {
		printf("load failed: %s\n", strerror(-err));
		return 2;
	}
	link = bpf_program__attach(prog);
	if (!link) {
		printf("attach failed: %s\n", strerror(errno));
		return 2;
	}
	send_udp(5);
	err = bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "hits")), &key, &n);
	bpf_link__destroy(link);
	bpf_object__close(obj);
	if (err) {
		printf("reading the counter failed: %s\n", strerror(errno));
		return 1;
	}
	printf("hits=%llu\n", (unsigned long long)n);
	return n ? 0 : 1;
}
