/* linux/types.h: fixed-width types for an ILP32 freestanding guest. */
#ifndef _LINUX_TYPES_H
#define _LINUX_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef int pid_t;
typedef unsigned int uid_t;
typedef long ssize_t;
typedef _Bool bool;
#define true 1
#define false 0

/* asm-i386/atomic.h on UP: a plain int (no lock prefix needed with one CPU). */
typedef struct { volatile int counter; } atomic_t;
#define ATOMIC_INIT(i)		{ (i) }
#define atomic_read(v)		((v)->counter)
#define atomic_set(v, i)	((v)->counter = (i))
#define atomic_inc(v)		((v)->counter++)
#define atomic_dec(v)		((v)->counter--)
#define atomic_dec_and_test(v)	(--(v)->counter == 0)

#endif
