// The Node flags the service runs with (npm start, the Docker image, the bench; cluster
// workers inherit them). V8 sizes the young generation by the machine's memory: on this
// 24 GiB machine it grew to 128 MB under load, most of the service's RSS. 32 MB semi-spaces
// measured the same throughput at ~60 MB less peak RSS; 16 MB another 25-45 MB less, with
// throughput within the noise of four alternating A/B runs of each.
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=16'];
