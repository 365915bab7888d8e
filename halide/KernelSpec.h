//===- KernelSpec.h - One Halide kernel as xfc asks for it ------*- C++ -*-===//
//
// xfc describes each op it hands to Halide as one line of text,
//   NAME KIND KEY=VALUE ...
// (docs/halide.md lists the kinds and keys), which xf-halide reads back. A
// line is all a kernel is: its buffers' ranks, element types and sizes come
// from the kind and the keys, and every size but the ones a key fixes is
// dynamic.
//
//===----------------------------------------------------------------------===//

#ifndef XF_HALIDE_KERNELSPEC_H
#define XF_HALIDE_KERNELSPEC_H

#include <map>
#include <string>
#include <vector>

namespace xf::halide {

struct KernelSpec {
  std::string name; ///< the C symbol the object defines
  std::string kind; ///< linear, attention, layer_norm, rms_norm
  std::map<std::string, std::string> keys;
  mutable std::vector<std::string> read; ///< keys a builder asked for

  /// The value of `key` as a flag (0/1), integer, float or word; false
  /// with `error` naming the kernel and key when it is missing or malformed.
  bool flag(const std::string &key, bool &out, std::string &error) const;
  bool integer(const std::string &key, long &out, std::string &error) const;
  bool number(const std::string &key, float &out, std::string &error) const;
  bool word(const std::string &key, std::string &out, std::string &error) const;
  /// The first key no builder asked for, or "" (a misspelt key is an error,
  /// not a default).
  std::string unreadKey() const;
};

/// Parses one spec line; false with `error` on a malformed one.
bool parseKernelSpec(const std::string &line, KernelSpec &out,
                     std::string &error);

/// Schedule knobs (`KIND.KNOB=VALUE` lines of a schedule file, docs/
/// halide.md): integers a schedule reads with a default.
class ScheduleKnobs {
public:
  /// Parses a schedule file's text ('#' starts a comment); false with
  /// `error` naming the line.
  bool parse(const std::string &text, std::string &error);
  int get(const std::string &kind, const std::string &knob, int fallback) const;
  /// Knobs no schedule asked for (misspelt or for an unknown kind).
  std::vector<std::string> unused() const;

private:
  std::map<std::string, int> values;
  mutable std::map<std::string, bool> used;
};

} // namespace xf::halide

#endif // XF_HALIDE_KERNELSPEC_H
