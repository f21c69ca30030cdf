// The scratch a RecurrentLearner's forward and backward passes run in (an unpacked step and the
// backward carries), one per network shape in the process rather than one per learner: every use
// is synchronous and starts by writing what it reads, so learners of one shape (a worker's
// per-stream models) can share it. Not state: nothing in it survives a call.
//
// Dimensions: X inputs, K outputs.

import { backwardScratchFloats, createBackwardScratch, type BackwardScratch } from './recurrent-net.ts';
import type { RecurrentLayout } from './recurrent-layout.ts';
import { createStepCache, stepCacheFloats, type StepCache } from './ring.ts';

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
  const key = `${X}:${layout.head.K}:${layout.layers.map((L) => `${L.cell}/${L.H}/${L.nG}`).join(',')}`;
  let w = workspaces.get(key);
  if (w !== undefined) {
    workspaces.delete(key); // re-inserted below: the Map's order is the LRU order
  } else {
    w = Object.freeze({ step: createStepCache(layout, X), backward: createBackwardScratch(layout) });
    if (workspaces.size >= MAX_WORKSPACE_SHAPES) workspaces.delete(workspaces.keys().next().value!);
  }
  workspaces.set(key, w);
  return w;
}

/** The float64 arrays a workspace of this shape is made of, in the order ownWorkspace takes them. */
export function workspaceArrays(layout: RecurrentLayout, X: number): number[] {
  return [stepCacheFloats(layout, X), ...backwardScratchFloats(layout, true)];
}

/** A workspace of one learner's own, every array taken from `alloc` (its wasm kernels' memory). */
export function ownWorkspace(layout: RecurrentLayout, X: number, alloc: (n: number) => Float64Array): Workspace {
  return Object.freeze({ step: createStepCache(layout, X, alloc(stepCacheFloats(layout, X))), backward: createBackwardScratch(layout, alloc, true) });
}
