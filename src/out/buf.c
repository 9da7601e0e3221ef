// SPDX-License-Identifier: GPL-2.0
/* The output buffer's out-of-line part: flushing and decimal numbers. */
#include <errno.h>

#include "out/buf.h"

int ob_flush(struct obuf *b)
{
	size_t n = b->p - b->base;

	if (n && fwrite(b->base, 1, n, b->f) != n && !b->err)
		b->err = errno ? -errno : -EIO;
	b->p = b->base;
	return b->err;
}

static const char digit_pairs[201] = "00010203040506070809"
				     "10111213141516171819"
				     "20212223242526272829"
				     "30313233343536373839"
				     "40414243444546474849"
				     "50515253545556575859"
				     "60616263646566676869"
				     "70717273747576777879"
				     "80818283848586878889"
				     "90919293949596979899";

void ap_u64(struct obuf *b, unsigned long long v)
{
	char tmp[20], *q = tmp + sizeof(tmp);

	while (v >= 100) {
		unsigned int r = v % 100;

		v /= 100;
		q -= 2;
		memcpy(q, digit_pairs + 2 * r, 2);
	}
	if (v >= 10) {
		q -= 2;
		memcpy(q, digit_pairs + 2 * v, 2);
	} else {
		*--q = '0' + v;
	}
	ap_mem(b, q, tmp + sizeof(tmp) - q);
}

void ap_hexaddr(struct obuf *b, unsigned long long addr)
{
	ap_lit(b, "0x");
	ap_hex(b, addr);
}

void ap_us(struct obuf *b, unsigned long long ns)
{
	ap_u64(b, ns / 1000);
	ap_c(b, '.');
	ap_u64_w(b, ns % 1000, 3);
	ap_lit(b, "us");
}
