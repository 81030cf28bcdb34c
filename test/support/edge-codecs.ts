export { edgeCodecModules } from '../../src/cli/bench/edge-codecs';
