//===- LoopSchedule.cpp - OpenMP loops deal out their own chunks ----------===//
//
// Rewrites each OpenMP worksharing loop so that its threads claim ranges of
// its iterations through atomic counters instead of asking an OpenMP
// dispatcher (see the pass description in codegen/Passes.td):
//
//   omp.parallel {                   %claims[0..16) = 0 (an alloca of the
//     omp.wsloop {                     function); total = trip counts' product
//       omp.loop_nest (%i, %j) = ... → omp.parallel if (total is worth it) {
//         body                           for k in [0, 16):
//     }                                    r = (t*16/p + k) % 16
//   }                                      if range r is not empty and
//                                             fetch-and-add(%claims[r]) == 0:
//                                            for l in range r:
//                                              (%i, %j) = delinearize(l)
//                                              body
//                                        }
//
// A body without loops runs its innermost dimension in blocks of
// kInnerBlock iterations, each a whole scf.for that LLVM vectorizes (the
// ranges then split the other dimensions and the blocks).
//
//===----------------------------------------------------------------------===//

#include "codegen/Passes.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

namespace mlir::xf {
#define GEN_PASS_DEF_XFCPULOOPSCHEDULEPASS
#include "codegen/Passes.h.inc"
} // namespace mlir::xf

using namespace mlir;

