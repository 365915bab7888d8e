//===- LoopSchedule.cpp - Run-time schedules for OpenMP loops -------------===//
//
// Gives every OpenMP worksharing loop without a schedule `schedule(runtime)`,
// so the runtime chooses how iterations are dealt out (see the pass
// description in codegen/Passes.td).
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFCPULOOPSCHEDULEPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

struct XfCpuLoopSchedulePass final
    : xf::impl::XfCpuLoopSchedulePassBase<XfCpuLoopSchedulePass> {
  using Base::Base;
  void runOnOperation() override {
    auto runtime = omp::ClauseScheduleKindAttr::get(
        &getContext(), omp::ClauseScheduleKind::Runtime);
    getOperation()->walk([&](omp::WsloopOp loop) {
      if (!loop.getScheduleKindAttr())
        loop.setScheduleKindAttr(runtime);
    });
  }
};

} // namespace
