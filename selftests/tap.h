/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small TAP emitter for vcoyo's C tests.  Each check prints one test
 * point; tap_done() prints the plan and gives the exit status.
 */
#ifndef VCOYO_TAP_H
#define VCOYO_TAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_count;
static int tap_failures;

__attribute__((format(printf, 2, 3)))
static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	if (!cond)
		tap_failures++;
	printf("%sok %d - ", cond ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

__attribute__((format(printf, 1, 2)))
static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* A call that must fail with @err; prints what happened if it did not. */
#define tap_errno(call, err, ...) ({					\
	errno = 0;							\
	long __r = (long)(call);					\
	int __e = errno;						\
	int __ok = __r == -1 && __e == (err);				\
	if (!__ok)							\
		tap_diag("%s returned %ld, errno %d (%s), wanted %s",	\
			 #call, __r, __e, strerror(__e), #err);		\
	tap_ok(__ok, __VA_ARGS__);					\
})

/* A call that must succeed (not return -1). */
#define tap_call(call, ...) ({						\
	errno = 0;							\
	long __r = (long)(call);					\
	if (__r == -1)							\
		tap_diag("%s failed: %s", #call, strerror(errno));	\
	tap_ok(__r != -1, __VA_ARGS__);					\
	__r;								\
})

static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	fflush(stdout);
	return tap_failures ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* VCOYO_TAP_H */
