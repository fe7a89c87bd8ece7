/*
 * The O(1) scheduler's arithmetic, as kernel/sched.c of Linux 2.6.12 defines it (its macros written here
 * as functions, fresh): priorities, the sleep_avg bonus, time slices, the interactivity test and the
 * fork-time splits. Plain C with fixed-width types and no kernel includes, so the guest's sched.c and the
 * host's tests/sched_math_test.cpp compile the very same code.
 *
 * Units as in 2.6.12: priorities 0..139 (0..99 real time), time slices in ticks (HZ = 1000), sleep_avg in
 * nanoseconds (bounded by NS_MAX_SLEEP_AVG).
 */
#ifndef FORKSCOPE_SCHED_MATH_H
#define FORKSCOPE_SCHED_MATH_H

#include <stdint.h>

#define HZ 1000
#define MAX_USER_RT_PRIO 100
#define MAX_RT_PRIO MAX_USER_RT_PRIO
#define MAX_PRIO (MAX_RT_PRIO + 40)
#define USER_PRIO(p) ((p) - MAX_RT_PRIO)
#define MAX_USER_PRIO (USER_PRIO(MAX_PRIO))

/* tests/golden/golden.cmake builds a kernel with another MIN_TIMESLICE (a mutation check for
 * trace diff). */
#ifndef MIN_TIMESLICE
#define MIN_TIMESLICE (5 * HZ / 1000 > 1 ? 5 * HZ / 1000 : 1)
#endif
#define DEF_TIMESLICE (100 * HZ / 1000)
#define ON_RUNQUEUE_WEIGHT 30
#define CHILD_PENALTY 95
#define PARENT_PENALTY 100
#define EXIT_WEIGHT 3
#define PRIO_BONUS_RATIO 25
#define MAX_BONUS (MAX_USER_PRIO * PRIO_BONUS_RATIO / 100)
#define INTERACTIVE_DELTA 2
#define MAX_SLEEP_AVG (DEF_TIMESLICE * MAX_BONUS)
#define STARVATION_LIMIT (MAX_SLEEP_AVG)
#define NS_PER_JIFFY (1000000000ull / HZ)
#define NS_MAX_SLEEP_AVG ((uint64_t)MAX_SLEEP_AVG * NS_PER_JIFFY)

static inline int nice_to_prio(int nice) { return MAX_RT_PRIO + nice + 20; }
static inline int prio_to_nice(int prio) { return prio - MAX_RT_PRIO - 20; }
static inline uint64_t jiffies_to_ns(uint64_t j) { return j * NS_PER_JIFFY; }
static inline uint64_t ns_to_jiffies(uint64_t ns) { return ns / NS_PER_JIFFY; }

/* CURRENT_BONUS(p): 0..MAX_BONUS from how much of MAX_SLEEP_AVG the task has slept. */
static inline int current_bonus(uint64_t sleep_avg_ns) {
  return (int)(ns_to_jiffies(sleep_avg_ns) * MAX_BONUS / MAX_SLEEP_AVG);
}

/* effective_prio(): static_prio moved by up to +-5 by the bonus, clamped to the user range; real-time
 * tasks keep their prio. */
static inline int effective_prio(int prio, int static_prio, uint64_t sleep_avg_ns, int rt) {
  int p;
  if (rt) return prio;
  p = static_prio - (current_bonus(sleep_avg_ns) - MAX_BONUS / 2);
  if (p < MAX_RT_PRIO) p = MAX_RT_PRIO;
  if (p > MAX_PRIO - 1) p = MAX_PRIO - 1;
  return p;
}

/* SCALE_PRIO / task_timeslice(): 800 ticks at nice -20, 100 at nice 0, 5 at nice +19. */
static inline unsigned scale_prio(unsigned x, int prio) {
  unsigned t = x * (unsigned)(MAX_PRIO - prio) / (MAX_USER_PRIO / 2);
  return t > MIN_TIMESLICE ? t : MIN_TIMESLICE;
}
static inline unsigned task_timeslice(int static_prio) {
  if (static_prio < nice_to_prio(0)) return scale_prio(DEF_TIMESLICE * 4, static_prio);
  return scale_prio(DEF_TIMESLICE, static_prio);
}

/* DELTA(p) and TASK_INTERACTIVE(p): C's truncating division on a negative nice, as in 2.6.12. */
static inline int interactive_delta(int static_prio) {
  return prio_to_nice(static_prio) * MAX_BONUS / 40 + INTERACTIVE_DELTA;
}
static inline int task_interactive(int prio, int static_prio) {
  return prio <= static_prio - interactive_delta(static_prio);
}
/* INTERACTIVE_SLEEP(p), in ns. */
static inline uint64_t interactive_sleep(int static_prio) {
  return jiffies_to_ns((uint64_t)(MAX_SLEEP_AVG * (MAX_BONUS / 2 + interactive_delta(static_prio) + 1) /
                                  MAX_BONUS - 1));
}

/* sched_fork(): the child gets (slice + 1) / 2 and the parent keeps slice / 2. */
static inline unsigned fork_child_slice(unsigned parent_slice) { return (parent_slice + 1) >> 1; }
static inline unsigned fork_parent_slice(unsigned parent_slice) { return parent_slice >> 1; }

/* wake_up_new_task(): the child's and the parent's sleep_avg, scaled by the penalties (integer maths,
 * left to right, as 2.6.12 writes it). */
static inline uint64_t new_task_sleep_avg(uint64_t sleep_avg_ns, unsigned penalty) {
  return jiffies_to_ns((uint64_t)current_bonus(sleep_avg_ns) * penalty / 100 * MAX_SLEEP_AVG / MAX_BONUS);
}

