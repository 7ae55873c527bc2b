// The testing entry of @caracal/domain: the decider harness for tests only (it imports Jest).
export { deciderSpecification, type Given, type Then } from './decider-specification.js';
