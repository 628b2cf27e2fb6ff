// What the comparison benchmarks share: an optional thread pool, benchmark
// names, the --threads list, and a reporter that keeps each benchmark's
// GOPS (the median with --benchmark_repetitions) for the summary table.
#ifndef LOWBIT_BENCH_BENCH_COMMON_H_
#define LOWBIT_BENCH_BENCH_COMMON_H_

#include <benchmark/benchmark.h>
#include <pthreadpool.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace lowbit_bench {

struct PoolDeleter {
  void operator()(pthreadpool_t p) const { pthreadpool_destroy(p); }
};
using Pool = std::unique_ptr<pthreadpool, PoolDeleter>;

// nullptr (the calling thread) for one thread.
inline Pool MakePool(size_t threads) {
  return Pool(threads > 1 ? pthreadpool_create(threads) : nullptr);
}

// "impl/shape/threads:N", the name every benchmark registers under.
template <class Shape>
std::string Name(const char* impl, const Shape& s, size_t threads) {
  return std::string(impl) + "/" + s.name + "/threads:" +
         std::to_string(threads);
}

// "1,2" -> {1, 2}.
inline std::vector<size_t> ParseThreads(const char* list) {
  std::vector<size_t> threads;
  for (char* p = const_cast<char*>(list); *p != '\0';) {
    threads.push_back(std::strtoul(p, &p, 10));
    if (*p == ',') ++p;
  }
  return threads;
}

class TableReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    // With --benchmark_repetitions the median stands for the benchmark.
    for (const Run& r : runs) {
      const bool median = r.run_type == Run::RT_Aggregate &&
                          r.aggregate_name == "median";
      if (r.error_occurred || (r.run_type != Run::RT_Iteration && !median)) {
        continue;
      }
      const auto it = r.counters.find("items_per_second");
      if (it == r.counters.end()) continue;
      const std::string& name = r.run_name.function_name;
      if (median || medians_.count(name) == 0) gops_[name] = it->second / 1e9;
      if (median) medians_.insert(name);
    }
  }
  double Gops(const std::string& name) const {
    const auto it = gops_.find(name);
    return it == gops_.end() ? 0.0 : it->second;
  }
  // A peer's table cell: its GOPS and lowbit / peer, or "-" where it did
  // not run (filtered out, or not built).
  // "GOPS ratio" of x against base, or dashes when x did not run.
  static std::string RatioCell(double x, double base) {
    char buf[32] = "      -     -";
    if (x > 0) {
      std::snprintf(buf, sizeof(buf), "%7.1f %5.2f", x,
                    base > 0 ? x / base : 0.0);
    }
    return buf;
  }
  std::string Cell(const std::string& peer, double lowbit) const {
    const double gops = Gops(peer);
    char buf[32];
    if (gops > 0) {
      std::snprintf(buf, sizeof(buf), "%7.1f %5.2f", gops, lowbit / gops);
    } else {
      std::snprintf(buf, sizeof(buf), "%7s %5s", "-", "-");
    }
    return buf;
  }

 private:
  std::map<std::string, double> gops_;
  std::set<std::string> medians_;
};

}  // namespace lowbit_bench

#endif  // LOWBIT_BENCH_BENCH_COMMON_H_
