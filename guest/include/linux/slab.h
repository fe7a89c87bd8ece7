/* linux/slab.h: object caches (mm/slab.c). Objects come from slabs of 2^order pages; a slab whose last
 * object is freed goes straight back to the page allocator, so the free-page count returns exactly to its
 * old value once every object is freed (forkstorm checks this). Offsets of the counters: abi.h KMEM_*. */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/list.h>

struct kmem_cache {
	const char *name;		/* KMEM_NAME */
	unsigned int objsize;		/* KMEM_OBJSIZE: bytes per object, rounded up to align */
	unsigned int align;
	unsigned int order;		/* slab = 2^order pages */
	unsigned int num;		/* objects per slab */
	unsigned long active_objs;	/* KMEM_ACTIVE_OBJS: handed out now */
	unsigned long num_slabs;	/* KMEM_NUM_SLABS: slabs held now */
	unsigned long total_allocs;	/* ever handed out */
	struct list_head slabs_partial;	/* slabs with a free object (head pages, via lru) */
	struct list_head slabs_full;
};
typedef struct kmem_cache kmem_cache_t;

void kmem_cache_create(struct kmem_cache *cachep, const char *name, unsigned int size,
		       unsigned int align);
void *kmem_cache_alloc(struct kmem_cache *cachep, unsigned int flags);
void kmem_cache_free(struct kmem_cache *cachep, void *objp);

#endif
