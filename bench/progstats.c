// SPDX-License-Identifier: GPL-2.0
/*
 * progstats: the kernel's own run count and run time (kernel.bpf_stats_enabled=1)
 * summed over every loaded BPF program whose name starts with PREFIX, so a
 * benchmark can read what a tracer's programs cost per run without knowing
 * how many copies it loaded (one per function under fentry, per tracepoint
 * on kernels without raw tracepoint cookies).
 *
 * Usage: progstats [-p PREFIX]     (default prefix: skbt_)
 * Prints: RESULT progs=N run_cnt=C run_time_ns=T
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>

int main(int argc, char **argv)
{
	unsigned long long cnt = 0, ns = 0;
	const char *prefix = "skbt_";
	unsigned int id = 0, progs = 0;
	int opt;

	while ((opt = getopt(argc, argv, "p:")) != -1) {
		if (opt != 'p') {
			fprintf(stderr, "usage: progstats [-p PREFIX]\n");
			return 2;
		}
		prefix = optarg;
	}
	while (!bpf_prog_get_next_id(id, &id)) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(id);

		/* A program may go away between the two calls. */
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    !strncmp(info.name, prefix, strlen(prefix))) {
			progs++;
			cnt += info.run_cnt;
			ns += info.run_time_ns;
		}
		close(fd);
	}
	if (errno != ENOENT) {
		fprintf(stderr, "progstats: listing BPF programs: %s\n", strerror(errno));
		return 1;
	}
	printf("RESULT progs=%u run_cnt=%llu run_time_ns=%llu\n", progs, cnt, ns);
	return 0;
}
