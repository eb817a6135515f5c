import { kyselyHarness } from './harness';
import { describePortContracts } from './suites';

describePortContracts('sqlite', () => kyselyHarness('sqlite'));
