//===- KernelSpec.cpp - Kernel spec lines and schedule knobs --------------===//

#include "halide/KernelSpec.h"
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

using namespace xf::halide;

namespace {
bool missing(const KernelSpec &spec, const std::string &key,
             std::string &error) {
  error = "kernel '" + spec.name + "' (" + spec.kind + "): missing key '" +
          key + "'";
  return false;
}
bool malformed(const KernelSpec &spec, const std::string &key,
               const std::string &value, const char *what,
               std::string &error) {
  error = "kernel '" + spec.name + "' (" + spec.kind + "): " + key + "=" +
          value + " is not " + what;
  return false;
}
} // namespace

bool KernelSpec::word(const std::string &key, std::string &out,
                      std::string &error) const {
  auto it = keys.find(key);
  if (it == keys.end())
    return missing(*this, key, error);
  read.push_back(key);
  out = it->second;
  return true;
}

/// `key`'s whole value read by `parse` (strtol/strtof style).
template <typename T, typename Parse>
static bool parsed(const KernelSpec &spec, const std::string &key, T &out,
                   const char *what, Parse parse, std::string &error) {
  std::string v;
  if (!spec.word(key, v, error))
    return false;
  char *end = nullptr;
  errno = 0;
  out = parse(v.c_str(), &end);
  if (v.empty() || *end || errno)
    return malformed(spec, key, v, what, error);
  return true;
}

bool KernelSpec::integer(const std::string &key, long &out,
                         std::string &error) const {
  return parsed(*this, key, out, "an integer",
                [](const char *s, char **end) { return std::strtol(s, end, 10); },
                error);
}

bool KernelSpec::flag(const std::string &key, bool &out,
                      std::string &error) const {
  long v = 0;
  if (!integer(key, v, error))
    return false;
  if (v != 0 && v != 1)
    return malformed(*this, key, std::to_string(v), "0 or 1", error);
  out = v;
  return true;
}

bool KernelSpec::number(const std::string &key, float &out,
                        std::string &error) const {
  return parsed(*this, key, out, "a number",
                [](const char *s, char **end) { return std::strtof(s, end); },
                error);
}

std::string KernelSpec::unreadKey() const {
  for (const auto &[key, value] : keys)
    if (std::find(read.begin(), read.end(), key) == read.end())
      return key;
  return "";
}

bool xf::halide::parseKernelSpec(const std::string &line, KernelSpec &out,
                                 std::string &error) {
  std::istringstream words(line);
  out = KernelSpec();
  if (!(words >> out.name >> out.kind)) {
    error = "malformed kernel line '" + line + "' (expected NAME KIND KEY=VALUE...)";
    return false;
  }
  std::string item;
  while (words >> item) {
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      error = "kernel '" + out.name + "': '" + item + "' is not KEY=VALUE";
      return false;
    }
    if (!out.keys.emplace(item.substr(0, eq), item.substr(eq + 1)).second) {
      error = "kernel '" + out.name + "': key '" + item.substr(0, eq) +
              "' given twice";
      return false;
    }
  }
  return true;
}

bool ScheduleKnobs::parse(const std::string &text, std::string &error) {
  std::istringstream lines(text);
  std::string line;
  for (int number = 1; std::getline(lines, line); ++number) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    std::string item, extra;
    if (!(words >> item))
      continue;
    size_t eq = item.find('='), dot = item.find('.');
    char *end = nullptr;
    long value = eq == std::string::npos
                     ? 0
                     : std::strtol(item.c_str() + eq + 1, &end, 10);
    if (eq == std::string::npos || dot == std::string::npos || dot > eq ||
        !end || *end || end == item.c_str() + eq + 1 || (words >> extra) ||
        value < 1 || value > 4096) {
      error = "line " + std::to_string(number) + ": '" + line +
              "' is not KIND.KNOB=N (1 <= N <= 4096)";
      return false;
    }
    values[item.substr(0, eq)] = int(value);
  }
  return true;
}

int ScheduleKnobs::get(const std::string &kind, const std::string &knob,
                       int fallback) const {
  std::string key = kind + "." + knob;
  used[key] = true;
  auto it = values.find(key);
  return it == values.end() ? fallback : it->second;
}

std::vector<std::string> ScheduleKnobs::unused() const {
  std::vector<std::string> out;
  for (const auto &[key, value] : values)
    if (!used.count(key))
      out.push_back(key);
  return out;
}
