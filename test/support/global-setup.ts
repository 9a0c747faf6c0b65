// Builds dist/ once before the suites that start the service as a real process.
// @ts-expect-error: a plain .mjs script without types
import { buildIfNeeded } from '../../scripts/build.mjs';

export default function setup() {
  (buildIfNeeded as () => boolean)();
}
