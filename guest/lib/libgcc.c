/* lib/libgcc.c: 64-bit division for a 32-bit target. clang lowers u64 '/' and '%' to these libgcc
 * calls and the guest links without libgcc (Linux 2.6.12 avoids them with do_div(); the scheduler
 * arithmetic in kernel/sched_math.h is shared with the host and uses plain u64 division). */
#include <linux/types.h>

/* Shift-and-subtract long division; returns the quotient, stores the remainder. */
static u64 udivmod64(u64 n, u64 d, u64 *rem)
{
	u64 q = 0, r = 0;
	int i;

	if (d == 0) {
		*rem = 0;
		return ~0ULL;	/* no trap: callers never divide by zero */
	}
	if ((d >> 32) == 0 && (n >> 32) == 0) {
		*rem = (u32)n % (u32)d;
		return (u32)n / (u32)d;
	}
	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	*rem = r;
	return q;
}

u64 __udivdi3(u64 n, u64 d);
u64 __umoddi3(u64 n, u64 d);
s64 __divdi3(s64 n, s64 d);
s64 __moddi3(s64 n, s64 d);

u64 __udivdi3(u64 n, u64 d)
{
	u64 r;
	return udivmod64(n, d, &r);
}

u64 __umoddi3(u64 n, u64 d)
{
	u64 r;
	udivmod64(n, d, &r);
	return r;
}

s64 __divdi3(s64 n, s64 d)
{
	u64 r, q = udivmod64(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d, &r);
	return ((n < 0) != (d < 0)) ? -(s64)q : (s64)q;
}

s64 __moddi3(s64 n, s64 d)
{
	u64 r;
	udivmod64(n < 0 ? -(u64)n : (u64)n, d < 0 ? -(u64)d : (u64)d, &r);
	return n < 0 ? -(s64)r : (s64)r;
}
