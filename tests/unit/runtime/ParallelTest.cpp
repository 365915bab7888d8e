//===- ParallelTest.cpp - The thread pool behind generated regions --------===//

#include "runtime/src/Parallel.h"
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

/// What each thread of a team saw: its index and the team's size.
struct Record {
  std::atomic<int> calls[16] = {};
  std::atomic<int> teamSize{0};
  std::atomic<int> mismatches{0};
};

void recordRegion(int32_t *gtid, int32_t *btid, void *arg) {
  auto &r = *static_cast<Record *>(arg);
  int32_t index = xf_parallel_thread_id(nullptr);
  if (*gtid != index || *btid != index || index >= 16)
    r.mismatches.fetch_add(1);
  else
    r.calls[index].fetch_add(1);
  r.teamSize.store(xf_parallel_team_size());
}

/// Forks `recordRegion` once and checks that indices 0 .. size-1 each ran
/// once; returns the team size.
int forkOnce() {
  Record r;
  xf_parallel_fork(nullptr, 1,
                   reinterpret_cast<xf_parallel_region>(recordRegion), &r);
  int size = r.teamSize.load();
  EXPECT_EQ(r.mismatches.load(), 0);
  for (int i = 0; i < 16; ++i)
    EXPECT_EQ(r.calls[i].load(), i < size ? 1 : 0) << "index " << i;
  return size;
}

TEST(Parallel, OutsideARegionTheTeamIsTheCallerAlone) {
  EXPECT_EQ(xf_parallel_team_size(), 1);
  EXPECT_EQ(xf_parallel_thread_id(nullptr), 0);
}

TEST(Parallel, TeamsHaveTheSetSizeEvenPastTheCores) {
  for (int threads : {1, 2, 3, 5, 2}) {
    xf_parallel_set_threads(threads);
    EXPECT_EQ(forkOnce(), threads);
  }
  xf_parallel_set_threads(0);
}

TEST(Parallel, ZeroMeansOneThreadPerAvailableCpu) {
  cpu_set_t set;
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  xf_parallel_set_threads(0);
  EXPECT_EQ(forkOnce(), CPU_COUNT(&set));
}

TEST(Parallel, ForkIfRunsOnTheCallerAloneWhenTheConditionIsFalse) {
  xf_parallel_set_threads(3);
  for (int32_t condition : {0, 1}) {
    Record r;
    xf_parallel_fork_if(nullptr, 1,
                        reinterpret_cast<xf_parallel_region>(recordRegion),
                        condition, &r);
    EXPECT_EQ(r.teamSize.load(), condition ? 3 : 1);
    EXPECT_EQ(r.calls[0].load(), 1);
    EXPECT_EQ(r.calls[1].load(), condition ? 1 : 0);
    EXPECT_EQ(r.mismatches.load(), 0);
  }
  // No arguments: the region is called with none.
  static std::atomic<int> calls;
  calls = 0;
  xf_parallel_fork_if(nullptr, 0,
                      reinterpret_cast<xf_parallel_region>(
                          +[](int32_t *, int32_t *) { calls.fetch_add(1); }),
                      1, nullptr);
  EXPECT_EQ(calls.load(), 3);
  xf_parallel_set_threads(0);
}

void nestedRegion(int32_t *, int32_t *, void *arg) {
  auto &inner = *static_cast<std::atomic<int> *>(arg);
  int32_t outerSize = xf_parallel_team_size();
  int32_t outerIndex = xf_parallel_thread_id(nullptr);
  xf_parallel_fork(nullptr, 1,
                   reinterpret_cast<xf_parallel_region>(
                       +[](int32_t *, int32_t *, void *arg) {
                         // A nested region: this thread alone, index 0.
                         if (xf_parallel_team_size() == 1 &&
                             xf_parallel_thread_id(nullptr) == 0)
                           static_cast<std::atomic<int> *>(arg)->fetch_add(1);
                       }),
                   &inner);
  // The outer team is back after the nested region.
  if (xf_parallel_team_size() != outerSize ||
      xf_parallel_thread_id(nullptr) != outerIndex)
    inner.fetch_add(1000);
}

TEST(Parallel, ANestedForkRunsOnItsThreadAlone) {
  xf_parallel_set_threads(3);
  std::atomic<int> inner{0};
  xf_parallel_fork(nullptr, 1,
                   reinterpret_cast<xf_parallel_region>(nestedRegion), &inner);
  EXPECT_EQ(inner.load(), 3);
  xf_parallel_set_threads(0);
}

/// Each thread writes its slot, waits at the barrier, then checks every
/// other thread's slot, three times over.
struct BarrierState {
  std::atomic<int> slots[8] = {};
  std::atomic<int> errors{0};
};

void barrierRegion(int32_t *, int32_t *, void *arg, void *roundsArg) {
  auto &s = *static_cast<BarrierState *>(arg);
  int rounds = *static_cast<int *>(roundsArg);
  int32_t me = xf_parallel_thread_id(nullptr), size = xf_parallel_team_size();
  for (int round = 1; round <= rounds; ++round) {
    s.slots[me].store(round);
    xf_parallel_barrier(nullptr, me);
    for (int32_t t = 0; t < size; ++t)
      if (s.slots[t].load() < round)
        s.errors.fetch_add(1);
    xf_parallel_barrier(nullptr, me);
  }
}

