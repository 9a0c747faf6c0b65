// The Node flags the service runs with (npm start, the Docker image, the bench; cluster
// workers inherit them). V8 sizes the young generation by the machine's memory: on this
// 24 GiB machine it grew to 128 MB under load, most of the service's RSS. 32 MB semi-spaces
// measured the same throughput at ~60 MB less peak RSS; 16 MB another 25-45 MB less, with
// throughput within the noise of four alternating A/B runs of each.
// --heap-growing-percent=50: after each full collection V8 lets the old generation grow to
// 1.5x what survived, instead of a factor it derives from its collection and allocation
// speeds (up to 4x): over a run of several scenarios the heap no longer grows tens of MB of garbage
// before its next full collection. Peak RSS 212 MB against 248-256 in two alternating pairs
// of bench runs, throughput within their noise. Unlike --max-old-space-size it sets no
// ceiling, so a larger live heap (a big DPoP replay cache, many clients) cannot run out.
// package.json's start script and the Dockerfile's CMD repeat these flags
// (test/platform/node-flags.spec.ts checks that they do).
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=50'];
