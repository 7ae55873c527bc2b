import { afterEach } from '@jest/globals';

// oclif sets process.exitCode when a command fails, as it should for a real CLI process. In
// Jest the command runs inside the test process, where that code would fail the whole run even
// though every assertion passed; the tests assert exit codes themselves.
afterEach(() => {
  process.exitCode = undefined;
});
