// Weight count of a 1997-family LSTM topology, derived from the config alone (LSTM-SPEC 1.1, 4.0).
// A cross-check on the experiment configs, independent of the network implementation; it does not
// build or validate a network.
//
// Hidden units  U = C·S cells + C input gates + C output gates (if any) + C forget gates (if any)
//                   + H conventional hidden units.
// Each of them reads z = [x (I); all U hidden activations, if cellSources = 'all'; 1 if biased].
// Peepholes: each gate of block j has one weight per cell of its block (S per gate).
// Each of the K outputs reads o = [C·S cell outputs; H conventional units; x if connectivity 'B';
// 1 if biased]: every non-gate unit (paper App. A.1, "u not a gate"). Conventional units feeding
// the outputs is what reproduces the paper's RTRL baseline counts (36, 144, 10,404); none of the
// LSTM rows has conventional units, so their counts do not depend on it.
// The CEC self-weight 1.0 is fixed and not counted.

import type { Lstm97Config } from '@carousel/lstm';

/** The number of trainable weights (biases included) of the network `cfg` describes. */
export function lstm97WeightCount(cfg: Lstm97Config): number {
  const I = cfg.inputs;
  const K = cfg.outputs;
  const C = cfg.blocks;
  const S = cfg.cellsPerBlock ?? 1;
  const H = cfg.hiddenUnits ?? 0;
  const outGate = cfg.outputGate ?? true;
  const forget = cfg.forgetGate ?? false;
  const gatesPerBlock = 1 + (outGate ? 1 : 0) + (forget ? 1 : 0);
  const cells = C * S;
  const gates = C * gatesPerBlock;
  const U = cells + gates + H;
  const fanIn = I + ((cfg.cellSources ?? 'all') === 'all' ? U : 0);
  const bias = cfg.biases ?? {};
  const b = (flag: boolean | undefined): number => ((flag ?? true) ? 1 : 0);

  const hidden =
    cells * (fanIn + b(bias.cells)) + gates * (fanIn + b(bias.gates)) + H * (fanIn + b(bias.hidden));
  const peep = cfg.peepholes ? gates * S : 0;
  const outFanIn = cells + H + ((cfg.connectivity ?? 'F') === 'B' ? I : 0) + b(bias.outputs);
  return hidden + peep + K * outFanIn;
}