namespace {

constexpr StringLiteral kNumThreads = "omp_get_num_threads";
/// The calling thread's index in its team: OpenMP's global thread number,
/// which xf's pool (runtime/src/Parallel.h) defines as that index. The
/// OpenMP lowering emits the same call (with its source location, which the
/// pool ignores) and xfc binds it to the pool.
constexpr StringLiteral kThreadNum = "__kmpc_global_thread_num";
/// The ranges a loop's iterations are split into. Thread t of p first runs
/// its own block of them, [t R / p, (t + 1) R / p), so that a loop run again
/// (the same layer at the next generation step) gives each thread the same
/// iterations as before, whose weights are still in that core's caches;
/// then it claims the others' ranges that nobody has started, so a core
/// slowed by other work hands over all but its current range.
constexpr int64_t kRanges = 16;
/// Iterations of an elementwise loop's innermost dimension per block: one
/// vectorized inner loop, and a unit of work large enough to deal out.
constexpr int64_t kInnerBlock = 1024;
/// Fewer iterations of an elementwise loop than this run without forking.
constexpr int64_t kMinForkIterations = 16384;

/// Whether the pass can take over `loop`'s schedule: nothing but one loop
/// nest of one block, with no clause, directly in an omp.parallel that is
/// not inside another (its counters, in the function's frame, are then used
/// by one team at a time).
bool canDealOut(omp::WsloopOp loop) {
  auto nest = dyn_cast<omp::LoopNestOp>(loop.getWrappedLoop());
  auto parallel = dyn_cast<omp::ParallelOp>(loop->getParentOp());
  return nest && parallel && !parallel->getParentOfType<omp::ParallelOp>() &&
         loop->getParentOfType<FunctionOpInterface>() &&
         loop->getNumOperands() == 0 && !loop.getScheduleKindAttr() &&
         !loop.getOrderedAttr() && !loop.getNowaitAttr() &&
         nest.getRegion().hasOneBlock();
}

/// Replaces `loop` by kRanges ranges claimed through counters that start at
/// 0 before its omp.parallel.
void dealOut(omp::WsloopOp loop, func::FuncOp numThreads,
             func::FuncOp threadNum) {
  auto nest = cast<omp::LoopNestOp>(loop.getWrappedLoop());
  auto parallel = cast<omp::ParallelOp>(loop->getParentOp());
  Location loc = loop.getLoc();
  // The counters live in the function's frame (an alloca next to a loop
  // would grow the stack on every trip) and restart before each region.
  auto fn = loop->getParentOfType<FunctionOpInterface>();
  OpBuilder b = OpBuilder::atBlockBegin(&fn.getFunctionBody().front());
  Type i64 = b.getI64Type();
  Value claimed =
      memref::AllocaOp::create(b, loc, MemRefType::get({kRanges}, i64));
  b.setInsertionPoint(parallel);
  Value unclaimed = arith::ConstantIntOp::create(b, loc, 0, 64);
  scf::ForOp::create(b, loc, arith::ConstantIndexOp::create(b, loc, 0),
                     arith::ConstantIndexOp::create(b, loc, kRanges),
                     arith::ConstantIndexOp::create(b, loc, 1), ValueRange{},
                     [&](OpBuilder &zb, Location, Value r, ValueRange) {
                       memref::StoreOp::create(zb, loc, unclaimed, claimed,
                                               ValueRange{r});
                       scf::YieldOp::create(zb, loc);
                     });

  // Trip counts before the region when its bounds come from outside (they
  // then also decide whether to fork), else inside it.
  bool boundsOutside = llvm::none_of(nest->getOperands(), [&](Value v) {
    return parallel.getRegion().isAncestor(v.getParentRegion());
  });
  b.setInsertionPoint(boundsOutside ? parallel.getOperation()
                                    : loop.getOperation());
  auto cst = [&](int64_t v) {
    return arith::ConstantIntOp::create(b, loc, v, 64);
  };
  auto toI64 = [&](Value v) {
    return v.getType() == i64 ? v : arith::IndexCastOp::create(b, loc, i64, v);
  };
  // A body without loops of its own (elementwise work) runs its innermost
  // dimension in blocks of kInnerBlock iterations, each a whole inner loop
  // that LLVM vectorizes; the ranges split the other dimensions and
  // the blocks. Otherwise they split single iterations.
  auto ivs = nest.getRegion().front().getArguments();
  int64_t rank = ivs.size();
  bool blocked =
      !nest.getRegion()
           .walk([](LoopLikeOpInterface) { return WalkResult::interrupt(); })
           .wasInterrupted();
  // Trip counts (an empty or reversed range has none; the innermost of a
  // blocked nest counts blocks), and their product.
  SmallVector<Value> trips;
  Value total = cst(1), zero = cst(0), one = cst(1), iterations = total;
  for (auto [lb, ub, step] :
       llvm::zip(nest.getLoopLowerBounds(), nest.getLoopUpperBounds(),
                 nest.getLoopSteps())) {
    Value span = arith::SubIOp::create(b, loc, toI64(ub), toI64(lb));
    if (nest.getLoopInclusive())
      span = arith::AddIOp::create(b, loc, span, one);
    Value trip = arith::MaxSIOp::create(
        b, loc, zero, arith::CeilDivSIOp::create(b, loc, span, toI64(step)));
    if (blocked) // elements, before the innermost dimension is blocked
      iterations = arith::MulIOp::create(b, loc, iterations, trip);
    if (blocked && int64_t(trips.size()) == rank - 1)
      trip = arith::CeilDivSIOp::create(b, loc, trip, cst(kInnerBlock));
    trips.push_back(trip);
    total = arith::MulIOp::create(b, loc, total, trip);
  }
  // Work that cannot pay for waking the team runs on the calling thread
  // alone: one iteration, or elementwise work of few elements (decided
  // for a region that is nothing but this loop).
  bool soleLoop = &parallel.getRegion().front().front() == loop &&
                  isa<omp::TerminatorOp>(loop->getNextNode());
  if (boundsOutside && soleLoop && !parallel.getIfExpr())
    parallel.getIfExprMutable().assign(arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::sge, blocked ? iterations : total,
        cst(blocked ? kMinForkIterations : 2)));
  b.setInsertionPoint(loop);
  auto callI64 = [&](func::FuncOp f, ValueRange args) -> Value {
    return arith::ExtSIOp::create(
        b, loc, i64, func::CallOp::create(b, loc, f, args).getResult(0));
  };
  Value threads = callI64(numThreads, {});
  Value thread = callI64(
      threadNum, ValueRange{LLVM::ZeroOp::create(
                     b, loc, LLVM::LLVMPointerType::get(b.getContext()))});
  Value ranges = cst(kRanges);
  // Thread t starts at its own block of ranges, [t R / p, (t + 1) R / p),
  // then goes on to the others' ranges that are still unclaimed.
  Value own = arith::DivSIOp::create(
      b, loc, arith::MulIOp::create(b, loc, thread, ranges), threads);
  scf::ForOp::create(
      b, loc, zero, ranges, one, ValueRange{},
      [&](OpBuilder &wb, Location, Value k, ValueRange) {
        Value r = arith::RemSIOp::create(
            wb, loc, arith::AddIOp::create(wb, loc, own, k), ranges);
        auto boundOf = [&](Value range) -> Value {
          return arith::DivSIOp::create(
              wb, loc, arith::MulIOp::create(wb, loc, range, total), ranges);
        };
        Value start = boundOf(r);
        Value end = boundOf(arith::AddIOp::create(wb, loc, r, one));
        Value nonEmpty = arith::CmpIOp::create(
            wb, loc, arith::CmpIPredicate::slt, start, end);
        auto ifNonEmpty = scf::IfOp::create(wb, loc, nonEmpty);
        wb.setInsertionPointToStart(&ifNonEmpty.getThenRegion().front());
        Value claims = memref::AtomicRMWOp::create(
            wb, loc, arith::AtomicRMWKind::addi, one, claimed,
            ValueRange{
                arith::IndexCastOp::create(wb, loc, wb.getIndexType(), r)});
        Value mine = arith::CmpIOp::create(wb, loc, arith::CmpIPredicate::eq,
                                           claims, zero);
        auto ifMine = scf::IfOp::create(wb, loc, mine);
        wb.setInsertionPointToStart(&ifMine.getThenRegion().front());
        // The chunk's first position per dimension (one division per
        // dimension and chunk), then stepped innermost first with carries.
        SmallVector<Value> first(rank);
        Value rest = start;
        for (int64_t d = rank - 1; d > 0; --d) {
          first[d] = arith::RemSIOp::create(wb, loc, rest, trips[d]);
          rest = arith::DivSIOp::create(wb, loc, rest, trips[d]);
        }
        first[0] = rest;
        scf::ForOp::create(
            wb, loc, start, end, one, first,
            [&](OpBuilder &fb, Location, Value, ValueRange pos) {
              IRMapping map;
              for (int64_t d = 0; d < (blocked ? rank - 1 : rank); ++d) {
                Value iv = arith::AddIOp::create(
                    fb, loc, toI64(nest.getLoopLowerBounds()[d]),
                    arith::MulIOp::create(fb, loc, pos[d],
                                          toI64(nest.getLoopSteps()[d])));
                map.map(ivs[d], ivs[d].getType() == i64
                                    ? iv
                                    : arith::IndexCastOp::create(
                                          fb, loc, ivs[d].getType(), iv)
                                          .getResult());
              }
              auto cloneBody = [&](OpBuilder &cb) {
                for (Operation &op :
                     nest.getRegion().front().without_terminator())
                  cb.clone(op, map);
              };
              if (!blocked) {
                cloneBody(fb);
              } else {
                // Block pos[rank - 1] of the innermost dimension.
                Type t = ivs.back().getType();
                auto asT = [&](Value v) -> Value {
                  return v.getType() == t
                             ? v
                             : arith::IndexCastOp::create(fb, loc, t, v);
                };
                Value step = nest.getLoopSteps().back();
                Value width = arith::MulIOp::create(
                    fb, loc, step,
                    arith::ConstantOp::create(
                        fb, loc, fb.getIntegerAttr(t, kInnerBlock)));
                Value lo = arith::AddIOp::create(
                    fb, loc, nest.getLoopLowerBounds().back(),
                    arith::MulIOp::create(fb, loc, asT(pos.back()), width));
                Value ub = nest.getLoopUpperBounds().back();
                if (nest.getLoopInclusive())
                  ub = arith::AddIOp::create(
                      fb, loc, ub,
                      arith::ConstantOp::create(fb, loc,
                                                fb.getIntegerAttr(t, 1)));
                Value hi = arith::MinSIOp::create(
                    fb, loc, ub, arith::AddIOp::create(fb, loc, lo, width));
                scf::ForOp::create(
                    fb, loc, lo, hi, step, ValueRange{},
                    [&](OpBuilder &ib, Location, Value iv, ValueRange) {
                      map.map(ivs.back(), iv);
                      cloneBody(ib);
                      scf::YieldOp::create(ib, loc);
                    });
              }
              SmallVector<Value> next(rank);
              Value carry = arith::ConstantIntOp::create(fb, loc, 1, 1);
              for (int64_t d = rank - 1; d >= 0; --d) {
                Value bumped = arith::AddIOp::create(
                    fb, loc, pos[d],
                    arith::ExtUIOp::create(fb, loc, i64, carry));
                if (!d) {
                  next[d] = bumped;
                  break;
                }
                Value wrap = arith::CmpIOp::create(
                    fb, loc, arith::CmpIPredicate::eq, bumped, trips[d]);
                next[d] = arith::SelectOp::create(fb, loc, wrap, zero, bumped);
                carry = wrap;
              }
              scf::YieldOp::create(fb, loc, next);
            });
        wb.setInsertionPointAfter(ifNonEmpty);
        scf::YieldOp::create(wb, loc);
      });
  // The worksharing loop ended with a barrier; the region's end has one.
  if (!isa<omp::TerminatorOp>(loop->getNextNode()))
    omp::BarrierOp::create(b, loc);
  loop.erase();
}

struct XfCpuLoopSchedulePass final
    : xf::impl::XfCpuLoopSchedulePassBase<XfCpuLoopSchedulePass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<omp::WsloopOp> loops;
    module.walk([&](omp::WsloopOp loop) {
      if (canDealOut(loop))
        loops.push_back(loop);
    });
    if (loops.empty())
      return;
    auto declare = [&](StringLiteral name, TypeRange args) {
      if (auto f = module.lookupSymbol<func::FuncOp>(name))
        return f;
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      auto f = func::FuncOp::create(b, module.getLoc(), name,
                                    b.getFunctionType(args, {b.getI32Type()}));
      f.setPrivate();
      return f;
    };
    func::FuncOp numThreads = declare(kNumThreads, {}),
                 threadNum =
                     declare(kThreadNum,
                             {LLVM::LLVMPointerType::get(module.getContext())});
    for (omp::WsloopOp loop : loops)
      dealOut(loop, numThreads, threadNum);
  }
};

} // namespace
