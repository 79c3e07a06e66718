// The end-to-end suites take most of the run on their own: start them first, so the remaining worker runs
// every other suite beside them instead of leaving them for last (a fresh clone has no timings to go by).
const path = require('node:path');
const Sequencer = require('@jest/test-sequencer').default;

class EndToEndFirst extends Sequencer {
  sort(tests) {
    const endToEnd = (test) => test.path.split(path.sep).includes('e2e');
    const sorted = super.sort(tests);
    return [...sorted.filter(endToEnd), ...sorted.filter((test) => !endToEnd(test))];
  }
}

module.exports = EndToEndFirst;
