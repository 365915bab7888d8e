//===- Profile.cpp - The profile of a --profile library, through the C API ===//
//
// xf_model_profile and xf_model_profile_reset read and zero the slots the
// library's timers fill (ProfileHooks.cpp), named by its xf_profile_names;
// xf_model_profile_trace and _events reach the library's own trace.
//
//===----------------------------------------------------------------------===//

#include "runtime/src/Model.h"
#include <sstream>

using xf::rt::makeStatus;

std::vector<std::array<std::string, 3>>
xf::rt::parseProfileNames(const char *names) {
  std::vector<std::array<std::string, 3>> out;
  std::istringstream lines(names);
  std::string line;
  while (std::getline(lines, line)) {
    std::array<std::string, 3> fields;
    std::istringstream words(line);
    for (std::string &field : fields)
      std::getline(words, field, '\t');
    out.push_back(fields);
  }
  return out;
}

namespace {
xf_status *notProfiled(const xf_model *model, const char *function) {
  if (!model)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      std::string(function) + ": null model");
  if (!model->profileSlots || !model->profileTrace ||
      !model->profileTraceEvents)
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      std::string(function) +
                          ": the library was not compiled with --profile");
  return nullptr;
}
} // namespace

xf_status *xf_model_profile(const xf_model *model, xf_profile_region *regions,
                            size_t capacity, size_t *count) {
  if (xf_status *s = notProfiled(model, "xf_model_profile"))
    return s;
  if (!count || (capacity && !regions))
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_model_profile: null count or regions");
  size_t n = model->profileRegions.size();
  *count = n;
  for (size_t i = 0; i < n && i < capacity; ++i) {
    const auto &[opClass, ops, location] = model->profileRegions[i];
    regions[i] = {opClass.c_str(), ops.c_str(), location.c_str(),
                  uint64_t(__atomic_load_n(&model->profileSlots[i][1],
                                           __ATOMIC_RELAXED)),
                  uint64_t(__atomic_load_n(&model->profileSlots[i][0],
                                           __ATOMIC_RELAXED)),
                  uint64_t(__atomic_load_n(&model->profileSlots[i][2],
                                           __ATOMIC_RELAXED))};
  }
  return nullptr;
}

xf_status *xf_model_profile_reset(xf_model *model) {
  if (xf_status *s = notProfiled(model, "xf_model_profile_reset"))
    return s;
  for (size_t i = 0; i < model->profileRegions.size(); ++i)
    for (int j = 0; j < 3; ++j)
      __atomic_store_n(&model->profileSlots[i][j], 0, __ATOMIC_RELAXED);
  return nullptr;
}

xf_status *xf_model_profile_trace(xf_model *model, int enable) {
  if (xf_status *s = notProfiled(model, "xf_model_profile_trace"))
    return s;
  model->profileTrace(enable != 0);
  return nullptr;
}

xf_status *xf_model_profile_events(const xf_model *model,
                                   xf_profile_event *events, size_t capacity,
                                   size_t *count) {
  if (xf_status *s = notProfiled(model, "xf_model_profile_events"))
    return s;
  if (!count || (capacity && !events))
    return makeStatus(XF_STATUS_INVALID_ARGUMENT,
                      "xf_model_profile_events: null count or events");
  *count = model->profileTraceEvents(events, capacity);
  return nullptr;
}
