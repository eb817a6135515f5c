import { kyselyHarness } from './harness';
import { describePortContracts } from './suites';

describePortContracts('postgres', () => kyselyHarness('postgres'));
