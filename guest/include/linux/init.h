/* linux/init.h: __init is a no-op here (nothing is freed after boot). */
#ifndef _LINUX_INIT_H
#define _LINUX_INIT_H
#include <linux/compiler.h>
#endif
