// SPDX-License-Identifier: MIT
/*
 * Pending timeouts in a red-black tree keyed by (deadline, seq), plus a
 * pointer to the leftmost (earliest) node. The balancing follows the
 * red-black rules and the insert/delete fix-up cases of Cormen, Leiserson,
 * Rivest and Stein, "Introduction to Algorithms" (3rd ed.), chapter 13,
 * written here with NULL leaves instead of a sentinel.
 *
 * The leftmost node has no left child and, by the black-height rule, at most
 * one red child on its right; its successor is that child or its parent, so
 * the earliest deadline is always found in O(1).
 */
#include <bora/spinlock.h>
#include <bora/timeout.h>
#include <bora/timer.h>

static struct {
	spinlock_t lock;
	struct timeout *root;
	struct timeout *first;
	/*
	 * first's deadline (UINT64_MAX: none), written under the lock, read
	 * without it by expire() after a callback (see there).
	 */
	uint64_t first_deadline;
	uint64_t next_seq;
	size_t count;
} tq = {.lock = SPINLOCK_INIT, .first_deadline = UINT64_MAX};

/* One aligned doubleword store and load (GCC's atomic store here is an AMO). */
static inline void set_first(struct timeout *n)
{
	tq.first = n;
	*(volatile uint64_t *)&tq.first_deadline = n ? n->deadline : UINT64_MAX;
}

static inline uint64_t first_deadline_unlocked(void)
{
	return *(volatile const uint64_t *)&tq.first_deadline;
}

static bool before(const struct timeout *a, const struct timeout *b)
{
	return a->deadline < b->deadline || (a->deadline == b->deadline && a->seq < b->seq);
}

static bool is_red(const struct timeout *n)
{
	return n && n->red;
}

/* Make `child` take `old`'s place under old's parent. */
static void replace_child(struct timeout *old, struct timeout *child)
{
	struct timeout *p = old->parent;

	if (child)
		child->parent = p;
	if (!p)
		tq.root = child;
	else if (p->left == old)
		p->left = child;
	else
		p->right = child;
}

static void rotate_left(struct timeout *x)
{
	struct timeout *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	replace_child(x, y);
	y->left = x;
	x->parent = y;
}

static void rotate_right(struct timeout *x)
{
	struct timeout *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	replace_child(x, y);
	y->right = x;
	x->parent = y;
}

/* CLRS 13.3, RB-INSERT-FIXUP: restore "no red node has a red child". */
static void insert_fixup(struct timeout *z)
{
	while (is_red(z->parent)) {
		struct timeout *p = z->parent, *g = p->parent, *uncle;

		if (p == g->left) {
			uncle = g->right;
			if (is_red(uncle)) {
				p->red = uncle->red = false;
				g->red = true;
				z = g;
				continue;
			}
			if (z == p->right) {
				rotate_left(p);
				z = p;
				p = z->parent;
			}
			p->red = false;
			g->red = true;
			rotate_right(g);
		} else {
			uncle = g->left;
			if (is_red(uncle)) {
				p->red = uncle->red = false;
				g->red = true;
				z = g;
				continue;
			}
			if (z == p->left) {
				rotate_right(p);
				z = p;
				p = z->parent;
			}
			p->red = false;
			g->red = true;
			rotate_left(g);
		}
	}
	tq.root->red = false;
}

static void tree_insert(struct timeout *z)
{
	struct timeout *p = NULL, **link = &tq.root;
	bool leftmost = true;

	while (*link) {
		p = *link;
		if (before(z, p)) {
			link = &p->left;
		} else {
			link = &p->right;
			leftmost = false;
		}
	}
	z->parent = p;
	z->left = z->right = NULL;
	z->red = true;
	*link = z;
	if (leftmost)
		set_first(z);
	insert_fixup(z);
}

/*
 * CLRS 13.4, RB-DELETE-FIXUP: `x` (possibly NULL, hence `xp` its parent)
 * carries an extra black that must be pushed up or absorbed.
 */
