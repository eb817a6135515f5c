import { inMemoryHarness } from './harness';
import { describePortContracts } from './suites';

describePortContracts('in-memory', inMemoryHarness);
