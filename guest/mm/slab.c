/*
 * mm/slab.c: object caches. A slab is one buddy block of 2^order pages cut into `num` objects; free
 * objects are chained through their first word. The slab's bookkeeping (cache, free list, objects in
 * use) lives in the struct page of its first frame, and since buddy blocks are aligned to their size,
 * an object's slab is its address rounded down to the slab size.
 *
 * Differences from 2.6.12 (kept deliberately small): no per-CPU arrays, no colouring, no constructors,
 * and an empty slab is returned to the page allocator at once instead of at the next cache reap - so
 * nr_free_pages comes back exactly when every object has been freed.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/mm.h>
#include <linux/bug.h>
#include <linux/string.h>
#include <asm/system.h>

#define PG_slab_mask	(1UL << PG_slab)

/* kmem_cache_create: objects of `size` bytes aligned to `align` (a power of two). The cache struct
 * is the caller's (static): there is no cache of caches. */
void kmem_cache_create(struct kmem_cache *cachep, const char *name, unsigned int size,
		       unsigned int align)
{
	memset(cachep, 0, sizeof(*cachep));
	if (align < sizeof(void *))
		align = sizeof(void *);
	cachep->name = name;
	cachep->align = align;
	cachep->objsize = (size + align - 1) & ~(align - 1);
	while ((PAGE_SIZE << cachep->order) < cachep->objsize)
		cachep->order++;
	cachep->num = (PAGE_SIZE << cachep->order) / cachep->objsize;
	INIT_LIST_HEAD(&cachep->slabs_partial);
	INIT_LIST_HEAD(&cachep->slabs_full);
}

/* cache_grow: one more slab, all objects free, on the partial list. 0 on success. */
static int cache_grow(struct kmem_cache *cachep)
{
	struct page *page = alloc_pages(GFP_KERNEL, cachep->order);
	char *base;
	int i;

	if (!page)
		return -1;
	base = page_address(page);
	page->flags |= PG_slab_mask;
	page->slab_cache = cachep;
	page->inuse = 0;
	page->freelist = NULL;
	for (i = cachep->num - 1; i >= 0; i--) {
		void **obj = (void **)(base + i * cachep->objsize);

		*obj = page->freelist;
		page->freelist = obj;
	}
	list_add(&page->lru, &cachep->slabs_partial);
	cachep->num_slabs++;
	return 0;
}

/* kmem_cache_alloc: an object from the first partial slab (growing the cache if none); NULL when the
 * page allocator is out of memory. Contents are undefined. */
void *kmem_cache_alloc(struct kmem_cache *cachep, unsigned int flags)
{
	unsigned long irqflags;
	struct page *page;
	void **obj;

	(void)flags;
	local_irq_save(irqflags);
	if (list_empty(&cachep->slabs_partial) && cache_grow(cachep)) {
		local_irq_restore(irqflags);
		return NULL;
	}
	page = list_entry(cachep->slabs_partial.next, struct page, lru);
	obj = page->freelist;
	page->freelist = *obj;
	if (++page->inuse == cachep->num) {
		list_del(&page->lru);
		list_add(&page->lru, &cachep->slabs_full);
	}
	cachep->active_objs++;
	cachep->total_allocs++;
	local_irq_restore(irqflags);
	return obj;
}

/* kmem_cache_free: return objp to its slab; a slab left empty goes back to the page allocator. */
void kmem_cache_free(struct kmem_cache *cachep, void *objp)
{
	unsigned long slab_bytes = PAGE_SIZE << cachep->order;
	struct page *page = virt_to_page((unsigned long)objp & ~(slab_bytes - 1));
	unsigned long irqflags;

	BUG_ON(!(page->flags & PG_slab_mask) || page->slab_cache != cachep);
	BUG_ON(page->inuse == 0);
	local_irq_save(irqflags);
	*(void **)objp = page->freelist;
	page->freelist = objp;
	if (page->inuse-- == cachep->num) {
		list_del(&page->lru);
		list_add(&page->lru, &cachep->slabs_partial);
	}
	cachep->active_objs--;
	if (page->inuse == 0) {
		list_del(&page->lru);
		page->flags &= ~PG_slab_mask;
		page->slab_cache = NULL;
		cachep->num_slabs--;
		__free_pages(page, cachep->order);
	}
	local_irq_restore(irqflags);
}