static void delete_fixup(struct timeout *x, struct timeout *xp)
{
	while (x != tq.root && !is_red(x)) {
		struct timeout *w;

		if (x == xp->left) {
			w = xp->right;
			if (is_red(w)) {
				w->red = false;
				xp->red = true;
				rotate_left(xp);
				w = xp->right;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!is_red(w->right)) {
				w->left->red = false;
				w->red = true;
				rotate_right(w);
				w = xp->right;
			}
			w->red = xp->red;
			xp->red = false;
			w->right->red = false;
			rotate_left(xp);
		} else {
			w = xp->left;
			if (is_red(w)) {
				w->red = false;
				xp->red = true;
				rotate_right(xp);
				w = xp->left;
			}
			if (!is_red(w->left) && !is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!is_red(w->left)) {
				w->right->red = false;
				w->red = true;
				rotate_left(w);
				w = xp->left;
			}
			w->red = xp->red;
			xp->red = false;
			w->left->red = false;
			rotate_right(xp);
		}
		x = tq.root;
		xp = NULL;
	}
	if (x)
		x->red = false;
}

static struct timeout *successor(const struct timeout *n)
{
	const struct timeout *p;

	if (n->right) {
		n = n->right;
		while (n->left)
			n = n->left;
		return (struct timeout *)n;
	}
	for (p = n->parent; p && n == p->right; p = p->parent)
		n = p;
	return (struct timeout *)p;
}

/* CLRS 13.4, RB-DELETE, with `y` moved into z's place by relinking (the node is the caller's). */
static void tree_remove(struct timeout *z)
{
	struct timeout *x, *xp, *y = z;
	bool removed_black = !z->red;

	if (tq.first == z)
		set_first(successor(z));
	if (!z->left) {
		x = z->right;
		xp = z->parent;
		replace_child(z, x);
	} else if (!z->right) {
		x = z->left;
		xp = z->parent;
		replace_child(z, x);
	} else {
		y = z->right;
		while (y->left)
			y = y->left;
		removed_black = !y->red;
		x = y->right;
		if (y->parent == z) {
			xp = y;
		} else {
			xp = y->parent;
			replace_child(y, x);
			y->right = z->right;
			y->right->parent = y;
		}
		replace_child(z, y);
		y->left = z->left;
		y->left->parent = y;
		y->red = z->red;
	}
	if (removed_black)
		delete_fixup(x, xp);
	z->parent = z->left = z->right = NULL;
}

/* delete_fixup(NULL, xp), returning z: its caller keeps nothing in a saved register across it. */
static struct timeout *__attribute__((noinline))
fixup_returning(struct timeout *z, struct timeout *xp)
{
	delete_fixup(NULL, xp);
	return z;
}

static void note_first_changed(uint64_t old_first)
{
	if (tq.first_deadline != old_first)
		timer_next_deadline_changed(tq.first_deadline);
}

void timeout_arm(struct timeout *t, uint64_t deadline_abs_ticks, void (*fn)(struct timeout *t))
{
	unsigned long flags = arch_irq_save();

	spin_lock_irqs_off(&tq.lock);
	uint64_t old_first = tq.first_deadline;

	if (t->pending) {
		tree_remove(t);
		tq.count--;
	}
	t->deadline = timeout_round_to_tick(deadline_abs_ticks, timer_tick_ticks());
	t->fn = fn;
	t->seq = tq.next_seq++;
	t->pending = true;
	tree_insert(t);
	tq.count++;
	note_first_changed(old_first);
	spin_unlock_irqs_off(&tq.lock);
	arch_irq_restore(flags);
}

bool timeout_cancel(struct timeout *t)
{
	unsigned long flags = arch_irq_save();

	spin_lock_irqs_off(&tq.lock);
	uint64_t old_first = tq.first_deadline;
	bool was = t->pending;

	if (was) {
		tree_remove(t);
		t->pending = false;
		tq.count--;
		note_first_changed(old_first);
	}
	spin_unlock_irqs_off(&tq.lock);
	arch_irq_restore(flags);
	return was;
}

