//===- Parallel.cpp - The thread pool that runs generated parallel loops --===//
//
// One pool per model library, started on the first fork that wants more
// than one thread. A fork claims idle workers (a worker serves one team at
// a time), hands each its index and the team, runs index 0 itself and
// spins until the others are done. Workers wait awake for 200 ms
// ($XF_THREAD_WAIT_MS) after their last team, then sleep until handed one;
// every wait yields its core after kPauses pauses. Teams may be smaller
// than asked for when other threads' forks hold the workers: the generated
// loops claim their ranges through shared counters and any thread may run
// any range (xf-cpu-loop-schedule), so any team size computes the same
// result. A fork claims workers from the first, so one calling thread's
// teams have the same workers at the same indices: the loops start each
// thread on its own ranges, whose weights its core has cached.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Parallel.h"
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <new>
#include <pthread.h>
#include <sched.h>
#include <system_error>
#include <thread>

namespace {

/// How long an idle worker waits awake (pausing, then yielding) before it
/// sleeps, unless $XF_THREAD_WAIT_MS says otherwise: as long as libomp's
/// default block time (with 5 ms, the seed model's forward at B=1,
/// S=T=128 measured 5-10% slower than with libomp).
constexpr int kDefaultWaitMs = 200;
/// Pauses before a wait starts yielding: ~0.4 ms. Yielding from the first
/// steps made a small model's run (many short regions) twice as slow.
constexpr unsigned kPauses = 8192;
/// The most workers a pool has (teams of up to kMaxWorkers + 1 threads).
constexpr int kMaxWorkers = 255;

/// One step of a wait: a pause for the first kPauses, then a yield, so that a
/// waiting thread gives its core to the threads it waits for when there
/// are more threads than cores.
void backOff(unsigned step) {
#if defined(__x86_64__) || defined(__i386__)
  if (step < kPauses) {
    __builtin_ia32_pause();
    return;
  }
#endif
  std::this_thread::yield();
}

struct Team {
  xf_parallel_region region;
  int32_t argc;
  void *args[XF_PARALLEL_MAX_FORK_ARGS];
  int32_t size = 1;
  std::atomic<int32_t> finished{0}; ///< workers done with the region
  std::atomic<int32_t> arrived{0};  ///< at the current barrier
  std::atomic<uint32_t> barriers{0};
};

thread_local Team *currentTeam = nullptr;
thread_local int32_t currentIndex = 0;
thread_local int32_t requestedThreads = 0;

/// Runs the team's region as thread `index`.
void runRegion(Team &team, int32_t index) {
  Team *outerTeam = currentTeam;
  int32_t outerIndex = currentIndex;
  currentTeam = &team;
  currentIndex = index;
  int32_t gtid = index, btid = index;
  void **a = team.args;
  // A region is a function of exactly `argc` pointers after the two thread
  // ids (OpenMP's outlined functions are not variadic): call it through
  // that type, as libomp's microtask invoker does; calling it through the
  // variadic xf_parallel_region type would be undefined behaviour.
  using P = void *;
  using I = int32_t *;
  auto f = reinterpret_cast<void (*)()>(team.region);
  switch (team.argc) {
  case 0:
    reinterpret_cast<void (*)(I, I)>(f)(&gtid, &btid);
    break;
  case 1:
    reinterpret_cast<void (*)(I, I, P)>(f)(&gtid, &btid, a[0]);
    break;
  case 2:
    reinterpret_cast<void (*)(I, I, P, P)>(f)(&gtid, &btid, a[0], a[1]);
    break;
  case 3:
    reinterpret_cast<void (*)(I, I, P, P, P)>(f)(&gtid, &btid, a[0], a[1],
                                                 a[2]);
    break;
  case 4:
    reinterpret_cast<void (*)(I, I, P, P, P, P)>(f)(&gtid, &btid, a[0], a[1],
                                                    a[2], a[3]);
    break;
  case 5:
    reinterpret_cast<void (*)(I, I, P, P, P, P, P)>(f)(&gtid, &btid, a[0], a[1],
                                                       a[2], a[3], a[4]);
    break;
  case 6:
    reinterpret_cast<void (*)(I, I, P, P, P, P, P, P)>(f)(
        &gtid, &btid, a[0], a[1], a[2], a[3], a[4], a[5]);
    break;
  case 7:
    reinterpret_cast<void (*)(I, I, P, P, P, P, P, P, P)>(f)(
        &gtid, &btid, a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    break;
  default:
    reinterpret_cast<void (*)(I, I, P, P, P, P, P, P, P, P)>(f)(
        &gtid, &btid, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  }
  currentTeam = outerTeam;
  currentIndex = outerIndex;
}

/// $XF_THREAD_WAIT_MS (0 to 60000) if set and valid, else kDefaultWaitMs;
/// read when a worker starts (not on every wait: a getenv racing the
/// program's setenv is undefined).
int waitMs() {
  const char *text = std::getenv("XF_THREAD_WAIT_MS");
  if (!text || !*text)
    return kDefaultWaitMs;
  char *end = nullptr;
  long ms = std::strtol(text, &end, 10);
  return *end || ms < 0 || ms > 60000 ? kDefaultWaitMs : static_cast<int>(ms);
}

struct Worker {
  std::atomic<bool> claimed{false}; ///< by a fork, until its region is done
  std::atomic<Team *> team{nullptr};
  int32_t index = 0; ///< in `team`; written before `team` is published
  std::mutex mutex;
  std::condition_variable wake;
  bool sleeping = false;                    ///< guarded by `mutex`
  std::chrono::milliseconds wait{waitMs()}; ///< awake after a team
  std::thread thread;

  void hand(Team *t, int32_t i) {
    index = i;
    team.store(t, std::memory_order_release);
    std::lock_guard<std::mutex> lock(mutex);
    if (sleeping)
      wake.notify_one();
  }

  /// The next team, or null when the pool stops.
  Team *await(const std::atomic<bool> &stopping) {
    auto start = std::chrono::steady_clock::now();
    for (unsigned step = 0;; ++step) {
      if (Team *t = team.load(std::memory_order_acquire))
        return t;
      if (stopping.load(std::memory_order_relaxed))
        return nullptr;
      backOff(step);
      if (step % 64 == 63 && std::chrono::steady_clock::now() - start > wait)
        break;
    }
    std::unique_lock<std::mutex> lock(mutex);
    sleeping = true;
    wake.wait(lock, [&] {
      return team.load(std::memory_order_acquire) ||
             stopping.load(std::memory_order_relaxed);
    });
    sleeping = false;
    return team.load(std::memory_order_acquire);
  }

  void loop(const std::atomic<bool> &stopping) {
    while (Team *t = await(stopping)) {
      runRegion(*t, index);
      team.store(nullptr, std::memory_order_relaxed);
      // Claimable again before the fork learns it is done, so the fork's
      // next region finds it idle; `t` may be gone after the increment.
      claimed.store(false, std::memory_order_release);
      t->finished.fetch_add(1, std::memory_order_release);
    }
  }
};

class Pool;
Pool &pool();

class Pool {
public:
  Pool() {
    pthread_atfork(nullptr, nullptr, [] { pool().forgetWorkers(); });
  }

  ~Pool() {
    stopping.store(true);
    for (int i = 0; i < started.load(); ++i) {
      Worker &w = *workers[i];
      {
        std::lock_guard<std::mutex> lock(w.mutex);
        w.wake.notify_one();
      }
      w.thread.join();
    }
  }

  /// In a child process, where the workers' threads do not exist: forgets
  /// them (their objects leak: a std::thread without its thread cannot be
  /// destroyed), so the child's first fork starts its own.
  void forgetWorkers() {
    for (int i = 0; i < started.load(); ++i)
      workers[i].release();
    started.store(0);
    new (&startMutex) std::mutex(); // another thread may have held it
  }

  /// Claims up to `wanted` idle workers into `out`, starting workers up to
  /// `wanted` first; returns how many.
  int claim(int wanted, Worker **out) {
    wanted = std::min(wanted, kMaxWorkers);
    if (started.load(std::memory_order_acquire) < wanted)
      start(wanted);
    int n = 0, have = started.load(std::memory_order_acquire);
    for (int i = 0; i < have && n < wanted; ++i) {
      bool idle = false;
      if (workers[i]->claimed.compare_exchange_strong(
              idle, true, std::memory_order_acquire))
        out[n++] = workers[i].get();
    }
    return n;
  }

private:
  /// Starts workers up to `count`; stops early, keeping the pool smaller,
  /// when the system refuses a thread.
  void start(int count) {
    std::lock_guard<std::mutex> lock(startMutex);
    for (int i = started.load(); i < count; ++i) {
      auto w = std::make_unique<Worker>();
      try {
        Worker *raw = w.get();
        w->thread = std::thread([this, raw] { raw->loop(stopping); });
      } catch (const std::system_error &) {
        return;
      }
      workers[i] = std::move(w);
      started.store(i + 1, std::memory_order_release);
    }
  }

  std::unique_ptr<Worker> workers[kMaxWorkers];
  std::atomic<int> started{0};
  std::mutex startMutex;
  std::atomic<bool> stopping{false};
};

Pool &pool() {
  static Pool instance; // joined when the library is unloaded
  return instance;
}

int32_t defaultThreads() {
  static const int32_t count = [] {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
      return static_cast<int32_t>(CPU_COUNT(&set));
    unsigned n = std::thread::hardware_concurrency();
    return static_cast<int32_t>(n ? n : 1);
  }();
  return count;
}

/// Runs `team` with up to `wanted` threads, the caller included.
void runTeam(Team &team, int32_t wanted) {
  Worker *helpers[kMaxWorkers];
  int helperCount = wanted > 1 ? pool().claim(wanted - 1, helpers) : 0;
  team.size = helperCount + 1;
  for (int i = 0; i < helperCount; ++i)
    helpers[i]->hand(&team, i + 1);
  runRegion(team, 0);
  for (unsigned step = 0;
       team.finished.load(std::memory_order_acquire) != helperCount; ++step)
    backOff(step);
}

int32_t wantedThreads() {
  return currentTeam            ? 1
         : requestedThreads > 0 ? requestedThreads
                                : defaultThreads();
}

} // namespace

void xf_parallel_fork(void *, int32_t argc, xf_parallel_region region, ...) {
  Team team;
  team.region = region;
  team.argc = std::min(std::max(argc, 0), XF_PARALLEL_MAX_FORK_ARGS);
  va_list list;
  va_start(list, region);
  for (int32_t i = 0; i < team.argc; ++i)
    team.args[i] = va_arg(list, void *);
  va_end(list);
  runTeam(team, wantedThreads());
}

void xf_parallel_fork_if(void *, int32_t, xf_parallel_region region,
                         int32_t condition, void *args) {
  Team team;
  team.region = region;
  team.argc = args ? 1 : 0;
  team.args[0] = args;
  runTeam(team, condition ? wantedThreads() : 1);
}

int32_t xf_parallel_thread_id(void *) { return currentIndex; }

int32_t xf_parallel_team_size() { return currentTeam ? currentTeam->size : 1; }

void xf_parallel_barrier(void *, int32_t) {
  Team *team = currentTeam;
  if (!team || team->size == 1)
    return;
  uint32_t generation = team->barriers.load(std::memory_order_acquire);
  if (team->arrived.fetch_add(1, std::memory_order_acq_rel) == team->size - 1) {
    team->arrived.store(0, std::memory_order_relaxed);
    team->barriers.fetch_add(1, std::memory_order_release);
    return;
  }
  for (unsigned step = 0;
       team->barriers.load(std::memory_order_acquire) == generation; ++step)
    backOff(step);
}

__attribute__((visibility("default"))) void
xf_parallel_set_threads(int32_t threads) {
  requestedThreads = threads > 0 ? threads : 0;
}
