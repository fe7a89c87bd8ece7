/* sys/types.h: the user programs' basic types (ILP32 i386, as the kernel's linux/types.h). */
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H

#include <stddef.h>

typedef int pid_t;
typedef unsigned int uid_t;
typedef long ssize_t;

#endif