bool timeout_pending(const struct timeout *t)
{
	return __atomic_load_n(&t->pending, __ATOMIC_RELAXED);
}

uint64_t timeout_next_deadline(void)
{
	unsigned long flags = arch_irq_save();

	spin_lock_irqs_off(&tq.lock);
	uint64_t d = tq.first_deadline;

	spin_unlock_irqs_off(&tq.lock);
	arch_irq_restore(flags);
	return d;
}

size_t timeout_count(void)
{
	return tq.count;
}

/*
 * With the lock held: t, due and the leftmost node, off the tree (returned
 * again). tree_remove for the leftmost node: it has no left child, and its
 * right subtree is at most one red leaf (a black node there would give it
 * more black height on the right than the NULL on its left), so the successor
 * is that leaf or else its parent, and when a black node goes with a red
 * child in its place, recolouring the child is the whole fix-up. t's own
 * links are left as they were: nothing reads them while it is not pending,
 * and tree_insert sets them all.
 */
static inline __attribute__((always_inline)) struct timeout *take_due(struct timeout *t)
{
	struct timeout *x = t->right, *xp = t->parent;

	t->pending = false;
	tq.count--;
	set_first(x ? x : xp);
	replace_child(t, x);
	if (!t->red) {
		if (x)
			x->red = false;
		else if (xp) /* else the tree is empty now */
			return fixup_returning(t, xp);
	}
	return t;
}

/*
 * Both expiry entry points: every due timeout off the tree, one at a time, its
 * fn run unlocked (so it may arm or cancel timeouts, its own included);
 * returns the earliest deadline left (UINT64_MAX: none).
 *
 * After a callback the earliest deadline is read without the lock: when it
 * is not due, the walk ends with it. A timeout another hart arms meanwhile
 * (earlier than what was read, or due already) is not lost: that hart
 * programs its own timer for it (timer_next_deadline_changed), or, if it is
 * in its own timer interrupt, finds it there before it returns. One
 * cancelled meanwhile leaves this hart a timer interrupt that finds nothing
 * due. A callback on this hart that arms one has stored the new deadline
 * before this read (the same hart). A due one is taken under the lock.
 */
static uint64_t __attribute__((noinline)) expire(uint64_t now, unsigned int *ran)
{
	struct timeout *t;
	uint64_t next;

	spin_lock_irqs_off(&tq.lock);
	while ((t = tq.first) != NULL && t->deadline <= now) {
		t = take_due(t);
		spin_unlock_irqs_off(&tq.lock);
		t->fn(t);
		(*ran)++;
		next = first_deadline_unlocked();
		if (next > now)
			return next;
		spin_lock_irqs_off(&tq.lock);
	}
	next = t ? t->deadline : UINT64_MAX;
	spin_unlock_irqs_off(&tq.lock);
	return next;
}

/* timeout_expire_next's walk past its first timeout. */
static uint64_t __attribute__((noinline)) expire_rest(uint64_t now)
{
	unsigned int ran = 0;

	return expire(now, &ran);
}

unsigned int timeout_expire(uint64_t now)
{
	unsigned long flags = arch_irq_save();
	unsigned int ran = 0;

	expire(now, &ran);
	arch_irq_restore(flags);
	return ran;
}

/*
 * The timer interrupt's, interrupts off: its common case, one timeout due,
 * straight through (what the frame keeps across the callback is only `now`),
 * and the walk for the rest. No frame pointer, as the scheduler's fast paths
 * (<bora/sched.h>).
 */
__attribute__((optimize("omit-frame-pointer"))) uint64_t timeout_expire_next(uint64_t now)
{
	struct timeout *t;
	uint64_t next;

	spin_lock_irqs_off(&tq.lock);
	t = tq.first;
	if (unlikely(!t || t->deadline > now)) {
		next = tq.first_deadline;
		spin_unlock_irqs_off(&tq.lock);
		return next;
	}
	t = take_due(t);
	spin_unlock_irqs_off(&tq.lock);
	t->fn(t);
	next = first_deadline_unlocked();
	if (likely(next > now))
		return next;
	return expire_rest(now);
}
