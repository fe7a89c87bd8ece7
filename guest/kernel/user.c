/*
 * kernel/user.c: one user_struct per uid in use, shared by that uid's tasks. It counts the uid's
 * processes, which copy_process() checks against RLIMIT_NPROC - a limit per user, not per process
 * tree. 2.6.12 keeps them in a hash table (uidhash_table) from a slab cache (uid_cache); so does this,
 * with a table small enough for the handful of uids a guest uses.
 *
 * __count is the number of references: each task's ->user holds one (dup_task_struct copies the
 * pointer and copy_process takes the reference), root_user keeps one of its own so it never goes.
 */
#include <linux/sched.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <asm/system.h>

#define UIDHASH_BITS	4
#define UIDHASH_SZ	(1 << UIDHASH_BITS)
#define uidhashfn(uid)	(((uid) ^ ((uid) >> UIDHASH_BITS)) & (UIDHASH_SZ - 1))

static struct list_head uidhash_table[UIDHASH_SZ];
struct kmem_cache uid_cache;

/* uid_cache_init: the cache and the table, with root_user in it (fork_init calls this). */
void uid_cache_init(void)
{
	int n;

	kmem_cache_create(&uid_cache, "uid_cache", sizeof(struct user_struct), 32);
	for (n = 0; n < UIDHASH_SZ; n++)
		INIT_LIST_HEAD(&uidhash_table[n]);
	list_add(&root_user.uidhash_list, &uidhash_table[uidhashfn(0u)]);
}

static struct user_struct *uid_hash_find(uid_t uid)
{
	struct list_head *pos;

	list_for_each(pos, &uidhash_table[uidhashfn(uid)]) {
		struct user_struct *up = list_entry(pos, struct user_struct, uidhash_list);

		if (up->uid == uid)
			return up;
	}
	return NULL;
}

/* alloc_uid: uid's user_struct with a reference for the caller - the existing one, or a new one with
 * no processes yet. NULL without memory. */
struct user_struct *alloc_uid(uid_t uid)
{
	struct user_struct *up;
	unsigned long flags;

	local_irq_save(flags);
	up = uid_hash_find(uid);
	if (up) {
		atomic_inc(&up->__count);
		local_irq_restore(flags);
		return up;
	}
	local_irq_restore(flags);
	up = kmem_cache_alloc(&uid_cache, GFP_KERNEL);
	if (!up)
		return NULL;
	atomic_set(&up->__count, 1);
	atomic_set(&up->processes, 0);
	up->uid = uid;
	local_irq_save(flags);
	list_add(&up->uidhash_list, &uidhash_table[uidhashfn(uid)]);
	local_irq_restore(flags);
	return up;
}

/* free_uid: drop a reference; the last one takes the user_struct out of the table and frees it. */
void free_uid(struct user_struct *up)
{
	unsigned long flags;
	int last;

	if (!up)
		return;
	local_irq_save(flags);
	atomic_dec(&up->__count);
	last = atomic_read(&up->__count) == 0;
	if (last) {
		BUG_ON(up == &root_user);
		BUG_ON(atomic_read(&up->processes));
		list_del(&up->uidhash_list);
	}
	local_irq_restore(flags);
	if (last)
		kmem_cache_free(&uid_cache, up);
}

/* switch_uid: current becomes one of new_user's processes (setuid). Takes over the caller's reference
 * to new_user and drops current's reference to its old user_struct. */
void switch_uid(struct user_struct *new_user)
{
	struct user_struct *old_user = current->user;
	unsigned long flags;

	local_irq_save(flags);
	atomic_inc(&new_user->processes);
	atomic_dec(&old_user->processes);
	current->user = new_user;
	local_irq_restore(flags);
	free_uid(old_user);
}
