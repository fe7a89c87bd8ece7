// Mirrors guest/kernel/sched_math.h: the 2.6.12 scheduler formulas, checked on the host with values
// worked out by hand from kernel/sched.c's definitions.
extern "C" {
#include "guest/kernel/sched_math.h"
}

#include <catch2/catch.hpp>

TEST_CASE("sched_math: constants as 2.6.12 derives them", "[sched_math]") {
  CHECK(MAX_PRIO == 140);
  CHECK(MAX_USER_PRIO == 40);
  CHECK(MAX_BONUS == 10);
  CHECK(MIN_TIMESLICE == 5);
  CHECK(DEF_TIMESLICE == 100);
  CHECK(MAX_SLEEP_AVG == 1000);            // jiffies
  CHECK(NS_MAX_SLEEP_AVG == 1000000000u);  // one second
  CHECK(nice_to_prio(-20) == 100);
  CHECK(nice_to_prio(0) == 120);
  CHECK(nice_to_prio(19) == 139);
}

TEST_CASE("sched_math: task_timeslice is 800/100/5 ticks at nice -20/0/+19", "[sched_math]") {
  CHECK(task_timeslice(nice_to_prio(-20)) == 800);
  CHECK(task_timeslice(nice_to_prio(-1)) == 420);  // 400 * 21 / 20
  CHECK(task_timeslice(nice_to_prio(0)) == 100);
  CHECK(task_timeslice(nice_to_prio(10)) == 50);
  CHECK(task_timeslice(nice_to_prio(19)) == 5);
}

TEST_CASE("sched_math: CURRENT_BONUS and effective_prio over sleep_avg 0..MAX", "[sched_math]") {
  CHECK(current_bonus(0) == 0);
  CHECK(current_bonus(jiffies_to_ns(99)) == 0);
  CHECK(current_bonus(jiffies_to_ns(100)) == 1);
  CHECK(current_bonus(jiffies_to_ns(500)) == 5);
  CHECK(current_bonus(NS_MAX_SLEEP_AVG) == 10);
  // nice 0: 125 with no sleep, 120 at half, 115 at the maximum.
  CHECK(effective_prio(0, 120, 0, 0) == 125);
  CHECK(effective_prio(0, 120, jiffies_to_ns(500), 0) == 120);
  CHECK(effective_prio(0, 120, NS_MAX_SLEEP_AVG, 0) == 115);
  // Clamped to the user range at both ends.
  CHECK(effective_prio(0, 100, NS_MAX_SLEEP_AVG, 0) == 100);
  CHECK(effective_prio(0, 139, 0, 0) == 139);
  // Real-time tasks keep their prio.
  CHECK(effective_prio(50, 120, 0, 1) == 50);
}

TEST_CASE("sched_math: DELTA and TASK_INTERACTIVE truncate toward zero", "[sched_math]") {
  CHECK(interactive_delta(nice_to_prio(0)) == 2);
  CHECK(interactive_delta(nice_to_prio(-20)) == -3);  // -20*10/40 = -5, + 2
  CHECK(interactive_delta(nice_to_prio(19)) == 6);    // 19*10/40 = 4, + 2
  CHECK(interactive_delta(nice_to_prio(-3)) == 2);    // -30/40 = 0 in C
  CHECK(task_interactive(118, 120));
  CHECK_FALSE(task_interactive(119, 120));
  CHECK(task_interactive(103, 100));  // nice -20 is interactive even at prio 103
  CHECK(interactive_sleep(120) == jiffies_to_ns(1000 * 8 / 10 - 1));
}

TEST_CASE("sched_math: sched_fork splits the slice, wake_up_new_task scales sleep_avg",
          "[sched_math]") {
  CHECK(fork_child_slice(100) == 50);
  CHECK(fork_parent_slice(100) == 50);
  CHECK(fork_child_slice(7) == 4);
  CHECK(fork_parent_slice(7) == 3);
  CHECK(fork_child_slice(1) == 1);
  CHECK(fork_parent_slice(1) == 0);  // sched_fork then gives the parent 1 and runs scheduler_tick
  // Bonus 10 * 95 / 100 = 9 (integer), * 1000 / 10 = 900 jiffies.
  CHECK(new_task_sleep_avg(NS_MAX_SLEEP_AVG, CHILD_PENALTY) == jiffies_to_ns(900));
  CHECK(new_task_sleep_avg(jiffies_to_ns(500), PARENT_PENALTY) == jiffies_to_ns(500));
  CHECK(new_task_sleep_avg(0, CHILD_PENALTY) == 0);
}
