import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

/**
 * Ends the run with one plain line, `N passed, N failed[, N skipped]`, which CI reads.
 * A file that failed without a failing test (it did not load, or a beforeAll/afterAll
 * hook failed and its tests were skipped) and an unhandled error each count as a failure.
 */
export default class TotalsReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, errors: ReadonlyArray<SerializedError>, _reason: TestRunEndReason) {
    let passed = 0;
    let failed = errors.length;
    let skipped = 0;
    for (const module of modules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // Hook failures leave their tests skipped: count the file as failed then.
      const hookFailures = [...module.children.allSuites()].filter((suite) => suite.state() === 'failed').length;
      failed += failedHere;
      if (failedHere === 0 && (module.state() === 'failed' || hookFailures > 0)) failed++;
    }
    process.stdout.write(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`);
  }
}