TEST(Parallel, TheBarrierWaitsForTheWholeTeamAndTwoArgumentsArrive) {
  xf_parallel_set_threads(4);
  BarrierState state;
  int rounds = 200;
  xf_parallel_fork(nullptr, 2,
                   reinterpret_cast<xf_parallel_region>(barrierRegion), &state,
                   &rounds);
  EXPECT_EQ(state.errors.load(), 0);
  for (int t = 0; t < 4; ++t)
    EXPECT_EQ(state.slots[t].load(), rounds) << "thread " << t;
  xf_parallel_set_threads(0);
}

void countRegion(int32_t *, int32_t *, void *arg) {
  static_cast<std::atomic<long> *>(arg)->fetch_add(1);
}

// Forks from several program threads at once share the workers: every
// region runs, on a team of 1 to the set size, and each thread's regions
// see its own setting.
TEST(Parallel, ConcurrentForksFromSeveralThreadsAllComplete) {
  constexpr int kCallers = 4, kForks = 2000;
  std::vector<std::thread> callers;
  std::atomic<long> badSize{0}, missing{0};
  for (int c = 0; c < kCallers; ++c)
    callers.emplace_back([&, c] {
      int32_t threads = 1 + c % 3;
      xf_parallel_set_threads(threads);
      for (int f = 0; f < kForks; ++f) {
        std::atomic<long> ran{0};
        xf_parallel_fork(nullptr, 1,
                         reinterpret_cast<xf_parallel_region>(countRegion),
                         &ran);
        if (ran.load() < 1 || ran.load() > threads)
          badSize.fetch_add(1);
        if (ran.load() == 0)
          missing.fetch_add(1);
      }
    });
  for (std::thread &t : callers)
    t.join();
  EXPECT_EQ(badSize.load(), 0);
  EXPECT_EQ(missing.load(), 0);
}

/// The scheduler states ('R' running or runnable, 'S' sleeping, ...) of
/// this process's threads but the calling one.
std::vector<char> otherThreadStates() {
  std::vector<char> states;
  long self = syscall(SYS_gettid);
  DIR *dir = opendir("/proc/self/task");
  if (!dir)
    return states;
  while (dirent *e = readdir(dir)) {
    long tid = std::atol(e->d_name);
    if (tid <= 0 || tid == self)
      continue;
    std::ifstream stat("/proc/self/task/" + std::string(e->d_name) + "/stat");
    std::string line;
    std::getline(stat, line);
    size_t paren = line.rfind(')'); // the name may hold spaces
    if (paren != std::string::npos && paren + 2 < line.size())
      states.push_back(line[paren + 2]);
  }
  closedir(dir);
  return states;
}

/// Runs `body` in a child process (whose pool starts its own workers);
/// whether it exited with `body`'s true. A hang is killed after 20 s.
bool inChild(const std::function<bool()> &body) {
  pid_t child = fork();
  if (child < 0)
    return false;
  if (child == 0) {
    alarm(20);
    _exit(body() ? 0 : 1);
  }
  int status = 0;
  return waitpid(child, &status, 0) == child && WIFEXITED(status) &&
         WEXITSTATUS(status) == 0;
}

/// Forks `recordRegion` once; whether its team had `size` threads.
bool teamOf(int32_t size) {
  Record r;
  xf_parallel_fork(nullptr, 1,
                   reinterpret_cast<xf_parallel_region>(recordRegion), &r);
  return r.teamSize.load() == size && r.calls[size - 1].load() == 1;
}

// Idle workers stay awake for $XF_THREAD_WAIT_MS (read as they start:
// pausing, then yielding, so runnable), then sleep.
TEST(Parallel, IdleWorkersSleepAfterTheWaitTime) {
  EXPECT_TRUE(inChild([] {
    setenv("XF_THREAD_WAIT_MS", "0", 1);
    xf_parallel_set_threads(3);
    if (!teamOf(3))
      return false;
    for (int poll = 0; poll < 15; ++poll) { // 150 ms < the default 200
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::vector<char> states = otherThreadStates();
      if (!states.empty() && std::count(states.begin(), states.end(), 'R') == 0)
        return true;
    }
    return false;
  }));
  EXPECT_TRUE(inChild([] {
    setenv("XF_THREAD_WAIT_MS", "5000", 1);
    xf_parallel_set_threads(3);
    if (!teamOf(3))
      return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::vector<char> states = otherThreadStates();
    return std::count(states.begin(), states.end(), 'R') >= 1;
  }));
}

// A process forked after the pool has started (a server that loads a model,
// then forks workers) starts its own workers instead of waiting for the
// parent's, which do not exist in it.
TEST(Parallel, AChildProcessStartsItsOwnWorkers) {
  xf_parallel_set_threads(2);
  EXPECT_EQ(forkOnce(), 2); // the parent's worker is running
  EXPECT_TRUE(inChild([] { return teamOf(2); }));
  EXPECT_EQ(forkOnce(), 2); // the parent's pool is untouched
  xf_parallel_set_threads(0);
}

} // namespace
