// The scratch a RecurrentLearner's forward and backward passes run in (an unpacked step and the
// backward carries), one per network shape in the process rather than one per learner: every use
// is synchronous and starts by writing what it reads, so learners of one shape (a worker's
// per-stream models) can share it. Not state: nothing in it survives a call.
//
// Dimensions: X inputs, K outputs.

import { backwardScratchFloats, createBackwardScratch, type BackwardScratch } from './recurrent-net.ts';
import type { RecurrentLayout } from './recurrent-layout.ts';
import { createStepCache, stepCacheFloats, type StepCache } from './ring.ts';
import { kernelBackend } from './wasm-kernels.ts';
import { SingleKernels, WASM_SINGLE_MIN_WEIGHTS } from './wasm-single.ts';

/** Shapes whose workspace is kept for new learners; beyond this the least recently asked for is dropped (learners holding it keep it). */
export const MAX_WORKSPACE_SHAPES = 16;

export interface Workspace {
  /** The step being computed or backpropagated, unpacked. */
  readonly step: StepCache;
  readonly backward: BackwardScratch;
}

const workspaces = new Map<string, Workspace>();

/** The shared workspace for networks of `layout`'s shape with X inputs (created on first use). */
export function workspaceFor(layout: RecurrentLayout, X: number): Workspace {
  return recentShape(workspaces, shapeKey(layout, X), () => Object.freeze({ step: createStepCache(layout, X), backward: createBackwardScratch(layout) }));
}

/**
 * map[key], made by `make` on first use; the Map's order is the LRU order, and beyond
 * MAX_WORKSPACE_SHAPES entries the least recently asked for is dropped (holders keep theirs).
 */
function recentShape<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (v !== undefined) {
    map.delete(key); // re-inserted below
  } else {
    v = make();
    if (map.size >= MAX_WORKSPACE_SHAPES) map.delete(map.keys().next().value!);
  }
  map.set(key, v);
  return v;
}

/** The float64 arrays a workspace of this shape is made of, in the order ownWorkspace takes them. */
export function workspaceArrays(layout: RecurrentLayout, X: number): number[] {
  return [stepCacheFloats(layout, X), ...backwardScratchFloats(layout, true)];
}

/** A workspace of one learner's own, every array taken from `alloc` (its wasm kernels' memory). */
export function ownWorkspace(layout: RecurrentLayout, X: number, alloc: (n: number) => Float64Array): Workspace {
  return Object.freeze({ step: createStepCache(layout, X, alloc(stepCacheFloats(layout, X))), backward: createBackwardScratch(layout, alloc, true) });
}

function shapeKey(layout: RecurrentLayout, X: number): string {
  return `${X}:${layout.head.K}:${layout.layers.map((L) => `${L.cell}/${L.H}/${L.nG}`).join(',')}`;
}

/**
 * Single-stream wasm kernels shared by every learner of one shape that has none of its own
 * (RecurrentLearner's `build.kernels: 'shared'`, the worker's per-stream models): one memory per
 * shape holding a workspace, a params slot and a gradient slot. A learner copies its params (and,
 * for a backward pass, its gradient) in, runs the kernels there, and copies the gradient back: the
 * kernels' bits (the JS kernels' bits) for the price of those copies, without a memory per model.
 * Calls are synchronous, so learners of one shape can take turns, as with workspaceFor.
 */
export interface KernelStage {
  readonly kern: SingleKernels;
  readonly params: Float64Array;
  readonly grad: Float64Array;
  readonly workspace: Workspace;
  /** What SingleKernels counts the memory live by: kept as long as the stage is. */
  readonly owner: object;
}

const stages = new Map<string, KernelStage | null>();

/** The shared kernels for `layout`'s shape with X inputs, or null (backend 'js', too small, no wasm). */
export function kernelStageFor(layout: RecurrentLayout, X: number): KernelStage | null {
  if (kernelBackend() !== 'wasm' || layout.size < WASM_SINGLE_MIN_WEIGHTS) return null;
  return recentShape(stages, `${shapeKey(layout, X)}:${layout.size}`, () => {
    const owner = {};
    const kern = SingleKernels.create([layout.size, layout.size, ...workspaceArrays(layout, X)], owner);
    if (kern === null) return null;
    return Object.freeze({ kern, params: kern.alloc(layout.size), grad: kern.alloc(layout.size), workspace: ownWorkspace(layout, X, (n) => kern.alloc(n)), owner });
  });
}
