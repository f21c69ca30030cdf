// Public entry of @carousel/simulator: stream generators with ground truth, audio features, the
// Simulator that publishes them, CSV replay. Everything public is listed here by name.

export { SENSOR_ANOMALY_KINDS, type AnomalyKind, type Point } from './point.ts';
export {
  DEFAULT_ANOMALY_MIN_GAP, DEFAULT_ANOMALY_RATE, DEFAULT_SENSOR_NOISE, DEFAULT_SENSOR_PERIOD_MS, listSensorAnomalies, sensorAnomalies,
  sensors, type AnomalyWindow, type SensorOptions,
} from './sensors.ts';
export { labelsCsv, labelsNab, timedWindows, writeLabels, type LabelWindow } from './labels.ts';
export {
  DEFAULT_PLANT_AMPLITUDE, DEFAULT_PLANT_DELAY, DEFAULT_PLANT_GAIN, DEFAULT_PLANT_GAP, DEFAULT_PLANT_INPUT, DEFAULT_PLANT_NOISE,
  DEFAULT_PLANT_PERIOD_MS, DEFAULT_PLANT_POLE, DEFAULT_PLANT_WIDTH, PLANT_CHANNELS, parsePlantOptions, plant, type PlantOptions,
  type PlantPoint, type ResolvedPlantOptions,
} from './plant.ts';
export { fitAutoregression, lagFeatures, solveNormal, type Autoregression } from './baselines.ts';
export { decodeWav, encodeWav, readWav, writeWav, type Wav, type WavFormat } from './wav.ts';
export { fft, hann, isPowerOfTwo, powerSpectrum } from './fft.ts';
export { dct2, hzToMel, logMel, melFilterbank, melToHz, type MelFilterbank } from './mel.ts';
export {
  DEFAULT_FRAME, DEFAULT_HOP, DEFAULT_MELS, DEFAULT_SAMPLE_RATE, audioFeatures, frameCount, synthesizeAudio,
  type AudioFeatureOptions, type SyntheticAudio, type SyntheticAudioOptions,
} from './audio.ts';
export { MemoryPublisher, SYSTEM_CLOCK, virtualClock, type Clock, type Publisher } from './publisher.ts';
export {
  DEFAULT_ATTEMPTS, DEFAULT_AUDIO_STREAMS, DEFAULT_PLANT_STREAMS, DEFAULT_RATE, DEFAULT_SEED, DEFAULT_SENSOR_STREAMS, Simulator,
  type SimulatorOptions, type SimulatorStats,
} from './simulator.ts';
export { TIMESTAMP_COLUMN_NAMES, replayCsv, type ReplayOptions, type ReplayProgress } from './replay.ts';
export { runSimulator, type RunSimulatorOptions } from './main.ts';