/* TIMESLICE_GRANULARITY(p) on one CPU: a task in the interactive range is round-robined with its
 * equals every this many ticks; the less it sleeps, the longer the piece (GRANULARITY = 10 ticks). */
#define GRANULARITY (10 * HZ / 1000 ? 10 * HZ / 1000 : 1)
static inline unsigned timeslice_granularity(uint64_t sleep_avg_ns) {
  int d = MAX_BONUS - current_bonus(sleep_avg_ns);
  return GRANULARITY * (1u << ((d ? d : 1) - 1));
}

/*
 * recalc_task_prio()'s sleep_avg update (the caller then sets prio = effective_prio()). i386 2.6.12
 * keeps sleep_time and sleep_avg in 32-bit unsigned longs, so the arithmetic is done in uint32_t:
 * `sleep_time *= MAX_BONUS - CURRENT_BONUS` wraps for a sleep of more than ~429 ms at bonus 0, and the
 * guest reproduces that. has_mm: the task has a user address space (kernel threads have none, so the
 * "idle sleeper" and "uninterruptible" limits below never apply to them). activated: -1 woken from an
 * uninterruptible sleep, 1 woken by a task, 2 by an interrupt.
 */
static inline uint32_t recalc_sleep_avg(uint32_t sleep_avg, uint64_t slept_ns, int activated,
                                        int has_mm, int static_prio) {
  uint32_t sleep_time = slept_ns > NS_MAX_SLEEP_AVG ? (uint32_t)NS_MAX_SLEEP_AVG : (uint32_t)slept_ns;
  uint32_t limit = (uint32_t)interactive_sleep(static_prio);
  int mult;

  if (sleep_time == 0) return sleep_avg;
  if (has_mm && activated != -1 && sleep_time > limit)
    return (uint32_t)jiffies_to_ns(MAX_SLEEP_AVG - DEF_TIMESLICE);
  mult = MAX_BONUS - current_bonus(sleep_avg);
  sleep_time *= (uint32_t)(mult ? mult : 1);
  if (activated == -1 && has_mm) {
    if (sleep_avg >= limit) {
      sleep_time = 0;
    } else if (sleep_avg + sleep_time >= limit) {
      sleep_avg = limit;
      sleep_time = 0;
    }
  }
  sleep_avg += sleep_time;
  if (sleep_avg > NS_MAX_SLEEP_AVG) sleep_avg = (uint32_t)NS_MAX_SLEEP_AVG;
  return sleep_avg;
}

/* schedule(): the wait on the runqueue a freshly woken task is credited with - all of it when an
 * interrupt woke it (activated 2), 30% (ON_RUNQUEUE_WEIGHT * 128 / 100 / 128) when a task did. */
static inline uint64_t on_runqueue_credit(uint64_t waited_ns, int activated) {
  if (activated == 1) return waited_ns * (ON_RUNQUEUE_WEIGHT * 128 / 100) / 128;
  return waited_ns;
}

/* schedule(): the run time charged against prev's sleep_avg - what it ran since its timestamp, capped
 * at NS_MAX_SLEEP_AVG, divided by its bonus (interactive tasks lose sleep_avg more slowly). */
static inline uint32_t charged_run_time(int64_t ran_ns, uint64_t sleep_avg_ns) {
  uint32_t run_time;
  int bonus = current_bonus(sleep_avg_ns);
  if (ran_ns < (int64_t)NS_MAX_SLEEP_AVG) run_time = ran_ns < 0 ? 0 : (uint32_t)ran_ns;
  else run_time = (uint32_t)NS_MAX_SLEEP_AVG;
  return run_time / (uint32_t)(bonus ? bonus : 1);
}
/* prev->sleep_avg -= run_time, floored at 0 (2.6.12 tests the difference as a signed long). */
static inline uint32_t sleep_avg_after_run(uint32_t sleep_avg, uint32_t run_time) {
  uint32_t left = sleep_avg - run_time;
  return (int32_t)left <= 0 ? 0 : left;
}

/* EXPIRED_STARVING(rq): the expired array has waited STARVATION_LIMIT ticks per runnable task, or the
 * running task is worse (higher static prio) than the best one already expired. Then even an
 * interactive task goes to the expired array when its slice ends. */
static inline int expired_starving(uint32_t expired_timestamp, uint32_t jiffies_now,
                                   uint32_t nr_running, int curr_static_prio,
                                   int best_expired_prio) {
  if (STARVATION_LIMIT != 0 && expired_timestamp &&
      jiffies_now - expired_timestamp >= STARVATION_LIMIT * nr_running + 1)
    return 1;
  return curr_static_prio > best_expired_prio;
}

/* sched_exit(): a child exiting on its first slice gives the rest back to its parent (capped at the
 * child's task_timeslice), and a child that slept less drags the parent's sleep_avg towards its own
 * (EXIT_WEIGHT 3: parent * 3/4 + child / 4, each part truncated). */
static inline unsigned exit_parent_slice(unsigned parent_slice, unsigned child_slice,
                                         int child_static_prio) {
  unsigned s = parent_slice + child_slice;
  unsigned cap = task_timeslice(child_static_prio);
  return s > cap ? cap : s;
}
static inline uint32_t exit_parent_sleep_avg(uint32_t parent_sleep_avg, uint32_t child_sleep_avg) {
  if (child_sleep_avg >= parent_sleep_avg) return parent_sleep_avg;
  return parent_sleep_avg / (EXIT_WEIGHT + 1) * EXIT_WEIGHT + child_sleep_avg / (EXIT_WEIGHT + 1);
}

#endif
