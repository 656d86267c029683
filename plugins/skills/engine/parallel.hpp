#pragma once
// for_each_index: calls fn(i) for every i in [0, n) on up to four threads (the catalogue's
// parsing and tokenising are independent per skill and are most of a reload's time). fn must
// be thread-safe for distinct i; the call returns when every index is done.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace agentsys::skills {

template <typename Fn>
void for_each_index(size_t n, Fn fn, size_t per_thread = 64) {
  std::atomic<size_t> next{0};
  const auto work = [&] {
    for (size_t i = next++; i < n; i = next++) fn(i);
  };
  const size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::min<size_t>({4, hardware, 1 + n / per_thread});
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace agentsys::skills
